package dev.adjoint.bench;

import dev.adjoint.io.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A peer runtime (numpy on the CPU, PyTorch on a CUDA GPU) in a child process that runs
 * {@code bench/reference/peer.py} and times one matrix case per request, with the same budget and
 * the same timing loop as {@link Timing}. A runtime that cannot run here (no python, no numpy,
 * torch without a GPU) is a peer that is not {@link #available}, with the reason; it is never an
 * error of the benchmark.
 */
final class Peer implements AutoCloseable {
    static final String SCRIPT = "bench/reference/peer.py";

    private final String name;
    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final StringBuilder errors = new StringBuilder();
    private String unavailable;
    private Map<String, Object> versions = Map.of();

    /**
     * Starts {@code python script runtime --device D} with the BLAS thread variables set to
     * {@code threads} (0 leaves them alone) and reads its first line; {@link #available} says how that
     * went. {@code onCpu}: the peer computes on the CPU (numpy, or PyTorch's CPU build), else on the GPU
     * (PyTorch on CUDA), as the Adjoint device it is compared with does.
     */
    static Peer start(String runtime, String python, Path script, int threads, boolean onCpu) {
        if (script == null) {
            return new Peer(runtime, null, SCRIPT + " was not found (run from the repository root)");
        }
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), runtime, "--device", onCpu ? "cpu" : "cuda");
        if (threads > 0) {
            for (String v : List.of("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")) {
                pb.environment().put(v, Integer.toString(threads));
            }
        }
        try {
            return new Peer(runtime, pb.start(), null);
        } catch (IOException e) {
            return new Peer(runtime, null, "cannot run " + python + ": " + e.getMessage());
        }
    }

    /**
     * Starts the peer for a command that asked for it ({@code who}, e.g. "bench train --compare"):
     * an unavailable peer is then an IllegalStateException with the reason.
     */
    static Peer require(String runtime, String python, int threads, boolean onCpu, String who) {
        Peer p = start(runtime, python, locate(), threads, onCpu);
        if (!p.available()) {
            p.close();
            throw new IllegalStateException(who + ": the " + runtime + " reference cannot run: " + p.unavailableReason());
        }
        return p;
    }

    private Peer(String name, Process process, String unavailable) {
        this.name = name;
        this.process = process;
        this.unavailable = unavailable;
        if (process == null) {
            out = null;
            in = null;
            return;
        }
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        drain(process.getErrorStream());
        Map<String, Object> hello = answer();
        if (hello == null) {
            return;
        }
        if (Boolean.TRUE.equals(hello.get("ready"))) {
            @SuppressWarnings("unchecked")
            Map<String, Object> v = (Map<String, Object>) hello.getOrDefault("versions", Map.of());
            versions = v;
        } else {
            this.unavailable = String.valueOf(hello.get("reason"));
            close();
        }
    }

    /** {@code bench/reference/peer.py} under the working directory, else beside the jar's folder; null if neither. */
    static Path locate() {
        Path here = Path.of(SCRIPT);
        if (Files.isRegularFile(here)) {
            return here;
        }
        try {
            Path jar = Path.of(Peer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path beside = jar.toAbsolutePath().getParent().getParent().resolve(SCRIPT);
            return Files.isRegularFile(beside) ? beside : null;
        } catch (Exception e) {   // no code source (unusual class loaders): not found
            return null;
        }
    }

    String name() {
        return name;
    }

    boolean available() {
        return unavailable == null;
    }

    /** Why this peer cannot run; null when it can. */
    String unavailableReason() {
        return unavailable;
    }

    /** What the peer reported: runtime, BLAS or CUDA, python, device. */
    Map<String, Object> versions() {
        return versions;
    }

    /** Times {@code c} in the peer; throws IllegalStateException with the peer's error if it failed. */
    /**
     * A training or inference step computes in {@code precision} (fp32, tf32, bf16, fp16: peer.py's torch autocast,
     * GradScaler and allow_tf32; numpy refuses all but fp32); a GEMM is always FP32.
     */
    Samples measure(MatrixCase c, Timing.Budget b, String precision) {
        if (!available()) {
            throw new IllegalStateException(name + " is unavailable: " + unavailable);
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("kind", c.kind().label());
        if (c.kind() == MatrixCase.Kind.GEMM) {
            q.put("shape", c.shape());
        } else {
            List<Object> sizes = new ArrayList<>();
            for (int s : c.sizes()) {
                sizes.add((long) s);
            }
            q.put("sizes", sizes);
            q.put("batch", (long) c.batch());
            if (c.conv().length > 0) {
                List<Object> conv = new ArrayList<>();
                for (int ch : c.conv()) {
                    conv.add((long) ch);
                }
                q.put("conv", conv);
            }
            if (c.batchNorm()) {
                q.put("norm", "batch");
            }
        }
        q.put("warmup", b.warmupSeconds());
        q.put("sample", b.sampleSeconds());
        q.put("repeat", (long) b.repeat());
        q.put("min_samples", (long) b.minSamples());
        q.put("timed", Double.isInfinite(b.timedSeconds()) ? 1e9 : b.timedSeconds());
        q.put("precision", precision);
        try {
            in.write(Json.writeCompact(q) + "\n");
            in.flush();
        } catch (IOException e) {
            unavailable = name + " stopped: " + e.getMessage() + stderrTail();
            throw new IllegalStateException(unavailable, e);
        }
        Map<String, Object> a = answer();
        if (a == null) {
            throw new IllegalStateException(unavailable);
        }
        if (a.containsKey("error")) {
            throw new IllegalStateException(name + " failed on " + c.title() + ": " + a.get("error"));
        }
        settle();
        List<?> seconds = (List<?>) a.get("seconds");
        double[] s = seconds.stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
        return new Samples(s, ((Number) a.get("calls_per_sample")).intValue());
    }

    /**
     * Returns once the peer process has used no CPU for {@value #QUIET_MILLIS} ms (at most
     * {@value #SETTLE_MILLIS} ms): BLAS worker threads spin after their last call (OpenBLAS for about
     * 0.1 s), and a sample of ours taken meanwhile shares the cores with them. Measured on the 2-core
     * machine: 2-thread GEMM samples of ours taken right after numpy's ran 25% slower than the others.
     * Where the process's CPU time cannot be read, returns at once.
     */
    private void settle() {
        ProcessHandle h = process.toHandle();
        long deadline = System.nanoTime() + SETTLE_MILLIS * 1_000_000L;
        Duration last = h.info().totalCpuDuration().orElse(null);
        while (last != null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(QUIET_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            Duration now = h.info().totalCpuDuration().orElse(null);
            if (now == null || now.equals(last)) {
                return;
            }
            last = now;
        }
    }

    private static final long QUIET_MILLIS = 30;
    private static final long SETTLE_MILLIS = 2000;

    /** The next JSON line from the peer (other lines, e.g. a library's chatter, are skipped); null if it ended. */
    private Map<String, Object> answer() {
        try {
            for (String line; (line = out.readLine()) != null; ) {
                if (line.startsWith("{")) {
                    return Json.parseObject(line);
                }
            }
        } catch (IOException | IllegalArgumentException e) {
            unavailable = name + " peer: unreadable answer (" + e.getMessage() + ")" + stderrTail();
            return null;
        }
        unavailable = name + " peer ended" + stderrTail();
        return null;
    }

    private void drain(InputStream err) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(err, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (errors) {
                        errors.append(line).append('\n');
                        if (errors.length() > 4000) {
                            errors.delete(0, errors.length() - 2000);
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "adjoint-peer-stderr");
        t.setDaemon(true);
        t.start();
    }

    private String stderrTail() {
        synchronized (errors) {
            String s = errors.toString().strip();
            return s.isEmpty() ? "" : ": " + s.substring(s.lastIndexOf('\n') + 1);
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroy();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }
}
