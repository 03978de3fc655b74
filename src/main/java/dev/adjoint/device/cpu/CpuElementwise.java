package dev.adjoint.device.cpu;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;

/**
 * Elementwise primitives over strided views. The shape is walked as rows (all axes but the last)
 * by an odometer, with a tight loop along the last axis; large tensors split rows across the pool.
 */
final class CpuElementwise {
    /** Below this many elements a kernel runs on the calling thread. */
    private static final int PARALLEL_MIN = 1 << 15;

    private CpuElementwise() {}

    static void unary(Parallel pool, UnaryOp op, float p, int[] shape,
                      float[] x, int xOff, long[] xs, float[] out, int outOff) {
        int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        int rows = rows(shape);
        if (rows == 0 || cols == 0) {
            return;
        }
        int xc = shape.length == 0 ? 1 : (int) xs[shape.length - 1];
        split(pool, rows, cols, (r0, r1) -> {
            int[] idx = new int[Math.max(0, shape.length - 1)];
            start(idx, shape, r0);
            for (int r = r0; r < r1; r++) {
                int xi = xOff + (int) dot(idx, xs);
                int oi = outOff + r * cols;
                if (xc == 1) {
                    for (int j = 0; j < cols; j++) {
                        out[oi + j] = CpuMath.unary(op, x[xi + j], p);
                    }
                } else {
                    for (int j = 0; j < cols; j++) {
                        out[oi + j] = CpuMath.unary(op, x[xi + j * xc], p);
                    }
                }
                advance(idx, shape);
            }
        });
    }

    static void binary(Parallel pool, BinaryOp op, float p, int[] shape,
                       float[] a, int aOff, long[] as, float[] b, int bOff, long[] bs,
                       float[] out, int outOff) {
        int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
        int rows = rows(shape);
        if (rows == 0 || cols == 0) {
            return;
        }
        int ac = shape.length == 0 ? 1 : (int) as[shape.length - 1];
        int bc = shape.length == 0 ? 1 : (int) bs[shape.length - 1];
        split(pool, rows, cols, (r0, r1) -> {
            int[] idx = new int[Math.max(0, shape.length - 1)];
            start(idx, shape, r0);
            for (int r = r0; r < r1; r++) {
                int ai = aOff + (int) dot(idx, as);
                int bi = bOff + (int) dot(idx, bs);
                int oi = outOff + r * cols;
                if (ac == 1 && bc == 1) {
                    contiguous(op, p, a, ai, b, bi, out, oi, cols);
                } else {
                    for (int j = 0; j < cols; j++) {
                        out[oi + j] = CpuMath.binary(op, a[ai + j * ac], b[bi + j * bc], p);
                    }
                }
                advance(idx, shape);
            }
        });
    }

    /** The common cases get their own loops (the JIT vectorizes them); the rest go through the switch. */
    private static void contiguous(BinaryOp op, float p, float[] a, int ai, float[] b, int bi,
                                   float[] out, int oi, int n) {
        switch (op) {
            case ADD -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = a[ai + j] + b[bi + j];
                }
            }
            case SUB -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = a[ai + j] - b[bi + j];
                }
            }
            case MUL -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = a[ai + j] * b[bi + j];
                }
            }
            case RELU_BACKWARD -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = a[ai + j] > 0f ? b[bi + j] : 0f;
                }
            }
            default -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = CpuMath.binary(op, a[ai + j], b[bi + j], p);
                }
            }
        }
    }

    interface RowRange {
        void run(int r0, int r1);
    }

    static void split(Parallel pool, int rows, int cols, RowRange body) {
        long total = (long) rows * cols;
        int tasks = (int) Math.min(rows, Math.min(4L * pool.threads(), total / (PARALLEL_MIN / 2)));
        if (tasks <= 1) {
            body.run(0, rows);
            return;
        }
        pool.run(tasks, t -> body.run((int) ((long) rows * t / tasks), (int) ((long) rows * (t + 1) / tasks)));
    }

    private static int rows(int[] shape) {
        int r = 1;
        for (int d = 0; d < shape.length - 1; d++) {
            r *= shape[d];
        }
        return r;
    }

    /** Sets idx (over all axes but the last) to the coordinates of row {@code row}. */
    private static void start(int[] idx, int[] shape, int row) {
        for (int d = idx.length - 1; d >= 0; d--) {
            idx[d] = row % shape[d];
            row /= shape[d];
        }
    }

    private static void advance(int[] idx, int[] shape) {
        for (int d = idx.length - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                return;
            }
            idx[d] = 0;
        }
    }

    private static long dot(int[] idx, long[] strides) {
        long s = 0;
        for (int d = 0; d < idx.length; d++) {
            s += idx[d] * strides[d];
        }
        return s;
    }
}
