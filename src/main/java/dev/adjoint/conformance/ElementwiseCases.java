package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.numel;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;
import static dev.adjoint.conformance.Check.strides;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Unary and binary primitives on contiguous, transposed and broadcast views. */
final class ElementwiseCases {
    private ElementwiseCases() {}

    static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            all.add(new Case("unary " + op, (d, r) -> unary(d, r, op)));
        }
        for (BinaryOp op : BinaryOp.values()) {
            all.add(new Case("binary " + op, (d, r) -> binary(d, r, op)));
        }
        all.add(new Case("piecewise ops on NaN, infinities and signed zeros", ElementwiseCases::specialValues));
        return all;
    }

    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
        1.5f, -1.5f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};

    /**
     * The piecewise ops and their gradients on values a uniform draw never gives: NaN must come out
     * NaN where the reference says so (relu(NaN) is NaN in PyTorch; a kernel written
     * {@code x > 0 ? x : 0} gives 0), infinities and the smallest subnormals keep their side of the
     * kink. 41 elements, so vectorized loops meet them both in full vectors and in the tail. Errors
     * up to float rounding (and flushed subnormals) pass; a NaN where a number is expected, or the
     * reverse, never does.
     */
    /** Below the smallest normal float: a device may flush subnormals to zero. */
    private static final double TINY = Float.MIN_NORMAL;

    private static void specialValues(Device d, Random rnd) {
        int n = 41;
        float[] x = new float[n];
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = SPECIAL[(i * 7) % SPECIAL.length];
            g[i] = i % 5 == 0 ? Float.NaN : (float) (rnd.nextDouble() * 4 - 2);
        }
        int[] shape = {n};
        for (UnaryOp op : new UnaryOp[] {UnaryOp.RELU, UnaryOp.LEAKY_RELU, UnaryOp.ABS, UnaryOp.NEG, UnaryOp.SIGN}) {
            float p = op == UnaryOp.LEAKY_RELU ? 0.01f : 0f;
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = Reference.unary(op, x[i], p);
            }
            try (Buffer xb = put(d, x); Buffer out = d.allocate(n)) {
                d.unary(op, p, shape, xb, 0, strides(shape), out, 0);
                Check.close("unary " + op + " on " + Arrays.toString(x), get(d, out, n), expected, 1e-6, TINY);
            }
        }
        for (BinaryOp op : new BinaryOp[] {BinaryOp.RELU_BACKWARD, BinaryOp.LEAKY_RELU_BACKWARD}) {
            float p = op == BinaryOp.LEAKY_RELU_BACKWARD ? 0.01f : 0f;
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = Reference.binary(op, x[i], g[i], p);
            }
            try (Buffer xb = put(d, x); Buffer gb = put(d, g); Buffer out = d.allocate(n)) {
                d.binary(op, p, shape, xb, 0, strides(shape), gb, 0, strides(shape), out, 0);
                Check.close("binary " + op + " at " + Arrays.toString(x) + " with gradients " + Arrays.toString(g),
                        get(d, out, n), expected, 1e-6, TINY);
            }
        }
    }

    /** Inputs where the op is defined and well conditioned. */
    private static double[] domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, POW_SCALAR -> new double[] {0.1, 5};
            case RECIPROCAL -> new double[] {0.2, 5};
            case EXP -> new double[] {-5, 5};
            default -> new double[] {-5, 5};
        };
    }

    private static void unary(Device d, Random rnd, UnaryOp op) {
        float p = switch (op) {
            case POW_SCALAR -> 1.7f;
            case LEAKY_RELU -> 0.01f;
            default -> (float) (rnd.nextDouble() * 4 - 2);
        };
        double[] dom = domain(op);
        for (int[] shape : new int[][] {{1}, {257}, {7, 33}, {2, 3, 5, 7}, {300, 301}}) {
            int n = numel(shape);
            float[] x = random(rnd, n + 3, dom[0], dom[1]);
            if (op == UnaryOp.SIGN || op == UnaryOp.RELU || op == UnaryOp.ABS) {
                x[3] = 0f; // the kink itself
            }
            double[] expected = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = Reference.unary(op, x[3 + i], p);
            }
            try (Buffer xb = put(d, x); Buffer out = d.allocate(n)) {
                d.unary(op, p, shape, xb, 3, strides(shape), out, 0);
                Check.close("unary " + op + " p=" + p + " shape " + Arrays.toString(shape) + " at offset 3",
                        get(d, out, n), expected, 2e-6, 2e-6);
            }
        }
        // A transposed (strided) input: out[i][j] = op(x[j][i]).
        int rows = 33;
        int cols = 17;
        float[] x = random(rnd, rows * cols, dom[0], dom[1]);
        double[] expected = new double[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                expected[i * cols + j] = Reference.unary(op, x[j * rows + i], p);
            }
        }
        try (Buffer xb = put(d, x); Buffer out = d.allocate(rows * cols)) {
            d.unary(op, p, new int[] {rows, cols}, xb, 0, new long[] {1, rows}, out, 0);
            Check.close("unary " + op + " on a transposed 33x17 view", get(d, out, rows * cols), expected, 2e-6, 2e-6);
        }
    }

    private static double[] domain(BinaryOp op) {
        return switch (op) {
            case POW -> new double[] {0.2, 3};
            case DIV -> new double[] {0.5, 4};
            case SIGMOID_BACKWARD -> new double[] {0, 1};
            case TANH_BACKWARD -> new double[] {-1, 1};
            default -> new double[] {-4, 4};
        };
    }

    /**
     * Shape pairs as numpy broadcasts them: {out shape, a's strides, b's strides}. Each layout is
     * written out explicitly, including stride-0 axes and a transposed operand.
     */
    private static void binary(Device d, Random rnd, BinaryOp op) {
        float p = op == BinaryOp.LEAKY_RELU_BACKWARD ? 0.2f : 0f;
        double[] dom = domain(op);
        Object[][] layouts = {
            // shape, a strides, a length, b strides, b length
            {new int[] {257}, new long[] {1}, 257, new long[] {1}, 257},
            {new int[] {1}, new long[] {1}, 1, new long[] {1}, 1},
            {new int[] {7, 33}, new long[] {33, 1}, 231, new long[] {0, 1}, 33},          // row broadcast (bias)
            {new int[] {7, 33}, new long[] {1, 0}, 7, new long[] {33, 1}, 231},           // column broadcast
            {new int[] {6, 40}, new long[] {40, 1}, 240, new long[] {1, 0}, 6},           // b per row (a channel's scale)
            {new int[] {5, 4, 3}, new long[] {3, 0, 1}, 15, new long[] {0, 3, 1}, 12},    // [5,1,3] with [1,4,3]
            {new int[] {33, 17}, new long[] {1, 33}, 561, new long[] {17, 1}, 561},       // transposed a
            {new int[] {2, 3, 4, 5}, new long[] {0, 0, 0, 0}, 1, new long[] {60, 20, 5, 1}, 120}, // scalar a
            {new int[] {300, 301}, new long[] {301, 1}, 90_300, new long[] {0, 1}, 301},
        };
        for (Object[] l : layouts) {
            int[] shape = (int[]) l[0];
            long[] as = (long[]) l[1];
            long[] bs = (long[]) l[3];
            float[] a = random(rnd, (int) l[2] + 2, dom[0], dom[1]);
            float[] b = random(rnd, (int) l[4] + 1, op == BinaryOp.POW ? -2 : dom[0], op == BinaryOp.POW ? 2 : dom[1]);
            if (op == BinaryOp.EQUAL || op == BinaryOp.MAX || op == BinaryOp.MIN || op == BinaryOp.GREATER) {
                for (int i = 0; i < Math.min(a.length - 2, b.length - 1); i += 3) {
                    b[1 + i] = a[2 + i]; // ties
                }
            }
            int n = numel(shape);
            double[] expected = new double[n];
            int[] idx = new int[shape.length];
            for (int i = 0; i < n; i++) {
                long ai = 2;
                long bi = 1;
                for (int dim = 0; dim < shape.length; dim++) {
                    ai += idx[dim] * as[dim];
                    bi += idx[dim] * bs[dim];
                }
                expected[i] = Reference.binary(op, a[(int) ai], b[(int) bi], p);
                for (int dim = shape.length - 1; dim >= 0 && ++idx[dim] == shape[dim]; dim--) {
                    idx[dim] = 0;
                }
            }
            try (Buffer ab = put(d, a); Buffer bb = put(d, b); Buffer out = d.allocate(n)) {
                d.binary(op, p, shape, ab, 2, as, bb, 1, bs, out, 0);
                Check.close("binary " + op + " shape " + Arrays.toString(shape) + " a strides " + Arrays.toString(as)
                        + " b strides " + Arrays.toString(bs), get(d, out, n), expected, 2e-6, 2e-6);
            }
        }
        // In place: out is a.
        float[] a = random(rnd, 1000, dom[0], dom[1]);
        float[] b = random(rnd, 1000, 0.5, 2);
        double[] expected = new double[1000];
        for (int i = 0; i < 1000; i++) {
            expected[i] = Reference.binary(op, a[i], b[i], p);
        }
        try (Buffer ab = put(d, a); Buffer bb = put(d, b)) {
            d.binary(op, p, new int[] {1000}, ab, 0, new long[] {1}, bb, 0, new long[] {1}, ab, 0);
            Check.close("binary " + op + " in place", get(d, ab, 1000), expected, 2e-6, 2e-6);
        }
    }
}
