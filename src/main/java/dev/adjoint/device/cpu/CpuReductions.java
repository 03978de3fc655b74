package dev.adjoint.device.cpu;

import dev.adjoint.device.ReduceOp;

/**
 * Reductions, row softmax and the fused softmax cross-entropy. Sums accumulate in double, and
 * work is never split along the reduced axis by thread count, so results do not depend on it.
 */
final class CpuReductions {
    private static final int CHUNK = 1 << 16;

    private CpuReductions() {}

    static void reduce(Parallel pool, ReduceOp op, int outer, int n, int inner,
                       float[] x, int xOff, float[] out, int outOff) {
        if (outer == 1 && inner == 1 && n > 2 * CHUNK && (op == ReduceOp.SUM || op == ReduceOp.MEAN)) {
            out[outOff] = (float) (chunkedSum(pool, x, xOff, n) / (op == ReduceOp.MEAN ? n : 1));
            return;
        }
        CpuElementwise.split(pool, outer, n * inner, (o0, o1) -> {
            for (int o = o0; o < o1; o++) {
                int base = xOff + o * n * inner;
                for (int j = 0; j < inner; j++) {
                    out[outOff + o * inner + j] = reduceLine(op, x, base + j, n, inner);
                }
            }
        });
    }

    private static float reduceLine(ReduceOp op, float[] x, int start, int n, int stride) {
        switch (op) {
            case SUM, MEAN -> {
                double s = 0;
                for (int p = 0, i = start; p < n; p++, i += stride) {
                    s += x[i];
                }
                return (float) (op == ReduceOp.MEAN ? s / n : s);
            }
            default -> {
                boolean wantMax = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
                float best = x[start];
                int at = 0;
                for (int p = 1, i = start + stride; p < n && !Float.isNaN(best); p++, i += stride) {
                    float v = x[i];
                    if (Float.isNaN(v) || (wantMax ? v > best : v < best)) {
                        best = v;
                        at = p;
                    }
                }
                return op == ReduceOp.MAX || op == ReduceOp.MIN ? best : at;
            }
        }
    }

    /** Fixed-size chunks summed in parallel, then combined in order: the same bits for any pool. */
    private static double chunkedSum(Parallel pool, float[] x, int off, int n) {
        int chunks = (n + CHUNK - 1) / CHUNK;
        double[] partial = new double[chunks];
        pool.run(chunks, c -> {
            double s = 0;
            int end = Math.min(n, (c + 1) * CHUNK);
            for (int i = off + c * CHUNK; i < off + end; i++) {
                s += x[i];
            }
            partial[c] = s;
        });
        double s = 0;
        for (double v : partial) {
            s += v;
        }
        return s;
    }

    static void softmax(Parallel pool, boolean log, int rows, int cols,
                        float[] x, int xOff, float[] out, int outOff) {
        CpuElementwise.split(pool, rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xi = xOff + r * cols;
                int oi = outOff + r * cols;
                float max = rowMax(x, xi, cols);
                double sum = 0;
                for (int j = 0; j < cols; j++) {
                    sum += Math.exp(x[xi + j] - max);
                }
                if (log) {
                    float lse = max + (float) Math.log(sum);
                    for (int j = 0; j < cols; j++) {
                        out[oi + j] = x[xi + j] - lse;
                    }
                } else {
                    float inv = (float) (1 / sum);
                    for (int j = 0; j < cols; j++) {
                        out[oi + j] = (float) Math.exp(x[xi + j] - max) * inv;
                    }
                }
            }
        });
    }

    static void softmaxBackward(Parallel pool, boolean log, int rows, int cols,
                                float[] y, int yOff, float[] gy, int gyOff, float[] gx, int gxOff) {
        CpuElementwise.split(pool, rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int yi = yOff + r * cols;
                int gi = gyOff + r * cols;
                int oi = gxOff + r * cols;
                double dot = 0;
                for (int j = 0; j < cols; j++) {
                    dot += log ? gy[gi + j] : (double) gy[gi + j] * y[yi + j];
                }
                float s = (float) dot;
                for (int j = 0; j < cols; j++) {
                    gx[oi + j] = log ? gy[gi + j] - (float) Math.exp(y[yi + j]) * s : y[yi + j] * (gy[gi + j] - s);
                }
            }
        });
    }

    static void crossEntropy(Parallel pool, int rows, int cols, float[] x, int xOff, float[] t, int tOff,
                             float[] loss, int lossOff, float[] probs, int probsOff) {
        CpuElementwise.split(pool, rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int xi = xOff + r * cols;
                int target = target(t[tOff + r], r, cols);
                float max = rowMax(x, xi, cols);
                double sum = 0;
                for (int j = 0; j < cols; j++) {
                    sum += Math.exp(x[xi + j] - max);
                }
                float inv = (float) (1 / sum);
                // The loss reads the target logit before probs (which may be the logits' memory) are written.
                loss[lossOff + r] = (float) (max + Math.log(sum) - x[xi + target]);
                int pi = probsOff + r * cols;
                for (int j = 0; j < cols; j++) {
                    probs[pi + j] = (float) Math.exp(x[xi + j] - max) * inv;
                }
            }
        });
    }

    static void crossEntropyBackward(Parallel pool, int rows, int cols, float[] probs, int probsOff,
                                     float[] t, int tOff, float[] g, int gOff, int gStride,
                                     float[] gx, int gxOff) {
        CpuElementwise.split(pool, rows, cols, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int target = target(t[tOff + r], r, cols);
                float gr = g[gOff + r * gStride];
                int pi = probsOff + r * cols;
                int oi = gxOff + r * cols;
                for (int j = 0; j < cols; j++) {
                    gx[oi + j] = (probs[pi + j] - (j == target ? 1f : 0f)) * gr;
                }
            }
        });
    }

    private static int target(float t, int row, int cols) {
        int c = (int) t;
        if (c != t || c < 0 || c >= cols) {
            throw new IllegalArgumentException("cross_entropy: target of row " + row + " is " + t
                    + ", but class indices must be integers in [0, " + cols + ")");
        }
        return c;
    }

    private static float rowMax(float[] x, int start, int n) {
        float m = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            m = Math.max(m, x[start + j]);
        }
        return m;
    }
}
