package dev.adjoint.device.cpu;

import dev.adjoint.device.ReduceOp;

/**
 * Reductions, row softmax and the fused softmax cross-entropy. Sums accumulate in double, and
 * work is never split along the reduced axis by thread count, so results do not depend on it.
 * One instance per calling thread (see {@link RowTask}).
 */
final class CpuReductions {
    private static final int CHUNK = 1 << 16;

    final Reduce reduce;
    final Softmax softmax = new Softmax();
    final SoftmaxBackward softmaxBackward = new SoftmaxBackward();
    final CrossEntropy crossEntropy = new CrossEntropy();
    final CrossEntropyBackward crossEntropyBackward = new CrossEntropyBackward();

    CpuReductions(int threads) {
        reduce = new Reduce(threads);
    }

    static final class Reduce extends RowTask {
        /**
         * Columns per task of a sum over a strided axis, at least: the sums of a block of columns accumulate
         * row by row, reading contiguous memory (the JIT vectorizes it), instead of column by column
         * down a stride. Each column still adds its values in index order, in double: the same bits.
         */
        private static final int COLUMNS = 64;
        /**
         * The widest block: with an inner axis of thousands, blocks of 64 columns read each row a 256-byte piece at a
         * time, strided by the row, and the sum of [128, 12544] over its first axis took 0.49 ms in the CNN step; in
         * blocks of up to this many columns it reads whole kilobytes a row (0.09-0.17 ms against 0.17-0.27 alone; by
         * hand, 2 threads, Zen 4).
         */
        private static final int MAX_COLUMNS = 1024;
        private int width;
        private final ChunkedSum chunked = new ChunkedSum();
        private final double[][] sums;
        private final float[][] best;
        private final int[][] at;
        private ReduceOp op;
        private int n;
        private int inner;
        private int blocks;
        private float[] x;
        private int xOff;
        private float[] out;
        private int outOff;

        Reduce(int threads) {
            sums = new double[threads][MAX_COLUMNS];
            best = new float[threads][MAX_COLUMNS];
            at = new int[threads][MAX_COLUMNS];
        }

        void run(Parallel pool, ReduceOp op, int outer, int n, int inner, float[] x, int xOff, float[] out, int outOff) {
            boolean sum = op == ReduceOp.SUM || op == ReduceOp.MEAN;
            if (outer == 1 && inner == 1 && n > 2 * CHUNK && sum) {
                out[outOff] = (float) (chunked.sum(pool, x, xOff, n) / (op == ReduceOp.MEAN ? n : 1));
                return;
            }
            this.op = op;
            this.n = n;
            this.inner = inner;
            // blocks of COLUMNS, widened up to MAX_COLUMNS while there are still four blocks a thread
            this.width = Math.clamp((long) inner / (4 * pool.threads()) / COLUMNS * COLUMNS, COLUMNS, MAX_COLUMNS);
            this.blocks = inner > 1 ? (inner + width - 1) / width : 0;
            this.x = x;
            this.xOff = xOff;
            this.out = out;
            this.outOff = outOff;
            if (blocks > 0) {
                split(pool, outer * blocks, n * Math.min(inner, width));
            } else {
                split(pool, outer, n * inner);
            }
        }

        @Override
        void rows(int r0, int r1, int worker) {
            if (blocks > 0) {
                boolean sum = op == ReduceOp.SUM || op == ReduceOp.MEAN;
                for (int r = r0; r < r1; r++) {
                    if (sum) {
                        columnSums(r / blocks, r % blocks * width, sums[worker]);
                    } else {
                        columnExtremes(r / blocks, r % blocks * width, best[worker], at[worker]);
                    }
                }
                return;
            }
            for (int o = r0; o < r1; o++) {
                int base = xOff + o * n * inner;
                for (int j = 0; j < inner; j++) {
                    out[outOff + o * inner + j] = reduceLine(op, x, base + j, n, inner);
                }
            }
        }

        /** Sums (or means) over the n rows of columns [j0, j0 + width) of outer slice o. */
        private void columnSums(int o, int j0, double[] acc) {
            int w = Math.min(width, inner - j0);
            java.util.Arrays.fill(acc, 0, w, 0.0);
            int base = xOff + o * n * inner + j0;
            for (int p = 0; p < n; p++) {
                int row = base + p * inner;
                for (int j = 0; j < w; j++) {
                    acc[j] += x[row + j];
                }
            }
            int dst = outOff + o * inner + j0;
            for (int j = 0; j < w; j++) {
                out[dst + j] = (float) (op == ReduceOp.MEAN ? acc[j] / n : acc[j]);
            }
        }

        /**
         * Max, min or argmax over the n rows of columns [j0, j0 + width) of outer slice o, row by row: each
         * column keeps the rule of {@link #reduceLine} (a NaN wins and stays, the first extreme's index).
         */
        private void columnExtremes(int o, int j0, float[] top, int[] index) {
            int w = Math.min(width, inner - j0);
            int base = xOff + o * n * inner + j0;
            boolean wantMax = op == ReduceOp.MAX || op == ReduceOp.ARGMAX;
            System.arraycopy(x, base, top, 0, w);
            java.util.Arrays.fill(index, 0, w, 0);
            for (int p = 1; p < n; p++) {
                int row = base + p * inner;
                for (int j = 0; j < w; j++) {
                    float v = x[row + j];
                    float b = top[j];
                    if (b == b && (v != v || (wantMax ? v > b : v < b))) {
                        top[j] = v;
                        index[j] = p;
                    }
                }
            }
            int dst = outOff + o * inner + j0;
            for (int j = 0; j < w; j++) {
                out[dst + j] = op == ReduceOp.MAX || op == ReduceOp.MIN ? top[j] : index[j];
            }
        }

        @Override
        void clear() {
            x = null;
            out = null;
        }
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
    private static final class ChunkedSum implements Parallel.WorkerTask {
        private double[] partial = new double[0];
        private float[] x;
        private int off;
        private int n;

        double sum(Parallel pool, float[] x, int off, int n) {
            int chunks = (n + CHUNK - 1) / CHUNK;
            if (partial.length < chunks) {
                partial = new double[chunks];
            }
            this.x = x;
            this.off = off;
            this.n = n;
            try {
                pool.run(chunks, this);
            } finally {
                this.x = null;
            }
            double s = 0;
            for (int c = 0; c < chunks; c++) {
                s += partial[c];
            }
            return s;
        }

        @Override
        public void run(int c, int worker) {
            double s = 0;
            int end = Math.min(n, (c + 1) * CHUNK);
            for (int i = off + c * CHUNK; i < off + end; i++) {
                s += x[i];
            }
            partial[c] = s;
        }
    }

    static final class Softmax extends RowTask {
        private boolean log;
        private int cols;
        private float[] x;
        private int xOff;
        private float[] out;
        private int outOff;

        void run(Parallel pool, boolean log, int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
            this.log = log;
            this.cols = cols;
            this.x = x;
            this.xOff = xOff;
            this.out = out;
            this.outOff = outOff;
            split(pool, rows, cols);
        }

        @Override
        void rows(int r0, int r1, int worker) {
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
        }

        @Override
        void clear() {
            x = null;
            out = null;
        }
    }

    static final class SoftmaxBackward extends RowTask {
        private boolean log;
        private int cols;
        private float[] y;
        private int yOff;
        private float[] gy;
        private int gyOff;
        private float[] gx;
        private int gxOff;

        void run(Parallel pool, boolean log, int rows, int cols, float[] y, int yOff, float[] gy, int gyOff,
                 float[] gx, int gxOff) {
            this.log = log;
            this.cols = cols;
            this.y = y;
            this.yOff = yOff;
            this.gy = gy;
            this.gyOff = gyOff;
            this.gx = gx;
            this.gxOff = gxOff;
            split(pool, rows, cols);
        }

        @Override
        void rows(int r0, int r1, int worker) {
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
        }

        @Override
        void clear() {
            y = null;
            gy = null;
            gx = null;
        }
    }

    static final class CrossEntropy extends RowTask {
        private int cols;
        private float[] x;
        private int xOff;
        private float[] t;
        private int tOff;
        private float[] loss;
        private int lossOff;
        private float[] probs;
        private int probsOff;

        void run(Parallel pool, int rows, int cols, float[] x, int xOff, float[] t, int tOff,
                 float[] loss, int lossOff, float[] probs, int probsOff) {
            this.cols = cols;
            this.x = x;
            this.xOff = xOff;
            this.t = t;
            this.tOff = tOff;
            this.loss = loss;
            this.lossOff = lossOff;
            this.probs = probs;
            this.probsOff = probsOff;
            split(pool, rows, cols);
        }

        @Override
        void rows(int r0, int r1, int worker) {
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
        }

        @Override
        void clear() {
            x = null;
            t = null;
            loss = null;
            probs = null;
        }
    }

    static final class CrossEntropyBackward extends RowTask {
        private int cols;
        private float[] probs;
        private int probsOff;
        private float[] t;
        private int tOff;
        private float[] g;
        private int gOff;
        private int gStride;
        private float[] gx;
        private int gxOff;

        void run(Parallel pool, int rows, int cols, float[] probs, int probsOff, float[] t, int tOff,
                 float[] g, int gOff, int gStride, float[] gx, int gxOff) {
            this.cols = cols;
            this.probs = probs;
            this.probsOff = probsOff;
            this.t = t;
            this.tOff = tOff;
            this.g = g;
            this.gOff = gOff;
            this.gStride = gStride;
            this.gx = gx;
            this.gxOff = gxOff;
            split(pool, rows, cols);
        }

        @Override
        void rows(int r0, int r1, int worker) {
            for (int r = r0; r < r1; r++) {
                int target = target(t[tOff + r], r, cols);
                float gr = g[gOff + r * gStride];
                int pi = probsOff + r * cols;
                int oi = gxOff + r * cols;
                for (int j = 0; j < cols; j++) {
                    gx[oi + j] = (probs[pi + j] - (j == target ? 1f : 0f)) * gr;
                }
            }
        }

        @Override
        void clear() {
            probs = null;
            t = null;
            g = null;
            gx = null;
        }
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
