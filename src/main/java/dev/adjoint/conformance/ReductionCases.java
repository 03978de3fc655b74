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
        {1, 1, 1}, {1, 257, 1}, {7, 33, 5}, {3, 1, 4}, {128, 256, 1}, {1, 128, 256}, {33, 7, 1}, {1, 300_001, 1},
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
            double[] expected = new double[outer * inner];
            double[] scale = new double[outer * inner];
            for (int o = 0; o < outer; o++) {
                for (int j = 0; j < inner; j++) {
                    double sum = 0;
                    double mag = 0;
                    int best = 0;
                    for (int p = 0; p < n; p++) {
                        float v = x[1 + (o * n + p) * inner + j];
                        float b = x[1 + (o * n + best) * inner + j];
                        sum += v;
                        mag += Math.abs(v);
                        boolean better = op == ReduceOp.MAX || op == ReduceOp.ARGMAX ? v > b : v < b;
                        if (better) {
                            best = p;
                        }
                    }
                    double bestValue = x[1 + (o * n + best) * inner + j];
                    expected[o * inner + j] = switch (op) {
                        case SUM -> sum;
                        case MEAN -> sum / n;
                        case MAX, MIN -> bestValue;
                        case ARGMAX, ARGMIN -> best;
                    };
                    scale[o * inner + j] = op == ReduceOp.SUM ? mag : op == ReduceOp.MEAN ? mag / n : 0;
                }
            }
            try (Buffer xb = put(d, x); Buffer out = d.allocate(outer * inner)) {
                d.reduce(op, outer, n, inner, xb, 1, out, 0);
                Check.close("reduce " + op + " over [" + outer + ", " + n + ", " + inner + "]",
                        get(d, out, outer * inner), expected, scale, 1e-5, 1e-6);
            }
        }
    }

    private static void softmax(Device d, Random rnd, boolean log) {
        for (int[] rc : new int[][] {{1, 1}, {7, 33}, {33, 257}, {128, 10}, {2, 1000}}) {
            int rows = rc[0];
            int cols = rc[1];
            float[] x = random(rnd, rows * cols, -20, 20);
            float[] gy = random(rnd, rows * cols, -1, 1);
            double[] y = new double[rows * cols];
            double[] gx = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < cols; c++) {
                    max = Math.max(max, x[r * cols + c]);
                }
                double sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum += Math.exp(x[r * cols + c] - max);
                }
                double dot = 0;
                double gsum = 0;
                for (int c = 0; c < cols; c++) {
                    double s = Math.exp(x[r * cols + c] - max) / sum;
                    y[r * cols + c] = log ? x[r * cols + c] - max - Math.log(sum) : s;
                    dot += gy[r * cols + c] * s;
                    gsum += gy[r * cols + c];
                }
                for (int c = 0; c < cols; c++) {
                    double s = Math.exp(x[r * cols + c] - max) / sum;
                    gx[r * cols + c] = log ? gy[r * cols + c] - s * gsum : s * (gy[r * cols + c] - dot);
                }
            }
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
            double[] loss = new double[rows];
            double[] probs = new double[rows * cols];
            double[] gx = new double[rows * cols];
            double[] gxMean = new double[rows * cols];
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < cols; c++) {
                    max = Math.max(max, x[2 + r * cols + c]);
                }
                double sum = 0;
                for (int c = 0; c < cols; c++) {
                    sum += Math.exp(x[2 + r * cols + c] - max);
                }
                loss[r] = max + Math.log(sum) - x[2 + r * cols + (int) t[r]];
                for (int c = 0; c < cols; c++) {
                    double pr = Math.exp(x[2 + r * cols + c] - max) / sum;
                    probs[r * cols + c] = pr;
                    double delta = pr - (c == (int) t[r] ? 1 : 0);
                    gx[r * cols + c] = delta * g[r];
                    gxMean[r * cols + c] = delta / rows;
                }
            }
            String name = "cross_entropy " + rows + "x" + cols;
            float[] mean = {1f / rows};
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
