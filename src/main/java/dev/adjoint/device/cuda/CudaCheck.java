package dev.adjoint.device.cuda;

import dev.adjoint.conformance.Conformance;
import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.cpu.CpuDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A GPU check for machines without Maven: opens cuda:0 and (1) runs the conformance suite,
 * (2) runs every primitive on the same random inputs (odd sizes) on cuda:0 and the CPU device and
 * compares them element by element, (3) times SGEMM 4096³ FP32 with CUDA events (median of 30 after
 * warm-up, validated first), and (4) checks that out-of-memory is a DeviceException after which the
 * device still works. Prints JSON; {@code CudaCheck [out.json] [gemmSize] [all|gemm]}.
 */
public final class CudaCheck {
    private final CudaDevice gpu;
    private final CpuDevice cpu = new CpuDevice(Runtime.getRuntime().availableProcessors());
    private final Random rnd = new Random(20261123);
    private final List<String> results = new ArrayList<>();
    private int failures;
    /** Errors are counted in ulps of max(|cpu value|, floor): a floor of 1 for results of unit scale that may cancel. */
    private float floor;

    private CudaCheck(CudaDevice gpu) {
        this.gpu = gpu;
    }

    public static void main(String[] args) throws IOException {
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        boolean gemmOnly = args.length > 2 && args[2].equals("gemm");
        CudaBackend backend = new CudaBackend();
        if (!backend.availability().available()) {
            System.out.println("{\"available\": false, \"reason\": " + q(backend.availability().reason()) + "}");
            System.exit(2);
        }
        StringBuilder json = new StringBuilder("{\n");
        int status;
        try (CudaDevice gpu = backend.open("")) {
            CudaCheck c = new CudaCheck(gpu);
            json.append("  \"device\": ").append(q(gpu.description())).append(",\n");
            json.append("  \"devices\": ").append(q(String.join(" | ", backend.devices()))).append(",\n");
            json.append("  \"java\": ").append(q(System.getProperty("java.vm.name") + " "
                    + System.getProperty("java.version"))).append(",\n");
            if (!gemmOnly) {
                json.append("  \"conformance\": ").append(c.conformance()).append(",\n");
                c.compareAll();
                json.append("  \"cpu_comparison\": [\n    ").append(String.join(",\n    ", c.results)).append("\n  ],\n");
                json.append("  \"failures_so_far\": ").append(c.failures).append(",\n");
                json.append("  \"out_of_memory\": ").append(c.outOfMemory()).append(",\n");
            }
            json.append("  \"sgemm\": ").append(CudaGemmTiming.run(gpu, size)).append("\n}\n");
            c.cpu.close();
            status = c.failures == 0 ? 0 : 1;
        }
        System.out.print(json);
        if (args.length > 0) {   // through a temporary file and a rename, as every file Adjoint writes (io.AtomicFile)
            Path target = Path.of(args[0]).toAbsolutePath();
            Path tmp = Files.writeString(target.resolveSibling("." + target.getFileName() + ".tmp"), json);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        System.exit(status);
    }

    // ------------------------------------------------------------------ conformance

    private String conformance() {
        long seed = Conformance.seed();
        List<String> failed = new ArrayList<>();
        int passed = 0;
        for (Conformance.Case c : Conformance.cases()) {
            try {
                c.run(gpu, seed);
                passed++;
            } catch (AssertionError | RuntimeException e) {
                failed.add(q(c.name() + ": " + e.getMessage()));
            }
        }
        failures += failed.size();
        System.err.println("conformance: " + passed + " passed, " + failed.size() + " failed (seed " + seed + ")");
        failed.forEach(System.err::println);
        return "{\"seed\": " + seed + ", \"passed\": " + passed + ", \"failed\": [" + String.join(", ", failed) + "]}";
    }

    // ------------------------------------------------------------------ CPU comparison

    /** Runs {@code op} on both devices over the same inputs; compares the first {@code outLen} floats of the output. */
    private void compare(String name, float[][] inputs, int outLen, double ulps, Op op) {
        try {
            float[] g = run(gpu, inputs, outLen, op);
            float[] c = run(cpu, inputs, outLen, op);
            int exact = 0;
            double worst = 0;
            int bad = -1;
            for (int i = 0; i < outLen; i++) {
                if (Float.floatToIntBits(g[i]) == Float.floatToIntBits(c[i]) || (Float.isNaN(g[i]) && Float.isNaN(c[i]))) {
                    exact++;
                    continue;
                }
                double err = Math.abs((double) g[i] - c[i]) / Math.ulp(Math.max(Math.abs(c[i]), Math.max(floor, Float.MIN_NORMAL)));
                if (Double.isNaN(err)) {
                    err = Double.POSITIVE_INFINITY;
                }
                if (err > worst) {
                    worst = err;
                    bad = i;
                }
            }
            boolean ok = worst <= ulps;
            if (!ok) {
                failures++;
            }
            results.add(String.format(Locale.ROOT,
                    "{\"op\": %s, \"n\": %d, \"pass\": %b, \"bit_exact\": %d, \"max_ulp\": %s%s}", q(name), outLen, ok,
                    exact, Double.isInfinite(worst) ? "\"inf\"" : String.format(Locale.ROOT, "%.1f", worst),
                    ok ? "" : ", \"first_worst\": " + q("at " + bad + ": cuda " + g[bad] + " vs cpu " + c[bad])));
        } catch (RuntimeException e) {
            failures++;
            results.add("{\"op\": " + q(name) + ", \"pass\": false, \"error\": " + q(e.toString()) + "}");
        }
    }

    /** Buffers: one per input, then the output (poisoned first, so unwritten elements show). */
    private static float[] run(Device d, float[][] inputs, int outLen, Op op) {
        Buffer[] bufs = new Buffer[inputs.length + 1];
        for (int i = 0; i < inputs.length; i++) {
            bufs[i] = d.allocate(Math.max(1, inputs[i].length));
            d.upload(inputs[i], 0, bufs[i], 0, inputs[i].length);
        }
        bufs[inputs.length] = d.allocate(Math.max(1, outLen));
        float[] poison = new float[outLen];
        Arrays.fill(poison, Float.intBitsToFloat(0x7fbadbad));
        d.upload(poison, 0, bufs[inputs.length], 0, outLen);
        op.run(d, bufs);
        float[] out = new float[outLen];
        d.download(bufs[inputs.length], 0, out, 0, outLen);
        for (Buffer b : bufs) {
            b.close();
        }
        return out;
    }

    private float[] rand(int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return x;
    }

    @FunctionalInterface
    private interface Op {
        void run(Device d, Buffer[] b);
    }

    private void compareAll() {
        int rows = 37;
        int cols = 257;
        int n = rows * cols;
        // Elementwise unary, contiguous and through a transposed (strided) view.
        for (UnaryOp op : UnaryOp.values()) {
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.POW_SCALAR;
            float[] x = rand(n, positive ? 0.01 : -6, 6);
            float p = op == UnaryOp.POW_SCALAR ? 1.7f : 0.3f;
            compare("unary " + op, new float[][] {x}, n, 1, ((d, b) ->
                    d.unary(op, p, new int[] {rows, cols}, b[0], 0, new long[] {cols, 1}, b[1], 0)));
            compare("unary " + op + " transposed", new float[][] {x}, n, 1, ((d, b) ->
                    d.unary(op, p, new int[] {cols, rows}, b[0], 0, new long[] {1, cols}, b[1], 0)));
        }
        // Binary: contiguous, row broadcast (bias), rank-4 strided view with offset.
        for (BinaryOp op : BinaryOp.values()) {
            boolean pow = op == BinaryOp.POW;
            float[] a = rand(n, pow ? 0.1 : -3, 3);
            float[] bb = rand(n, pow ? -2 : -3, pow ? 2 : 3);
            if (op == BinaryOp.EQUAL || op == BinaryOp.MAX || op == BinaryOp.MIN) {
                System.arraycopy(a, 0, bb, 0, n / 3);
            }
            compare("binary " + op, new float[][] {a, bb}, n, 1, ((d, b) -> d.binary(op, 0.1f,
                    new int[] {rows, cols}, b[0], 0, new long[] {cols, 1}, b[1], 0, new long[] {cols, 1}, b[2], 0)));
            compare("binary " + op + " row broadcast", new float[][] {a, bb}, n, 1, ((d, b) -> d.binary(op, 0.1f,
                    new int[] {rows, cols}, b[0], 0, new long[] {cols, 1}, b[1], 5, new long[] {0, 1}, b[2], 0)));
            compare("binary " + op + " rank-4 strided", new float[][] {a, bb}, 3 * 5 * 7 * 11, 1, ((d, b) ->
                    d.binary(op, 0.1f, new int[] {3, 5, 7, 11}, b[0], 3, new long[] {1, 3 * 11 * 7, 3, 3 * 7},
                            b[1], 0, new long[] {0, 11, 0, 1}, b[2], 0)));
        }
        floor = 1;
        // Reductions, with NaNs planted for the max/argmax family.
        int[][] reduceShapes = {{1, 1, 1}, {7, 33, 1}, {1, 100003, 1}, {3, 70001, 1}, {1, 3000017, 1}, {5, 257, 3},
            {3, 1, 9}, {2, 64, 1001}};
        for (ReduceOp op : ReduceOp.values()) {
            for (int[] s : reduceShapes) {
                int len = s[0] * s[1] * s[2];
                float[] x = rand(len, -5, 5);
                for (int i = 0; i < len; i += 7) {
                    x[i] = x[(i * 31) % len];   // ties
                }
                boolean sum = op == ReduceOp.SUM || op == ReduceOp.MEAN;
                compare("reduce " + op + " " + Arrays.toString(s), new float[][] {x}, s[0] * s[2], sum ? 64 : 0,
                        ((d, b) -> d.reduce(op, s[0], s[1], s[2], b[0], 0, b[1], 0)));
                if (!sum && len > 3) {
                    float[] nan = x.clone();
                    nan[len / 2] = Float.NaN;
                    compare("reduce " + op + " with NaN " + Arrays.toString(s), new float[][] {nan}, s[0] * s[2], 0,
                            ((d, b) -> d.reduce(op, s[0], s[1], s[2], b[0], 0, b[1], 0)));
                }
            }
        }
        floor = 1;
        // Softmax, log-softmax and their backward; cross-entropy forward and backward.
        int[][] smShapes = {{33, 1000}, {7, 3}, {1, 5001}, {129, 10}};
        for (int[] s : smShapes) {
            int r = s[0];
            int c = s[1];
            float[] x = rand(r * c, -8, 8);
            float[] g = rand(r * c, -1, 1);
            float[] t = new float[r];
            for (int i = 0; i < r; i++) {
                t[i] = rnd.nextInt(c);
            }
            float[] gl = rand(r, 0, 1);
            String sh = r + "x" + c;
            for (boolean log : new boolean[] {false, true}) {
                String nm = log ? "log_softmax " : "softmax ";
                compare(nm + sh, new float[][] {x}, r * c, 8, ((d, b) -> d.softmax(log, r, c, b[0], 0, b[1], 0)));
                compare(nm + "in place " + sh, new float[][] {x}, r * c, 8, ((d, b) -> {
                    d.softmax(log, r, c, b[0], 0, b[0], 0);
                    d.copy(b[0], 0, b[1], 0, (long) r * c);
                }));
                float[] y = new float[r * c];
                try (Buffer xb = cpu.allocate(r * c); Buffer yb = cpu.allocate(r * c)) {
                    cpu.upload(x, 0, xb, 0, r * c);
                    cpu.softmax(log, r, c, xb, 0, yb, 0);
                    cpu.download(yb, 0, y, 0, r * c);
                }
                compare(nm + "backward " + sh, new float[][] {y, g}, r * c, 64, ((d, b) ->
                        d.softmaxBackward(log, r, c, b[0], 0, b[1], 0, b[2], 0)));
            }
            compare("cross_entropy loss " + sh, new float[][] {x, t, new float[r * c]}, r, 8, ((d, b) ->
                    d.crossEntropy(r, c, b[0], 0, b[1], 0, b[3], 0, b[2], 0)));
            compare("cross_entropy probs " + sh, new float[][] {x, t, new float[r]}, r * c, 8, ((d, b) ->
                    d.crossEntropy(r, c, b[0], 0, b[1], 0, b[2], 0, b[3], 0)));
            compare("cross_entropy backward " + sh, new float[][] {g, t, gl}, r * c, 0, ((d, b) ->
                    d.crossEntropyBackward(r, c, b[0], 0, b[1], 0, b[2], 0, 1, b[3], 0)));
            compare("cross_entropy backward mean " + sh, new float[][] {g, t, gl}, r * c, 0, ((d, b) ->
                    d.crossEntropyBackward(r, c, b[0], 0, b[1], 0, b[2], 3 % r, 0, b[3], 0)));
        }
        floor = 1;
        compareMemoryAndRandom();
        floor = 0;
        compareOptimizers();
        floor = 1;
        compareGemm();
    }

    private void compareMemoryAndRandom() {
        int n = 100_003;
        float[] x = rand(n, -1, 1);
        compare("upload/download offsets", new float[][] {x}, n - 10, 0, ((d, b) ->
                d.copy(b[0], 10, b[1], 0, n - 10)));
        compare("fill", new float[][] {x}, n, 0, ((d, b) -> {
            d.fill(b[1], 0, n, -0.0f);
            d.fill(b[1], 17, 1000, 3.25f);
        }));
        for (Distribution dist : Distribution.values()) {
            float a = dist == Distribution.BERNOULLI ? 0.3f : -2f;
            compare("random " + dist, new float[0][], n, dist == Distribution.NORMAL ? 2 : 0, ((d, b) -> {
                d.random(b[0], 0, 77, dist, a, 3f, 1234567890123L);
                d.random(b[0], 77, n - 77, dist, a, 3f, -42L);
            }));
        }
    }

    private void compareOptimizers() {
        int n = 10_007;
        float[] p = rand(n, -1, 1);
        float[] g = rand(n, -1, 1);
        float[] v = rand(n, -0.1, 0.1);
        float[] v2 = rand(n, 0, 0.1);
        float[][] sgd = {{0, 0, 0, 0, 0}, {0.9f, 0, 1e-4f, 0, 1}, {0.9f, 0.1f, 1e-2f, 1, 0}, {0.5f, 0, 0, 0, 0}};
        for (float[] s : sgd) {
            boolean nesterov = s[3] != 0;
            boolean first = s[4] != 0;
            for (int which = 0; which < 2; which++) {
                int w = which;
                compare("sgd " + Arrays.toString(s) + (w == 0 ? " param" : " velocity"), new float[][] {p, g, v},
                        n - 3, 0, ((d, b) -> {
                            for (int step = 0; step < 3; step++) {
                                d.sgdStep(b[0], b[1], b[2], 3, n - 3, 0.05f, s[0], s[1], s[2], nesterov, first && step == 0);
                            }
                            d.copy(b[w == 0 ? 0 : 2], 3, b[3], 0, n - 3);
                        }));
            }
        }
        for (boolean decoupled : new boolean[] {false, true}) {
            compare((decoupled ? "adamw" : "adam") + " param", new float[][] {p, g, v, v2}, n, 0, ((d, b) -> {
                for (long step = 1; step <= 3; step++) {
                    d.adamStep(b[0], b[1], b[2], b[3], 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled, step);
                }
                d.copy(b[0], 0, b[4], 0, n);
            }));
        }
    }

    private void compareGemm() {
        int[][] shapes = {{1, 1, 1}, {33, 257, 7}, {257, 33, 129}, {130, 67, 1}, {64, 64, 0}};
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                int m = s[0];
                int nn = s[1];
                int k = s[2];
                int lda = (ta ? m : k) + 3;
                int ldb = (tb ? k : nn) + 1;
                int ldc = nn + 2;
                float[] a = rand(5 + (ta ? k : m) * lda, -1, 1);
                float[] b = rand(2 + (tb ? nn : k) * ldb, -1, 1);
                float[] c = rand(m * ldc + 4, -1, 1);
                float beta = t == 3 ? 0f : 0.5f;
                // cuBLAS and the CPU sum in different orders: allow ulps of unit scale (the conformance suite is the strict test).
                compare("gemm " + (ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "x" + nn + "x" + k,
                        new float[][] {a, b}, m * ldc + 4, 256, ((d, bf) -> {
                            d.upload(c, 0, bf[2], 0, c.length);
                            d.gemm(ta, tb, m, nn, k, 1.25f, bf[0], 5, lda, bf[1], 2, ldb, beta, bf[2], 4, ldc);
                        }));
            }
        }
    }

    /** Asks for 4 TiB: expects a DeviceException naming the size and free memory, then a working device. */
    private String outOfMemory() {
        String message;
        boolean ok;
        try (Buffer huge = gpu.allocate(1L << 40)) {
            message = "allocated " + huge.length() + " floats?!";
            ok = false;
        } catch (dev.adjoint.device.DeviceException e) {
            message = e.getMessage();
            ok = message.contains("out of memory") && message.contains("free");
        }
        float[] back = new float[3];
        try (Buffer b = gpu.allocate(3)) {
            gpu.upload(new float[] {1, 2, 3}, 0, b, 0, 3);
            gpu.unary(UnaryOp.SQUARE, 0, new int[] {3}, b, 0, new long[] {1}, b, 0);
            gpu.download(b, 0, back, 0, 3);
        }
        ok &= back[0] == 1 && back[1] == 4 && back[2] == 9;
        if (!ok) {
            failures++;
        }
        return "{\"pass\": " + ok + ", \"message\": " + q(message) + ", \"memory\": " + q(gpu.memory().summary()) + "}";
    }

    static String q(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> b.append(ch < 0x20 ? ' ' : ch);
            }
        }
        return b.append('"').toString();
    }
}
