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
 */
public final class GemmBench {
    static final String USAGE = """
            usage: adjoint bench gemm [--device SPEC] [--size N]... [--shape MxKxN]... [--threads T]
                                      [--repeat R] [--warmup SECONDS] [--sample SECONDS] [--json FILE]
              --device   device spec (cpu, cuda:0, opencl:0, auto); default cpu
              --size     adds the shape NxNxN; default 1024 when no --size or --shape is given
              --shape    adds the shape MxKxN: A is MxK, B is KxN
              --threads  CPU threads (sets adjoint.threads before the device is opened)
              --repeat   timed samples per shape (default 10); the median is reported
              --warmup   seconds of warm-up per shape before timing (default 3)
              --sample   minimum seconds per timed sample (default 0.2)
              --json     writes the results as JSON to FILE""";

    /** Parsed flags. {@code threads} 0 leaves the backend's default; {@code json} may be null. */
    public record Options(String device, List<Shape> shapes, int threads, int repeat, double warmupSeconds,
                          double sampleSeconds, Path json) {
        public Options {
            shapes = List.copyOf(shapes);
            if (shapes.isEmpty()) {
                throw new IllegalArgumentException("no shape to time");
            }
        }
    }

    /** m×k times k×n. */
    public record Shape(int m, int k, int n) {
        public static Shape parse(String s) {
            String[] p = s.toLowerCase(Locale.ROOT).split("x");
            if (p.length != 3) {
                throw new IllegalArgumentException("--shape " + s + ": expected MxKxN, e.g. 128x784x256");
            }
            try {
                Shape shape = new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
                if (shape.m < 1 || shape.k < 1 || shape.n < 1) {
                    throw new IllegalArgumentException("--shape " + s + ": sizes must be positive");
                }
                return shape;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--shape " + s + ": expected MxKxN, e.g. 128x784x256", e);
            }
        }

        public double flops() {
            return 2.0 * m * n * k;
        }

        @Override
        public String toString() {
            return m + "x" + k + "x" + n;
        }
    }

    /** One shape's timing: seconds per call per sample, and the validation's worst relative error. */
    public record Result(Shape shape, Samples samples, double maxError) {
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
            System.err.println("adjoint bench gemm: " + e.getMessage());
            System.err.println(USAGE);
            return 2;
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
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (flag.equals("-h") || flag.equals("--help")) {
                throw new IllegalArgumentException("help");
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
                case "--shape" -> shapes.add(Shape.parse(v));
                case "--threads" -> threads = positive(flag, v);
                case "--repeat" -> repeat = positive(flag, v);
                case "--warmup" -> warmup = seconds(flag, v);
                case "--sample" -> sample = seconds(flag, v);
                case "--json" -> json = Path.of(v);
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        if (shapes.isEmpty()) {
            shapes.add(new Shape(1024, 1024, 1024));
        }
        return new Options(device, shapes, threads, repeat, warmup, sample, json);
    }

    private static int positive(String flag, String v) {
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

    private static double seconds(String flag, String v) {
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
        try (Device device = Devices.select(o.device()).device()) {
            out.println("gemm on " + device.name() + ": " + device.description());
            for (Shape s : o.shapes()) {
                Result r = time(device, s, o);
                results.add(r);
                out.printf(Locale.ROOT, "%s (MxKxN) %s: median %.1f GFLOP/s, min %.1f, max %.1f"
                                + " (%d samples of %d calls; max error %.2g of sum|a·b|)%n",
                        device.name(), s, r.median(), r.min(), r.max(), r.gflops().length, r.callsPerSample(),
                        r.maxError());
            }
            if (o.json() != null) {
                writeJson(o, device, results);
                out.println("wrote " + o.json());
            }
        }
        return results;
    }

    private static Result time(Device device, Shape s, Options o) {
        try (GemmWorkload gemm = new GemmWorkload(device, s)) {
            Samples samples = Timing.measure(gemm, Timing.Budget.fixed(o.warmupSeconds(), o.sampleSeconds(), o.repeat()));
            return new Result(s, samples, gemm.maxError());
        }
    }

    private static void writeJson(Options o, Device device, List<Result> results) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "gemm");
        root.put("environment", Environment.describe());
        root.put("device", Map.of("name", device.name(), "description", device.description()));
        root.put("threads", o.threads() > 0 ? (Object) (long) o.threads() : null);
        root.put("shape_order", "MxKxN");
        root.put("flops_per_call", "2*m*n*k");
        root.put("warmup_seconds", o.warmupSeconds());
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
            rows.add(row);
        }
        root.put("results", rows);
        Environment.writeJson(o.json(), root);
    }
}
