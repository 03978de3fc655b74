package dev.adjoint.bench;

import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * {@code adjoint bench gemm}: times {@code C = A·B} (float32, row-major, no transposes) through the
 * {@link Device} interface, so it measures any backend the same way. Shapes are written
 * {@code MxKxN}: A is m×k, B is k×n, C is m×n. One GEMM is 2·m·n·k floating-point operations;
 * GFLOP/s = 2·m·n·k·calls / seconds / 1e9.
 *
 * <p>Per shape: one result is checked against a float64 reference (a sample of entries), the GEMM
 * is warmed up (the CPU backend's Vector API code needs seconds before C2 has compiled it), then
 * {@code repeat} samples are timed, each a batch of calls lasting at least {@code sampleSeconds}
 * and ending with {@link Device#synchronize()}. Median, min and max GFLOP/s are printed and,
 * with {@code --json}, written with the machine, JDK and device.
 *
 * <p>With {@code --compare} the peer reference ({@link Peer}: numpy, or PyTorch with {@code --peer
 * torch}, run with the same thread count) times the same shapes in the same invocation, interleaved
 * sample by sample: in each of {@code repeat} rounds every shape is timed once by Adjoint and once by
 * the peer, the order alternating from round to round, so the two are never more than a second
 * apart. Both sides run {@value #SAMPLE_WARMUP_SECONDS} s of untimed calls right before each of
 * their samples: the peer because its arrays are new for every request, and both because this host
 * resumes a vCPU that idled (while the other side ran) slowly, for tens of milliseconds (measured:
 * after 0.5 s idle, 1 thread, 128x784x256, the first 50 calls at 0.55-0.9x of the later ones). The
 * ratio of the medians is printed, and the median of the per-round ratios as a check.
 */
public final class GemmBench {
    static final String USAGE = """
            usage: adjoint bench gemm [--device SPEC] [--size N]... [--shape MxKxN]... [--threads T]
                                      [--repeat R] [--warmup SECONDS] [--sample SECONDS] [--json FILE]
                                      [--compare [--peer numpy|torch] [--python PYTHON]]
              --device   device spec (cpu, cuda:0, opencl:0, auto); default cpu
              --size     adds the shape NxNxN; default 1024 when no --size or --shape is given
              --shape    adds the shape MxKxN: A is MxK, B is KxN
              --threads  CPU threads (sets adjoint.threads before the device is opened)
              --repeat   timed samples per shape (default 10); the median is reported
              --warmup   seconds of warm-up per shape before timing (default 3)
              --sample   minimum seconds per timed sample (default 0.2)
              --json     writes the results as JSON to FILE (- for standard output)
              --compare  times the peer reference too, interleaved sample by sample (needs python3)
              --peer     numpy (default) or torch
              --python   the python to run the peer with (default python3)""";

    /** Untimed calls by each side right before each of its samples in {@code --compare}. */
    static final double SAMPLE_WARMUP_SECONDS = 0.3;

    /**
     * Parsed flags. {@code threads} 0 leaves the backend's default; {@code json} may be null;
     * {@code peer} is null unless {@code --compare} was given.
     */
    public record Options(String device, List<Shape> shapes, int threads, int repeat, double warmupSeconds,
                          double sampleSeconds, Path json, String peer, String python) {
        public Options {
            shapes = List.copyOf(shapes);
            if (shapes.isEmpty()) {
                throw new IllegalArgumentException("no shape to time");
            }
        }
    }

    /** m×k times k×n. */
    public record Shape(int m, int k, int n) {
        /** {@code MxKxN}; {@code what} names the value in the error ({@code --shape}, {@code shape}). */
        public static Shape parse(String what, String s) {
            int[] p;
            try {
                p = Sizes.parse(what, s, "x", 3);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (MxKxN, e.g. 128x784x256)", e);
            }
            return new Shape(p[0], p[1], p[2]);
        }

        public double flops() {
            return 2.0 * m * n * k;
        }

        @Override
        public String toString() {
            return m + "x" + k + "x" + n;
        }
    }

    /**
     * One shape's timing: seconds per call per sample, the validation's worst relative error, and
     * the peer's samples (null without {@code --compare}; sample i was taken in the same round as ours).
     */
    public record Result(Shape shape, Samples samples, double maxError, Samples peer) {
        /** GFLOP/s of each sample. */
        public double[] gflops() {
            return java.util.Arrays.stream(samples.seconds()).map(s -> shape.flops() / s / 1e9).toArray();
        }

        public double median() {
            return shape.flops() / samples.median() / 1e9;
        }

        public double min() {
            return shape.flops() / samples.max() / 1e9;
        }

        public double max() {
            return shape.flops() / samples.min() / 1e9;
        }

        public int callsPerSample() {
            return samples.callsPerSample();
        }

        /** The peer's median GFLOP/s. */
        public double peerMedian() {
            return shape.flops() / peer.median() / 1e9;
        }

        /** Our median over the peer's. */
        public double ratio() {
            return median() / peerMedian();
        }

        /** The median over rounds of (ours / peer's) within the round. */
        public double pairedRatio() {
            double[] ours = samples.seconds();
            double[] theirs = peer.seconds();
            double[] r = new double[ours.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = theirs[i] / ours[i];
            }
            return new Samples(r, 1).median();
        }
    }

    private GemmBench() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses {@code args} (the words after {@code bench gemm}), runs, returns the exit code. */
    public static int run(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().equals("help")) {
                throw new IllegalArgumentException("bench gemm: " + e.getMessage() + " (adjoint bench gemm --help lists the"
                        + " options)", e);
            }
            System.out.println(USAGE);
            return 0;
        }
        run(o, System.out);
        return 0;
    }

    /** Parses flags; throws IllegalArgumentException naming the bad flag. */
    public static Options parse(String[] args) {
        String device = "cpu";
        List<Shape> shapes = new ArrayList<>();
        int threads = 0;
        int repeat = 10;
        double warmup = 3;
        double sample = 0.2;
        Path json = null;
        boolean compare = false;
        String peer = "numpy";
        String python = "python3";
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new IllegalArgumentException("help");
            }
            if (flag.equals("--compare")) {
                compare = true;
                continue;
            }
            if (!flag.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + flag + "'");
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            String v = args[++i];
            switch (flag) {
                case "--device" -> device = v;
                case "--size" -> {
                    int s = positive(flag, v);
                    shapes.add(new Shape(s, s, s));
                }
                case "--shape" -> shapes.add(Shape.parse(flag, v));
                case "--threads" -> threads = threads(flag, v);
                case "--repeat" -> repeat = positive(flag, v);
                case "--warmup" -> warmup = seconds(flag, v);
                case "--sample" -> sample = seconds(flag, v);
                case "--json" -> json = writable(Path.of(v));
                case "--peer" -> {
                    if (!v.equals("numpy") && !v.equals("torch")) {
                        throw new IllegalArgumentException("--peer " + v + ": expected numpy or torch");
                    }
                    peer = v;
                }
                case "--python" -> python = v;
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        if (shapes.isEmpty()) {
            shapes.add(new Shape(1024, 1024, 1024));
        }
        return new Options(device, shapes, threads, repeat, warmup, sample, json, compare ? peer : null, python);
    }

    /** What a "wrote ..." line names: the file, or standard output. */
    static String wrote(Path json) {
        return dev.adjoint.io.JsonOutput.isStdout(json) ? "the JSON to standard output" : json.toString();
    }

    /** {@code path}, after checking that it can be written (before any work is done). */
    static Path writable(Path path) {
        dev.adjoint.io.JsonOutput.checkWritable(path, "--json");
        return path;
    }

    /** {@code v} as an integer >= 1, else an IllegalArgumentException naming {@code flag}. */
    static int positive(String flag, String v) {
        try {
            int x = Integer.parseInt(v.trim());
            if (x >= 1) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " " + v + ": expected a positive integer");
    }

    /** {@code v} as a CPU thread count, from 1 to {@link Devices#MAX_CPU_THREADS}. */
    static int threads(String flag, String v) {
        int t = positive(flag, v);
        if (t > Devices.MAX_CPU_THREADS) {
            throw new IllegalArgumentException(flag + " " + v + ": expected at most " + Devices.MAX_CPU_THREADS);
        }
        return t;
    }

    /** {@code v} as finite seconds >= 0, else an IllegalArgumentException naming {@code flag}. */
    static double seconds(String flag, String v) {
        try {
            double x = Double.parseDouble(v.trim());
            if (x >= 0 && Double.isFinite(x)) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(flag + " " + v + ": expected seconds >= 0");
    }

    /** Runs every shape on the device {@code o.device()}, printing one line per shape. */
    public static List<Result> run(Options o, PrintStream out) {
        if (o.threads() > 0) {
            System.setProperty(Devices.CPU_THREADS_PROPERTY, Integer.toString(o.threads()));
        }
        List<Result> results = new ArrayList<>();
        try (Device device = Devices.select(o.device()).device();
             Peer peer = o.peer() == null ? null
                     : Peer.require(o.peer(), o.python(), Devices.cpuThreads(), device.name().equals("cpu"),
                             "bench gemm --compare")) {
            out.println("gemm on " + device.name() + ": " + device.description());
            if (peer == null) {
                for (Shape s : o.shapes()) {
                    results.add(time(device, s, o));
                    print(out, device, results.getLast());
                }
            } else {
                results.addAll(compare(device, peer, o, out));
            }
            if (o.json() != null) {
                writeJson(o, device, peer, results);
                out.println("wrote " + wrote(o.json()));
            }
        }
        return results;
    }

    private static void print(PrintStream out, Device device, Result r) {
        out.printf(Locale.ROOT, "%s (MxKxN) %s: median %.1f GFLOP/s, min %.1f, max %.1f"
                        + " (%d samples of %d calls; max error %.2g of sum|a·b|)%n",
                device.name(), r.shape(), r.median(), r.min(), r.max(), r.gflops().length, r.callsPerSample(),
                r.maxError());
    }

    private static Result time(Device device, Shape s, Options o) {
        try (GemmWorkload gemm = new GemmWorkload(device, s)) {
            Samples samples = Timing.measure(gemm, Timing.Budget.fixed(o.warmupSeconds(), o.sampleSeconds(), o.repeat()));
            return new Result(s, samples, gemm.maxError(), null);
        }
    }

    /** Every shape warmed up, then {@code repeat} rounds of one sample each by us and by the peer. */
    private static List<Result> compare(Device device, Peer peer, Options o, PrintStream out) {
        int n = o.shapes().size();
        List<GemmWorkload> gemms = new ArrayList<>();
        try {
            int[] calls = new int[n];
            for (int i = 0; i < n; i++) {
                gemms.add(new GemmWorkload(device, o.shapes().get(i)));
                calls[i] = Timing.callsPerSample(Timing.warmup(gemms.get(i), o.warmupSeconds()), o.sampleSeconds());
            }
            double[][] ours = new double[n][o.repeat()];
            double[][] theirs = new double[n][o.repeat()];
            Timing.Budget peerBudget = Timing.Budget.fixed(SAMPLE_WARMUP_SECONDS, o.sampleSeconds(), 1);
            for (int r = 0; r < o.repeat(); r++) {
                for (int i = 0; i < n; i++) {
                    Shape s = o.shapes().get(i);
                    MatrixCase c = MatrixCase.gemm(s.m(), s.k(), s.n());
                    if (r % 2 == 1) {
                        theirs[i][r] = peer.measure(c, peerBudget, "fp32").median();
                    }
                    Timing.warmup(gemms.get(i), SAMPLE_WARMUP_SECONDS);
                    ours[i][r] = Timing.sample(gemms.get(i), calls[i]);
                    if (r % 2 == 0) {
                        theirs[i][r] = peer.measure(c, peerBudget, "fp32").median();
                    }
                    out.printf(Locale.ROOT, "round %d/%d %s: adjoint %.1f, %s %.1f GFLOP/s%n", r + 1, o.repeat(), s,
                            s.flops() / ours[i][r] / 1e9, o.peer(), s.flops() / theirs[i][r] / 1e9);
                }
            }
            List<Result> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Result res = new Result(o.shapes().get(i), new Samples(ours[i], calls[i]), gemms.get(i).maxError(),
                        new Samples(theirs[i], 1));
                results.add(res);
                print(out, device, res);
                out.printf(Locale.ROOT, "%s %s: median %.1f GFLOP/s; adjoint / %s = %.3f (per-round ratios: median %.3f)%n",
                        o.peer(), res.shape(), res.peerMedian(), o.peer(), res.ratio(), res.pairedRatio());
            }
            return results;
        } finally {
            for (GemmWorkload g : gemms) {
                g.close();
            }
        }
    }

    private static void writeJson(Options o, Device device, Peer peer, List<Result> results) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "gemm");
        root.put("environment", Environment.describe());
        root.put("device", Map.of("name", device.name(), "description", device.description()));
        root.put("threads", (long) Devices.cpuThreads());   // the cpu backend's, and the peer's BLAS threads
        root.put("shape_order", "MxKxN");
        root.put("flops_per_call", "2*m*n*k");
        root.put("warmup_seconds", o.warmupSeconds());
        if (peer != null) {
            Map<String, Object> p = new LinkedHashMap<>(peer.versions());
            p.put("name", o.peer());
            root.put("peer", p);
            root.put("warmup_seconds_per_sample", SAMPLE_WARMUP_SECONDS);
            root.put("method", "rounds of one sample per shape by adjoint and by the peer, the order alternating"
                    + " per round, each sample right after " + SAMPLE_WARMUP_SECONDS + " s of untimed calls by the"
                    + " same side; ratio = median of ours / median of the peer's");
        }
        List<Object> rows = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("shape", r.shape().toString());
            row.put("m", (long) r.shape().m());
            row.put("k", (long) r.shape().k());
            row.put("n", (long) r.shape().n());
            row.put("median_gflops", r.median());
            row.put("min_gflops", r.min());
            row.put("max_gflops", r.max());
            row.put("calls_per_sample", (long) r.callsPerSample());
            row.put("max_rel_error", r.maxError());
            List<Object> samples = new ArrayList<>();
            for (double g : r.gflops()) {
                samples.add(g);
            }
            row.put("samples_gflops", samples);
            if (r.peer() != null) {
                row.put("peer_median_gflops", r.peerMedian());
                List<Object> theirs = new ArrayList<>();
                for (double sec : r.peer().seconds()) {
                    theirs.add(r.shape().flops() / sec / 1e9);
                }
                row.put("peer_samples_gflops", theirs);
                row.put("ratio", r.ratio());
                row.put("paired_ratio", r.pairedRatio());
            }
            rows.add(row);
        }
        root.put("results", rows);
        Environment.writeJson(o.json(), root);
    }
}
