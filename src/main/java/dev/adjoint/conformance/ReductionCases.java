package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.ReduceOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Reductions over [outer, n, inner], row softmax / log-softmax and the fused cross-entropy. */
final class ReductionCases {
    private static final int[][] BLOCKS = { // outer, n, inner
        {1, 1, 1}, {1, 257, 1}, {7, 33, 5}, {3, 1, 4}, {128, 256, 1}, {1, 128, 256}, {3, 9, 100}, {33, 7, 1},
        {1, 300_001, 1},
    };

    private ReductionCases() {}

    static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        for (ReduceOp op : ReduceOp.values()) {
            all.add(new Case("reduce " + op, (d, r) -> reduce(d, r, op)));
        }
        all.add(new Case("softmax", (d, r) -> softmax(d, r, false)));
        all.add(new Case("log_softmax", (d, r) -> softmax(d, r, true)));
        all.add(new Case("cross_entropy", ReductionCases::crossEntropy));
        return all;
    }

    private static void reduce(Device d, Random rnd, ReduceOp op) {
        for (int[] blk : BLOCKS) {
            int outer = blk[0];
            int n = blk[1];
            int inner = blk[2];
            float[] x = random(rnd, outer * n * inner + 1, -3, 3);
            double[][] expected = Reference.reduce(op, x, 1, outer, n, inner);
            try (Buffer xb = put(d, x); Buffer out = d.allocate(outer * inner)) {
                d.reduce(op, outer, n, inner, xb, 1, out, 0);
                Check.close("reduce " + op + " over [" + outer + ", " + n + ", " + inner + "]",
                        get(d, out, outer * inner), expected[0], expected[1], 1e-5, 1e-6);
            }
        }
    }

    private static void softmax(Device d, Random rnd, boolean log) {
        for (int[] rc : new int[][] {{1, 1}, {7, 33}, {33, 257}, {128, 10}, {2, 1000}}) {
            int rows = rc[0];
            int cols = rc[1];
            float[] x = random(rnd, rows * cols, -20, 20);
            float[] gy = random(rnd, rows * cols, -1, 1);
            double[] y = Reference.softmax(log, x, 0, rows, cols);
            double[] gx = Reference.softmaxBackward(log, y, gy, rows, cols);
            String name = (log ? "log_softmax" : "softmax") + " " + rows + "x" + cols;
            try (Buffer xb = put(d, x); Buffer yb = d.allocate(rows * cols); Buffer gyb = put(d, gy);
                 Buffer gxb = d.allocate(rows * cols)) {
                d.softmax(log, rows, cols, xb, 0, yb, 0);
                // log-softmax near 0 is x − max − log Σ, a difference of numbers up to |x| ≈ 20:
                // float32 rounding there is ~20·2^-24, so the absolute allowance scales with it.
                Check.close(name, get(d, yb, rows * cols), y, 1e-5, log ? 4e-6 : 1e-6);
                d.softmaxBackward(log, rows, cols, yb, 0, gyb, 0, gxb, 0);
                Check.close(name + " backward", get(d, gxb, rows * cols), gx, 1e-5, 2e-6);
            }
        }
    }

    private static void crossEntropy(Device d, Random rnd) {
        for (int[] rc : new int[][] {{1, 1}, {1, 7}, {7, 33}, {128, 10}, {3, 1000}}) {
            int rows = rc[0];
            int cols = rc[1];
            float[] x = random(rnd, rows * cols + 2, -30, 30);
            float[] t = new float[rows];
            float[] g = random(rnd, rows, 0.1, 2);
            for (int r = 0; r < rows; r++) {
                t[r] = rnd.nextInt(cols);
            }
            String name = "cross_entropy " + rows + "x" + cols;
            float[] mean = {1f / rows};
            double[] loss = Reference.crossEntropy(x, 2, t, rows, cols);
            double[] probs = Reference.softmax(false, x, 2, rows, cols);
            double[] gx = Reference.crossEntropyBackward(probs, t, g, 1, rows, cols);
            double[] gxMean = Reference.crossEntropyBackward(probs, t, mean, 0, rows, cols);
            try (Buffer xb = put(d, x); Buffer tb = put(d, t); Buffer lb = d.allocate(rows);
                 Buffer pb = d.allocate(rows * cols); Buffer gb = put(d, g); Buffer mb = put(d, mean);
                 Buffer gxb = d.allocate(rows * cols)) {
                d.crossEntropy(rows, cols, xb, 2, tb, 0, lb, 0, pb, 0);
                Check.close(name + " loss", get(d, lb, rows), loss, 1e-5, 1e-5);
                Check.close(name + " probabilities", get(d, pb, rows * cols), probs, 1e-5, 1e-6);
                d.crossEntropyBackward(rows, cols, pb, 0, tb, 0, gb, 0, 1, gxb, 0);
                Check.close(name + " backward (per-row gradient)", get(d, gxb, rows * cols), gx, 1e-5, 2e-6);
                d.crossEntropyBackward(rows, cols, pb, 0, tb, 0, mb, 0, 0, gxb, 0);
                Check.close(name + " backward (broadcast 1/rows)", get(d, gxb, rows * cols), gxMean, 1e-5, 2e-6);
                // In place: the probabilities overwrite the logits (allowed: same contiguous elements).
                d.crossEntropy(rows, cols, xb, 2, tb, 0, lb, 0, xb, 2);
                Check.close(name + " loss, in place", get(d, lb, rows), loss, 1e-5, 1e-5);
                float[] inPlace = get(d, xb, rows * cols + 2);
                Check.close(name + " probabilities, in place",
                        java.util.Arrays.copyOfRange(inPlace, 2, inPlace.length), probs, 1e-5, 1e-6);
            }
        }
    }
}
