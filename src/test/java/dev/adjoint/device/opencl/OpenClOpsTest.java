package dev.adjoint.device.opencl;

import dev.adjoint.conformance.Reference;
import static dev.adjoint.device.opencl.OpenClTestDevice.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Elementwise ops, reductions, softmax, cross-entropy and optimizers against float64 references. */
class OpenClOpsTest {
    private final long seed = System.nanoTime();
    private final Random rnd = new Random(seed);

    /** Every test needs the device; without OpenCL each is reported as skipped with the reason. */
    @BeforeEach
    void openClAvailable() {
        get();
    }

    /** Element i (row-major over shape) of a strided view. */
    static long at(long i, int[] shape, long[] strides) {
        long off = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return off;
    }

    static int count(int[] shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return n;
    }

    static long[] contiguous(int[] shape) {
        long[] s = new long[shape.length];
        long st = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = st;
            st *= shape[d];
        }
        return s;
    }

    // ------------------------------------------------------------------ elementwise

    /** Layouts: contiguous, transposed, broadcast, rank 5 that nothing merges, and a single element. */
    private static final int[][] SHAPES = {{257}, {7, 33}, {33, 7}, {2, 3, 2, 3, 2}, {1}, {3, 1, 5}};

    private static long[] layout(int[] shape, int kind) {
        return switch (kind) {
            case 0 -> contiguous(shape);
            case 1 -> {   // reversed axes: a transposed view of a contiguous array
                long[] s = new long[shape.length];
                long st = 1;
                for (int d = 0; d < shape.length; d++) {
                    s[d] = st;
                    st *= shape[d];
                }
                yield s;
            }
            default -> {  // broadcast along axis 0
                long[] s = contiguous(shape);
                s[0] = 0;
                yield s;
            }
        };
    }

    private float[] inputFor(UnaryOp op, int n) {
        boolean positive = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.POW_SCALAR;
        float[] x = positive ? random(rnd, n, 0.1f, 3f) : random(rnd, n, -3f, 3f);
        if (op == UnaryOp.SIGN && n > 2) {
            x[1] = 0f;
        }
        return x;
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryOverEveryLayout(UnaryOp op) {
        float p = op == UnaryOp.POW_SCALAR ? 1.7f : -0.3f;
        for (int[] shape : SHAPES) {
            for (int kind = 0; kind < 3; kind++) {
                long[] xs = layout(shape, kind);
                int n = count(shape), xOff = 3;
                float[] x = inputFor(op, xOff + n);
                double[] want = new double[n];
                for (int i = 0; i < n; i++) {
                    want[i] = Reference.unary(op, x[(int) (xOff + at(i, shape, xs))], p);
                }
                try (Buffer xb = upload(x); Buffer out = get().allocate(n + 2)) {
                    get().unary(op, p, shape, xb, xOff, xs, out, 2);
                    assertClose(op + " " + java.util.Arrays.toString(shape) + " strides " + java.util.Arrays.toString(xs)
                            + " seed " + seed, want, download(out), 2, 1e-5, 2e-6);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryWithStridesAndBroadcast(BinaryOp op) {
        float p = 0.2f;
        for (int[] shape : SHAPES) {
            for (int ka = 0; ka < 3; ka++) {
                int kb = (ka + 2) % 3;
                long[] as = layout(shape, ka), bs = layout(shape, kb);
                int n = count(shape);
                float[] a = op == BinaryOp.POW ? random(rnd, n + 1, 0.1f, 3f) : random(rnd, n + 1, -2f, 2f);
                float[] b = random(rnd, n + 4, -2f, 2f);
                if (op == BinaryOp.DIV) {
                    for (int i = 0; i < b.length; i++) {
                        b[i] = Math.copySign(0.5f + Math.abs(b[i]), b[i]);
                    }
                }
                if (op == BinaryOp.EQUAL || op == BinaryOp.MAX) {
                    System.arraycopy(a, 1, b, 4, Math.min(3, n));   // some equal pairs
                }
                double[] want = new double[n];
                for (int i = 0; i < n; i++) {
                    want[i] = Reference.binary(op, a[(int) (1 + at(i, shape, as))], b[(int) (4 + at(i, shape, bs))], p);
                }
                try (Buffer ab = upload(a); Buffer bb = upload(b); Buffer out = get().allocate(n)) {
                    get().binary(op, p, shape, ab, 1, as, bb, 4, bs, out, 0);
                    assertClose(op + " " + java.util.Arrays.toString(shape) + " strides " + java.util.Arrays.toString(as)
                            + " / " + java.util.Arrays.toString(bs) + " seed " + seed, want, download(out), 0, 1e-5, 2e-6);
                }
            }
        }
    }

    @Test
    void maxMinPropagateNaNAsJava() {
        float[] a = {Float.NaN, 1f, -0f, 2f};
        float[] b = {1f, Float.NaN, 0f, 2f};
        int[] shape = {4};
        long[] st = {1};
        try (Buffer ab = upload(a); Buffer bb = upload(b); Buffer out = get().allocate(4)) {
            for (BinaryOp op : new BinaryOp[] {BinaryOp.MAX, BinaryOp.MIN}) {
                get().binary(op, 0f, shape, ab, 0, st, bb, 0, st, out, 0);
                float[] got = download(out);
                for (int i = 0; i < 4; i++) {
                    float want = op == BinaryOp.MAX ? Math.max(a[i], b[i]) : Math.min(a[i], b[i]);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), op + " element " + i);
                }
            }
        }
    }

    // ------------------------------------------------------------------ reductions

    @ParameterizedTest
    @EnumSource(ReduceOp.class)
    void reduceAlongEachAxis(ReduceOp op) {
        int[][] shapes = {{1, 1, 1}, {7, 33, 1}, {1, 7, 33}, {3, 257, 5}, {1, 100_003, 1}, {2, 5000, 1}, {33, 1, 7}};
        boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
        for (int[] s : shapes) {
            int outer = s[0], n = s[1], inner = s[2];
            float[] x = new float[2 + outer * n * inner];
            for (int i = 0; i < x.length; i++) {
                x[i] = arg ? rnd.nextInt(7) - 3 : rnd.nextFloat() * 2 - 0.5f;   // ties for arg*
            }
            double[][] want = Reference.reduce(op, x, 2, outer, n, inner);
            try (Buffer xb = upload(x); Buffer out = get().allocate(outer * inner + 1)) {
                get().reduce(op, outer, n, inner, xb, 2, out, 1);
                float[] got = download(out);
                for (int i = 0; i < want[0].length; i++) {
                    assertEquals(want[0][i], got[1 + i], 1e-5 * want[1][i],
                            op + " " + java.util.Arrays.toString(s) + " output " + i + " seed " + seed);
                }
            }
        }
    }

    @Test
    void maxAndArgmaxTakeTheFirstNaN() {
        float[] x = {1f, 5f, Float.NaN, 7f, Float.NaN, 2f};
        try (Buffer xb = upload(x); Buffer out = get().allocate(1)) {
            for (ReduceOp op : ReduceOp.values()) {
                if (op == ReduceOp.SUM || op == ReduceOp.MEAN) {
                    continue;
                }
                get().reduce(op, 1, 6, 1, xb, 0, out, 0);
                float got = download(out)[0];
                boolean arg = op == ReduceOp.ARGMAX || op == ReduceOp.ARGMIN;
                assertTrue(arg ? got == 2f : Float.isNaN(got), op + " gave " + got);
            }
        }
    }

    // ------------------------------------------------------------------ softmax and cross-entropy

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void softmaxForwardAndBackward(boolean log) {
        int[][] shapes = {{1, 1}, {7, 33}, {33, 257}, {2, 1000}};
        for (int[] s : shapes) {
            int rows = s[0], cols = s[1], n = rows * cols;
            float[] x = random(rnd, n, -5, 5);
            float[] gy = random(rnd, n, -1, 1);
            double[] y = Reference.softmax(log, x, 0, rows, cols);
            float[] yf = new float[n];
            for (int i = 0; i < n; i++) {
                yf[i] = (float) y[i];
            }
            // The backward starts from y as the device holds it, rounded to float32.
            double[] gx = Reference.softmaxBackward(log, Reference.widen(yf), gy, rows, cols);
            String what = (log ? "log_softmax " : "softmax ") + rows + "x" + cols + " seed " + seed;
            try (Buffer xb = upload(x); Buffer yb = upload(yf); Buffer gb = upload(gy); Buffer out = get().allocate(n + 3)) {
                get().softmax(log, rows, cols, xb, 0, out, 3);
                assertClose(what, y, download(out), 3, 1e-5, 1e-6);
                get().softmaxBackward(log, rows, cols, yb, 0, gb, 0, out, 1);
                assertClose(what + " backward", gx, download(out), 1, 1e-4, 1e-5);
            }
        }
    }

    @Test
    void crossEntropyForwardAndBackward() {
        int[][] shapes = {{1, 1}, {7, 33}, {33, 257}, {5, 3}};
        for (int[] s : shapes) {
            int rows = s[0], cols = s[1], n = rows * cols;
            float[] x = random(rnd, n, -4, 4);
            float[] t = new float[rows + 1];
            for (int r = 0; r < rows; r++) {
                t[1 + r] = rnd.nextInt(cols);
            }
            float[] g = random(rnd, rows, -1, 1);
            float[] rowTargets = java.util.Arrays.copyOfRange(t, 1, 1 + rows);
            double[] loss = Reference.crossEntropy(x, 0, rowTargets, rows, cols);
            double[] probs = Reference.softmax(false, x, 0, rows, cols);
            double[] gx1 = Reference.crossEntropyBackward(probs, rowTargets, g, 1, rows, cols);
            double[] gxMean = Reference.crossEntropyBackward(probs, rowTargets, new float[] {1f / rows}, 0, rows, cols);
            String what = "cross_entropy " + rows + "x" + cols + " seed " + seed;
            try (Buffer xb = upload(x); Buffer tb = upload(t); Buffer gb = upload(g);
                 Buffer mean = upload(new float[] {0f, 0f, 1f / rows});
                 Buffer lb = get().allocate(rows + 2); Buffer pb = get().allocate(n + 1); Buffer gx = get().allocate(n)) {
                get().crossEntropy(rows, cols, xb, 0, tb, 1, lb, 2, pb, 1);
                assertClose(what + " loss", loss, download(lb), 2, 1e-5, 1e-5);
                float[] p = download(pb);
                assertClose(what + " probabilities", probs, p, 1, 1e-5, 1e-7);
                get().crossEntropyBackward(rows, cols, pb, 1, tb, 1, gb, 0, 1, gx, 0);
                assertClose(what + " backward", gx1, download(gx), 0, 1e-5, 1e-6);
                get().crossEntropyBackward(rows, cols, pb, 1, tb, 1, mean, 2, 0, gx, 0);
                assertClose(what + " backward (mean)", gxMean, download(gx), 0, 1e-5, 1e-6);
            }
        }
    }

    // ------------------------------------------------------------------ optimizers

    @ParameterizedTest(name = "momentum={0} dampening={1} wd={2} nesterov={3}")
    @org.junit.jupiter.params.provider.CsvSource({"0,0,0,false", "0,0,0.01,false", "0.9,0.1,0.01,false", "0.9,0,0.001,true"})
    void sgdMatchesFloat64(float momentum, float dampening, float wd, boolean nesterov) {
        int len = 1000, off = 7, n = off + len + 3;
        float lr = 0.05f;
        float[] p = random(rnd, n, -1, 1);
        double[] pr = Reference.widen(p), vr = new double[n];
        try (Buffer pb = upload(p); Buffer gb = get().allocate(n); Buffer vb = get().allocate(n)) {
            for (int step = 1; step <= 3; step++) {
                float[] g = random(rnd, n, -1, 1);
                get().upload(g, 0, gb, 0, n);
                get().sgdStep(pb, gb, momentum == 0f ? null : vb, off, len, lr, momentum, dampening, wd, nesterov, step == 1);
                Reference.sgdStep(pr, g, vr, off, len, lr, momentum, dampening, wd, nesterov, step == 1);
            }
            assertClose("sgd seed " + seed, pr, download(pb), 0, 1e-5, 1e-6);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void adamMatchesFloat64(boolean decoupled) {
        int len = 1000, off = 5, n = off + len + 2;
        float lr = 0.01f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.05f;
        float[] p = random(rnd, n, -1, 1);
        double[] pr = Reference.widen(p), mr = new double[n], vr = new double[n];
        try (Buffer pb = upload(p); Buffer gb = get().allocate(n); Buffer mb = upload(new float[n]);
             Buffer vb = upload(new float[n])) {
            for (int step = 1; step <= 3; step++) {
                float[] g = random(rnd, n, -1, 1);
                get().upload(g, 0, gb, 0, n);
                get().adamStep(pb, gb, mb, vb, off, len, lr, b1, b2, eps, wd, decoupled, step);
                Reference.adamStep(pr, g, mr, vr, off, len, lr, b1, b2, eps, wd, decoupled, step);
            }
            assertClose((decoupled ? "adamw" : "adam") + " seed " + seed, pr, download(pb), 0, 1e-4, 1e-5);
            float[] untouched = download(pb);
            assertEquals(p[0], untouched[0]);
            assertEquals(p[n - 1], untouched[n - 1]);
        }
    }
}
