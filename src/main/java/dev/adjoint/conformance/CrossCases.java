package dev.adjoint.conformance;

import dev.adjoint.conformance.CrossCheck.Tolerance;
import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;
import java.util.Arrays;

/**
 * The comparisons of {@link CrossCheck}: every primitive of the device contract on odd sizes, each
 * with its tolerance. A device that {@link dev.adjoint.device.RoundsAsCpu} is held to the CPU's
 * floats, one rounding away at most, except where summation order may differ (CUDA matched the CPU
 * bit for bit on an H100 in all but GEMM); any other device to what the contract allows it, a
 * float math library and contracted multiply-adds (OpenCL C), counted at unit scale.
 */
final class CrossCases {
    private CrossCases() {}

    /** One IEEE operation (or several, with no room for contraction): the CPU's float, or one rounding away. */
    static final Tolerance ROUNDING = Tolerance.everywhere(1, 0);

    /**
     * A math library's function, or a multiply-add a device may contract: one rounding where the
     * device rounds as the CPU; else 16 ulps of unit scale (OpenCL C allows pow and erf 16 ulps;
     * PoCL was within 3).
     */
    static final Tolerance MATH = new Tolerance(1, 0, 16, 1);

    /** Exactly the CPU's floats on every device: copies, fills, comparisons, index results. */
    static final Tolerance EXACT = Tolerance.everywhere(0, 1);

    static void all(CrossCheck c) {
        elementwise(c);
        reductions(c);
        softmax(c);
        memoryAndRandom(c);
        optimizers(c);
        gemm(c);
        indexing(c);
        windows(c);
    }

    private static Tolerance of(UnaryOp op) {
        return switch (op) {
            case POW_SCALAR, EXP, LOG, SIN, COS, SQRT, RECIPROCAL, SIGMOID, TANH, GELU -> MATH;
            default -> ROUNDING;
        };
    }

    private static Tolerance of(BinaryOp op) {
        return switch (op) {
            case DIV, POW, SIGMOID_BACKWARD, TANH_BACKWARD, GELU_BACKWARD -> MATH;
            default -> ROUNDING;
        };
    }

    /** Unary contiguous and transposed; binary contiguous, row broadcast (a bias) and a rank-4 strided view with offsets. */
    private static void elementwise(CrossCheck c) {
        int rows = 37;
        int cols = 257;
        int n = rows * cols;
        for (UnaryOp op : UnaryOp.values()) {
            boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.POW_SCALAR;
            float[] x = c.random(n, positive ? 0.01 : -6, 6);
            float p = op == UnaryOp.POW_SCALAR ? 1.7f : 0.3f;
            c.compare("unary", op.toString(), new float[][] {x}, n, of(op), (d, b) ->
                    d.unary(op, p, new int[] {rows, cols}, b[0], 0, new long[] {cols, 1}, b[1], 0));
            c.compare("unary", op + " transposed", new float[][] {x}, n, of(op), (d, b) ->
                    d.unary(op, p, new int[] {cols, rows}, b[0], 0, new long[] {1, cols}, b[1], 0));
        }
        for (BinaryOp op : BinaryOp.values()) {
            boolean pow = op == BinaryOp.POW;
            float[] a = c.random(n, pow ? 0.1 : -3, 3);
            float[] bb = c.random(n, pow ? -2 : -3, pow ? 2 : 3);
            if (op == BinaryOp.EQUAL || op == BinaryOp.MAX || op == BinaryOp.MIN) {
                System.arraycopy(a, 0, bb, 0, n / 3);   // ties
            }
            c.compare("binary", op.toString(), new float[][] {a, bb}, n, of(op), (d, b) -> d.binary(op, 0.1f,
                    new int[] {rows, cols}, b[0], 0, new long[] {cols, 1}, b[1], 0, new long[] {cols, 1}, b[2], 0));
            c.compare("binary", op + " row broadcast", new float[][] {a, bb}, n, of(op), (d, b) -> d.binary(op, 0.1f,
                    new int[] {rows, cols}, b[0], 0, new long[] {cols, 1}, b[1], 5, new long[] {0, 1}, b[2], 0));
            c.compare("binary", op + " rank-4 strided", new float[][] {a, bb}, 3 * 5 * 7 * 11, of(op), (d, b) ->
                    d.binary(op, 0.1f, new int[] {3, 5, 7, 11}, b[0], 3, new long[] {1, 3 * 11 * 7, 3, 3 * 7},
                            b[1], 0, new long[] {0, 11, 0, 1}, b[2], 0));
        }
    }

    /** Every reduction over rows, long rows (split across blocks) and columns, with ties; NaNs planted for max/min. */
    private static void reductions(CrossCheck c) {
        int[][] shapes = {{1, 1, 1}, {7, 33, 1}, {1, 100003, 1}, {3, 70001, 1}, {1, 3000017, 1}, {5, 257, 3},
            {3, 1, 9}, {2, 64, 1001}};
        for (ReduceOp op : ReduceOp.values()) {
            boolean sum = op == ReduceOp.SUM || op == ReduceOp.MEAN;
            for (int[] s : shapes) {
                int len = s[0] * s[1] * s[2];
                float[] x = c.random(len, -5, 5);
                for (int i = 0; i < len; i += 7) {
                    x[i] = x[(i * 31) % len];   // ties
                }
                Tolerance tol = sum ? sumTolerance(x, s[0] * s[2], op == ReduceOp.MEAN ? s[1] : 1) : EXACT;
                c.compare("reduce", op + " " + Arrays.toString(s), new float[][] {x}, s[0] * s[2], tol,
                        (d, b) -> d.reduce(op, s[0], s[1], s[2], b[0], 0, b[1], 0));
                if (!sum && len > 3) {
                    float[] nan = x.clone();
                    nan[len / 2] = Float.NaN;
                    c.compare("reduce", op + " with NaN " + Arrays.toString(s), new float[][] {nan}, s[0] * s[2], tol,
                            (d, b) -> d.reduce(op, s[0], s[1], s[2], b[0], 0, b[1], 0));
                }
            }
        }
    }

    /**
     * 64 ulps of unit scale where the device rounds as the CPU (both sum in double); else what the
     * conformance cases allow any device, 1e-5 of the sum of magnitudes (84 ulps of it; a float
     * tree sum over millions of terms is off by hundreds of ulps of the sum itself), taking the
     * sum of magnitudes of an average output ({@code divisor} n for a mean).
     */
    private static Tolerance sumTolerance(float[] x, int outputs, int divisor) {
        double magnitude = 0;
        for (float v : x) {
            magnitude += Math.abs(v);
        }
        return new Tolerance(64, 1, 84, (float) Math.max(1, magnitude / outputs / divisor));
    }

    /** Softmax and log-softmax (also in place) and their backward; cross-entropy forward and backward. */
    private static void softmax(CrossCheck c) {
        Tolerance forward = new Tolerance(8, 1, 32, 1);
        for (int[] s : new int[][] {{33, 1000}, {7, 3}, {1, 5001}, {129, 10}}) {
            int r = s[0];
            int cols = s[1];
            float[] x = c.random(r * cols, -8, 8);
            float[] g = c.random(r * cols, -1, 1);
            float[] t = new float[r];
            for (int i = 0; i < r; i++) {
                t[i] = c.nextInt(cols);
            }
            float[] gl = c.random(r, 0, 1);
            String sh = r + "x" + cols;
            for (boolean log : new boolean[] {false, true}) {
                String nm = log ? "log_softmax " : "softmax ";
                c.compare("softmax", nm + sh, new float[][] {x}, r * cols, forward,
                        (d, b) -> d.softmax(log, r, cols, b[0], 0, b[1], 0));
                c.compare("softmax", nm + "in place " + sh, new float[][] {x}, r * cols, forward, (d, b) -> {
                    d.softmax(log, r, cols, b[0], 0, b[0], 0);
                    d.copy(b[0], 0, b[1], 0, (long) r * cols);
                });
                float[] y = softmaxOnReference(c.reference(), log, r, cols, x);
                c.compare("softmax", nm + "backward " + sh, new float[][] {y, g}, r * cols, Tolerance.everywhere(64, 1),
                        (d, b) -> d.softmaxBackward(log, r, cols, b[0], 0, b[1], 0, b[2], 0));
            }
            c.compare("cross-entropy", "loss " + sh, new float[][] {x, t, new float[r * cols]}, r, forward,
                    (d, b) -> d.crossEntropy(r, cols, b[0], 0, b[1], 0, b[3], 0, b[2], 0));
            c.compare("cross-entropy", "probabilities " + sh, new float[][] {x, t, new float[r]}, r * cols, forward,
                    (d, b) -> d.crossEntropy(r, cols, b[0], 0, b[1], 0, b[2], 0, b[3], 0));
            Tolerance backward = EXACT;
            c.compare("cross-entropy", "backward " + sh, new float[][] {g, t, gl}, r * cols, backward,
                    (d, b) -> d.crossEntropyBackward(r, cols, b[0], 0, b[1], 0, b[2], 0, 1, b[3], 0));
            c.compare("cross-entropy", "backward of a mean " + sh, new float[][] {g, t, gl}, r * cols, backward,
                    (d, b) -> d.crossEntropyBackward(r, cols, b[0], 0, b[1], 0, b[2], 3 % r, 0, b[3], 0));
        }
    }

    private static float[] softmaxOnReference(Device ref, boolean log, int rows, int cols, float[] x) {
        try (Buffer xb = Check.put(ref, x); Buffer yb = ref.allocate(x.length)) {
            ref.softmax(log, rows, cols, xb, 0, yb, 0);
            return Check.get(ref, yb, x.length);
        }
    }

    /** Copies with offsets, fill, and the counter-based random numbers (two draws at an offset). */
    private static void memoryAndRandom(CrossCheck c) {
        int n = 100_003;
        float[] x = c.random(n, -1, 1);
        c.compare("memory", "copy with offsets", new float[][] {x}, n - 10, EXACT, (d, b) -> d.copy(b[0], 10, b[1], 0, n - 10));
        c.compare("memory", "fill", new float[][] {x}, n, EXACT, (d, b) -> {
            d.fill(b[1], 0, n, -0.0f);
            d.fill(b[1], 17, 1000, 3.25f);
        });
        for (Distribution dist : Distribution.values()) {
            float a = dist == Distribution.BERNOULLI ? 0.3f : -2f;
            c.compare("random", dist.toString(), new float[0][], n,
                    dist == Distribution.NORMAL ? new Tolerance(2, 1, 64, 1) : EXACT,
                    (d, b) -> {
                        d.random(b[0], 0, 77, dist, a, 3f, 1234567890123L);
                        d.random(b[0], 77, n - 77, dist, a, 3f, -42L);
                    });
        }
    }

    /** Three steps of SGD (momentum, dampening, weight decay, Nesterov, first step) and Adam/AdamW, in place at an offset. */
    private static void optimizers(CrossCheck c) {
        int n = 10_007;
        float[] p = c.random(n, -1, 1);
        float[] g = c.random(n, -1, 1);
        float[] v = c.random(n, -0.1, 0.1);
        float[] v2 = c.random(n, 0, 0.1);
        Tolerance update = new Tolerance(0, 0, 8, 1);   // contraction of p - lr·g cancels near 0: unit scale
        float[][] sgd = {{0, 0, 0, 0, 0}, {0.9f, 0, 1e-4f, 0, 1}, {0.9f, 0.1f, 1e-2f, 1, 0}, {0.5f, 0, 0, 0, 0}};
        for (float[] s : sgd) {
            boolean nesterov = s[3] != 0;
            boolean first = s[4] != 0;
            for (int which : new int[] {0, 2}) {
                c.compare("sgd", Arrays.toString(s) + (which == 0 ? " param" : " velocity"), new float[][] {p, g, v},
                        n - 3, update, (d, b) -> {
                            for (int step = 0; step < 3; step++) {
                                d.sgdStep(b[0], b[1], b[2], 3, n - 3, 0.05f, s[0], s[1], s[2], nesterov, first && step == 0);
                            }
                            d.copy(b[which], 3, b[3], 0, n - 3);
                        });
            }
        }
        for (boolean decoupled : new boolean[] {false, true}) {
            c.compare("adam", decoupled ? "adamw param" : "adam param", new float[][] {p, g, v, v2}, n, update, (d, b) -> {
                for (long step = 1; step <= 3; step++) {
                    d.adamStep(b[0], b[1], b[2], b[3], 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, decoupled, step);
                }
                d.copy(b[0], 0, b[4], 0, n);
            });
        }
    }

    /** Every transpose combination on odd shapes with padded leading dimensions and offsets, k = 0 and beta = 0 included. */
    private static void gemm(CrossCheck c) {
        // Devices sum in different orders (cuBLAS, tiled kernels): ulps of unit scale; the conformance cases are the strict test.
        Tolerance tol = Tolerance.everywhere(256, 1);
        for (int[] s : new int[][] {{1, 1, 1}, {33, 257, 7}, {257, 33, 129}, {130, 67, 1}, {64, 64, 0}}) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0;
                boolean tb = (t & 2) != 0;
                int m = s[0];
                int nn = s[1];
                int k = s[2];
                int lda = (ta ? m : k) + 3;
                int ldb = (tb ? k : nn) + 1;
                int ldc = nn + 2;
                float[] a = c.random(5 + (ta ? k : m) * lda, -1, 1);
                float[] b = c.random(2 + (tb ? nn : k) * ldb, -1, 1);
                float[] cc = c.random(m * ldc + 4, -1, 1);
                float beta = t == 3 ? 0f : 0.5f;
                c.compare("gemm", (ta ? "T" : "N") + (tb ? "T" : "N") + " " + m + "x" + nn + "x" + k, new float[][] {a, b},
                        m * ldc + 4, tol, (d, bf) -> {
                            d.upload(cc, 0, bf[2], 0, cc.length);
                            d.gemm(ta, tb, m, nn, k, 1.25f, bf[0], 5, lda, bf[1], 2, ldb, beta, bf[2], 4, ldc);
                        });
            }
        }
    }

    /**
     * gather and scatterAdd over [7][33][5] by 257 indices per fiber (many repeats), per element and per slice,
     * and select with a broadcast row and a transposed operand holding NaN: all picks or sums in a fixed order,
     * so exactly the CPU's floats (scatterAdd adds each element's sources in order of j on every backend).
     */
    private static void indexing(CrossCheck c) {
        int outer = 7;
        int n = 33;
        int inner = 5;
        int m = 257;
        float[] x = c.random(outer * n * inner, -3, 3);
        float[] src = c.random(outer * m * inner, -3, 3);
        float[] idx = c.random(outer * m * inner, 0, n);
        for (int k = 0; k < idx.length; k++) {
            idx[k] = (float) Math.floor(idx[k]);
        }
        long[] each = {(long) m * inner, inner, 1};
        long[] slices = {0, 1, 0};
        for (long[] s : new long[][] {each, slices}) {
            String view = s == each ? "" : " by slices";
            c.compare("indexing", "gather" + view, new float[][] {x, idx}, outer * m * inner, EXACT,
                    (d, b) -> d.gather(outer, n, inner, m, b[0], 0, b[1], 0, s, b[2], 0));
            c.compare("indexing", "scatterAdd" + view, new float[][] {x, idx, src}, x.length, EXACT, (d, b) -> {
                d.copy(b[0], 0, b[3], 0, x.length);
                d.scatterAdd(outer, n, inner, m, b[1], 0, s, b[2], 0, b[3], 0);
            });
        }
        int rows = 37;
        int cols = 257;
        float[] cond = c.random(rows * cols, -1, 1);
        for (int k = 0; k < cond.length; k += 3) {
            cond[k] = 0;
        }
        float[] a = c.random(cols, -3, 3);
        float[] bt = c.random(rows * cols, -3, 3);
        bt[5] = Float.NaN;
        c.compare("indexing", "select, a broadcast, b transposed", new float[][] {cond, a, bt}, rows * cols, EXACT,
                (d, b) -> d.select(new int[] {rows, cols}, b[0], 0, new long[] {cols, 1}, b[1], 0, new long[] {0, 1},
                        b[2], 0, new long[] {1, rows}, b[3], 0));
    }

    /**
     * im2col, col2im and maxPool with its backward over 3x3 windows, stride 2, padding 1, on [2, 3, 9, 8]: copies,
     * comparisons and sums in tap order on every backend, so exactly the CPU's floats. The pooled input sits on a
     * grid of 0.5, so ties are common and the first-of-equals rule is held too.
     */
    private static void windows(CrossCheck c) {
        Window v = new Window(2, 3, 9, 8, 3, 3, 2, 2, 1, 1, 1, 1, 5, 4);
        int image = (int) v.imageSize();
        int columns = (int) v.columns();
        int outs = (int) v.pooledSize();
        float[] x = c.random(image, -3, 3);
        float[] cols = c.random(columns, -3, 3);
        float[] grid = c.random(image, -3, 3);
        for (int k = 0; k < grid.length; k++) {
            grid[k] = Math.round(grid[k] * 2) / 2f;
        }
        float[] gy = c.random(outs, -2, 2);
        c.compare("windows", "im2col", new float[][] {x}, columns, EXACT, (d, b) -> d.im2col(v, 0f, b[0], 0, b[1], 0));
        c.compare("windows", "col2im", new float[][] {cols}, image, EXACT, (d, b) -> d.col2im(v, b[0], 0, b[1], 0));
        c.compare("windows", "maxPool, arg-max and backward", new float[][] {grid, gy}, 2 * outs + image, EXACT,
                (d, b) -> {
                    d.maxPool(v, b[0], 0, b[2], 0, b[2], outs);
                    d.maxPoolBackward(v, b[1], 0, b[2], outs, b[2], 2 * outs);
                });
    }
}
