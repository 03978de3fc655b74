package dev.adjoint.bench;

import dev.adjoint.bench.MatrixResult.DeviceRun;
import dev.adjoint.bench.MatrixResult.PeerTiming;
import dev.adjoint.bench.MatrixResult.Row;
import dev.adjoint.device.Backend;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;
import dev.adjoint.device.PeakProbe;
import java.io.PrintStream;
import dev.adjoint.io.JsonOutput;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code adjoint bench}: the standard matrix ({@link MatrixCase#standard}) on every device asked
 * for, by default one per available backend. One device at a time: it is opened, measured case by
 * case, and closed before the next is opened, so that no other device's threads run beside it (an
 * OpenCL CPU platform's worker threads, left open, were seen running beside the cpu backend's
 * cases). Under {@code --compare} each case is followed by the device's peer
 * (numpy for the cpu backend, PyTorch for cuda and opencl), so that both sides of a ratio are timed
 * within seconds of each other on a machine that drifts. Each
 * case is timed within a budget ({@link Timing}) and skipped, with the reason, when its predicted
 * time (from the rate the device showed on the previous case of its kind) is over the case limit.
 * Each device's peak is measured first ({@link PeakProbe}) and its largest GEMM is reported as a
 * fraction of it. Writes a JSON result file and an SVG chart.
 */
public final class MatrixBench {
    /** How a failed case's {@code skipped} reason starts. */
    static final String FAILED = "failed: ";

    /**
     * The run's settings. {@code devices} empty means one device per available backend; {@code cases}
     * empty the standard matrix ({@link MatrixCase#standard}, smaller with {@code quick}), else the
     * cases named as {@link MatrixCase#parse} reads them, in that order; {@code json} null means
     * {@code bench-out/bench-<devices>-<time>.json}, {@code svg} null the JSON's name with {@code .svg}.
     */
    public record Options(List<String> devices, List<String> cases, boolean compare, boolean quick, Path json, Path svg,
                          Timing.Budget budget, double caseLimitSeconds, double peakSeconds, String python) {
        public Options {
            devices = List.copyOf(devices);
            cases = List.copyOf(cases);
            cases.forEach(MatrixCase::parse);
            if (!(caseLimitSeconds > 0) || !(peakSeconds > 0)) {
                throw new IllegalArgumentException("the case limit and the peak probe's seconds must be positive");
            }
        }

        /** The cases to run. */
        List<MatrixCase> matrixCases() {
            return cases.isEmpty() ? MatrixCase.standard(quick) : cases.stream().map(MatrixCase::parse).toList();
        }

        /** The defaults: full matrix, or {@code quick} (small cases, short budgets: seconds in all). */
        public static Options defaults(boolean quick) {
            return quick
                    ? new Options(List.of(), List.of(), false, true, null, null, new Timing.Budget(0.2, 0.02, 3, 3, 0.2), 10, 0.2,
                            "python3")
                    : new Options(List.of(), List.of(), false, false, null, null, new Timing.Budget(1, 0.25, 7, 3, 2), 45, 1,
                            "python3");
        }
    }

    /** The result file and chart written, the JSON's root, and how many cases failed. */
    public record Report(Path json, Path svg, Map<String, Object> root, int failures) {}

    private MatrixBench() {}

    /**
     * Runs the matrix, prints the table and the peak lines, writes the JSON and the SVG. A case that
     * fails on a device (a device error, a wrong result) is reported and counted, and the run goes on.
     */
    public static Report run(Options o, PrintStream out, PrintStream err) {
        List<Peer> peers = new ArrayList<>();
        Map<String, Peer> peerByRuntime = new HashMap<>();
        try (ProgressLine progress = new ProgressLine(err, err == System.err && ProgressLine.onTerminal())) {
            boolean every = o.devices().isEmpty();
            List<String> specs = every ? availableBackends(out) : o.devices();
            List<MatrixCase> cases = o.matrixCases();
            Steps steps = new Steps(specs.size() * cases.size() * (o.compare() ? 2 : 1));
            List<DeviceRun> devices = new ArrayList<>();
            List<Row> rows = new ArrayList<>();
            for (String spec : specs) {
                Device d = openDevice(spec, every, out);
                if (d == null) {
                    steps.total -= cases.size() * (o.compare() ? 2 : 1);
                    continue;
                }
                try (d) {
                    DeviceRun run = probe(o, d, out);
                    devices.add(run);
                    Peer peer = o.compare() ? peer(o, run, peerByRuntime, peers, out) : null;
                    if (o.compare() && peer == null) {
                        steps.total -= cases.size();
                    }
                    progress.println(out, MatrixReport.header());
                    rows.addAll(measure(o, cases, run, d, peer, out, progress, steps));
                }
            }
            if (devices.isEmpty()) {
                throw new DeviceUnavailableException("no device to benchmark");
            }
            progress.close();
            out.println();
            for (DeviceRun d : devices) {
                out.println(MatrixReport.peakLine(rows, d));
            }
            Map<String, Object> root = MatrixReport.json(environment(), settings(o), devices, peers, rows,
                    progress.seconds());
            Path json = o.json() != null ? o.json() : defaultJson(devices);
            boolean stdout = JsonOutput.isStdout(json);
            // JSON on standard output has no folder to put the chart beside: it is drawn only where --svg says
            Path svg = o.svg() != null ? o.svg() : stdout ? null : json.resolveSibling(json.getFileName().toString()
                    .replaceFirst("\\.json$", "") + ".svg");
            Environment.writeJson(json, root);
            if (svg != null) {
                Environment.writeText(svg, MatrixReport.chart("Adjoint bench: throughput per backend", subtitle(root),
                        devices, rows));
            }
            out.printf(Locale.ROOT, "wrote %s (%.0f s in all)%n", (stdout ? "the JSON to standard output" : json)
                    + (svg != null ? " and " + svg : ""), progress.seconds());
            int failures = (int) rows.stream().filter(r -> r.skipped() != null && r.skipped().startsWith(FAILED)).count();
            return new Report(json, svg, root, failures);
        } finally {
            peers.forEach(Peer::close);
        }
    }

    /** The progress counter: steps done and expected (less when a device or a peer turns out unavailable). */
    private static final class Steps {
        int done;
        int total;

        Steps(int total) {
            this.total = total;
        }
    }

    /** One spec per available backend, cpu first, printing why each unavailable one is skipped. */
    private static List<String> availableBackends(PrintStream out) {
        List<String> specs = new ArrayList<>();
        List<Backend> backends = new ArrayList<>(Devices.backends());
        backends.sort(java.util.Comparator.comparingInt(Backend::preference).reversed());   // cpu first
        for (Backend b : backends) {
            if (b.availability().available()) {
                specs.add(b.name());
            } else {
                out.println(b.name() + ": not benchmarked, " + b.availability().reason());
            }
        }
        return specs;
    }

    /** The device for {@code spec}; when it cannot open, an error if it was asked for, else a printed line and null. */
    private static Device openDevice(String spec, boolean every, PrintStream out) {
        try {
            return Devices.select(spec).device();
        } catch (DeviceUnavailableException | DeviceException e) {
            if (!every) {
                throw e;
            }
            out.println(spec + ": not benchmarked, " + e.getMessage());
            return null;
        }
    }

    /** Measures the device's peak, prints its line, and warms it up. */
    private static DeviceRun probe(Options o, Device d, PrintStream out) {
        String backend = d.name().contains(":") ? d.name().substring(0, d.name().indexOf(':')) : d.name();
        PeakProbe.Peak peak = null;
        String note = null;
        if (d instanceof PeakProbe p) {
            peak = p.measurePeak(o.peakSeconds());
        } else {
            note = "this device has no peak probe";
        }
        DeviceRun run = new DeviceRun(backend, d.name(), d.description(), peak, note);
        out.println(run.name() + ": " + run.description() + (peak == null ? ""
                : String.format(Locale.ROOT, "; peak %.1f GFLOP/s", peak.gflops())));
        warmUp(d, 2 * o.budget().warmupSeconds());
        return run;
    }

    /**
     * Before the first case, {@code seconds} each of a GEMM and of the small model's training step,
     * so that C2 has compiled the CPU kernels (Vector API code is ~100× slower before) and a
     * device's kernels are built before the first case's own warm-up starts.
     */
    private static void warmUp(Device d, double seconds) {
        for (MatrixCase c : List.of(MatrixCase.gemm(512, 512, 512), MatrixCase.MODELS.getFirst())) {
            try (Workload w = c.open(d)) {
                Timing.warmup(w, seconds);
            }
        }
    }

    /**
     * The device's peer, started on first use (numpy for the cpu backend, torch for the GPU backends;
     * one process per runtime), or null when its runtime cannot run here (printed once).
     */
    private static Peer peer(Options o, DeviceRun d, Map<String, Peer> byRuntime, List<Peer> peers, PrintStream out) {
        String runtime = d.backend().equals("cpu") ? "numpy" : "torch";
        Peer p = byRuntime.computeIfAbsent(runtime, r -> {
            Peer started = Peer.start(r, o.python(), Peer.locate(), Devices.cpuThreads(), r.equals("numpy"));
            peers.add(started);
            out.println(started.available() ? "peer " + r + ": " + started.versions()
                    : "peer " + r + ": not available, " + started.unavailableReason());
            return started;
        });
        return p.available() ? p : null;
    }

    /** Every case on one device, each followed by the peer's timing of it when there is a peer. */
    private static List<Row> measure(Options o, List<MatrixCase> cases, DeviceRun d, Device device, Peer peer,
                                     PrintStream out, ProgressLine progress, Steps steps) {
        Map<MatrixCase.Kind, Double> rate = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        for (MatrixCase c : cases) {
            progress.start(++steps.done, steps.total, d.name() + " " + c.title());
            String skip = skipReason(o, c, rate);
            Samples ours = null;
            if (skip == null) {
                try (Workload w = c.open(device)) {
                    ours = Timing.measure(w, o.budget());
                    rate.put(c.kind(), c.flops() / ours.median());
                } catch (DeviceException | IllegalStateException | IllegalArgumentException failure) {
                    skip = FAILED + failure.getMessage();
                }
            }
            PeerTiming pt = null;
            if (peer != null) {
                if (ours != null) {
                    progress.start(++steps.done, steps.total, peer.name() + " " + c.title());
                    pt = peerTiming(peer, c, o.budget());
                } else {
                    steps.total--;
                }
            }
            Row row = new Row(d, c, ours, skip, pt);
            rows.add(row);
            progress.println(out, MatrixReport.line(row));
        }
        return rows;
    }

    /**
     * Why the case would take too long on this device, or null: its time at the rate of the last
     * case of its kind there (a GEMM's for the first of a kind), for the warm-up's first call and
     * the minimum samples, against the case limit.
     */
    static String skipReason(Options o, MatrixCase c, Map<MatrixCase.Kind, Double> rates) {
        Double rate = rates.getOrDefault(c.kind(), rates.get(MatrixCase.Kind.GEMM));
        if (rate == null) {
            return null;
        }
        Timing.Budget b = o.budget();
        double call = c.flops() / rate;
        double predicted = Math.max(b.warmupSeconds(), call) + b.minSamples() * Math.max(b.sampleSeconds(), call);
        if (predicted <= o.caseLimitSeconds()) {
            return null;
        }
        return String.format(Locale.ROOT, "predicted %.0f s at %.1f GFLOP/s (%d samples of %s), over the case limit of"
                + " %.0f s", predicted, rate / 1e9, b.minSamples(), MatrixReport.duration(call), o.caseLimitSeconds());
    }

    private static PeerTiming peerTiming(Peer peer, MatrixCase c, Timing.Budget b) {
        try {
            return new PeerTiming(peer.name(), peer.measure(c, b, "fp32"), null);
        } catch (IllegalStateException e) {
            return new PeerTiming(peer.name(), null, e.getMessage());
        }
    }


    private static Map<String, Object> environment() {
        Map<String, Object> env = Environment.describe();
        env.put("cpu_threads", (long) Devices.cpuThreads());
        Map<String, Object> backends = new LinkedHashMap<>();
        for (Backend b : Devices.backends()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("available", b.availability().available());
            m.put("detail", b.availability().reason());
            m.put("versions", new LinkedHashMap<String, Object>(b.versions()));
            backends.put(b.name(), m);
        }
        env.put("backends", backends);
        return env;
    }

    private static Map<String, Object> settings(Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        Timing.Budget b = o.budget();
        m.put("quick", o.quick());
        m.put("cases", o.cases().isEmpty() ? "standard" : String.join(",", o.cases()));
        m.put("compare", o.compare());
        m.put("warmup_s", b.warmupSeconds());
        m.put("sample_s", b.sampleSeconds());
        m.put("repeat", (long) b.repeat());
        m.put("min_samples", (long) b.minSamples());
        m.put("timed_s", b.timedSeconds());
        m.put("case_limit_s", o.caseLimitSeconds());
        m.put("peak_s", o.peakSeconds());
        m.put("spread", "(max - min) / median of the timed samples");
        m.put("flops", "GEMM work only: 2*m*k*n; MLP forward 2*batch*sum(in*out), training step adds the weight"
                + " gradients (the same) and the input gradients of every layer but the first");
        m.put("ratio", "adjoint throughput / peer throughput (peer median_s / adjoint median_s)");
        return m;
    }

    private static String subtitle(Map<String, Object> root) {
        @SuppressWarnings("unchecked")
        Map<String, Object> env = (Map<String, Object>) root.get("environment");
        return env.get("cpu") + ", " + env.get("cores") + " cores; " + env.get("jdk") + "; commit " + env.get("commit")
                + "; " + String.valueOf(env.get("time")).replace('T', ' ').replaceFirst("\\.\\d+Z$", " UTC");
    }

    private static Path defaultJson(List<DeviceRun> devices) {
        String names = String.join("-", devices.stream().map(d -> d.name().replace(':', '_')).toList());
        String time = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of("bench-out", "bench-" + names + "-" + time + ".json");
    }
}
