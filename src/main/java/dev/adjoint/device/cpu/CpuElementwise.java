package dev.adjoint.device.cpu;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;

/**
 * Elementwise primitives over strided views. The shape is walked as rows (all axes but the last)
 * by an odometer, with a tight loop along the last axis; large tensors split rows across the pool.
 * One instance per calling thread (see {@link RowTask}); the odometers are per pool thread.
 */
final class CpuElementwise {
    /** Whether the selects run as {@link VectorElementwise} (a constant the JIT folds). */
    private static final boolean VECTOR = CpuVectors.available();

    final Unary unary;
    final Binary binary;

    CpuElementwise(int threads) {
        unary = new Unary(threads);
        binary = new Binary(threads);
    }

    /** Per-pool-thread odometer over all axes but the last (its first {@code rank} entries), grown as needed. */
    static int[] odometer(int[][] idx, int worker, int rank) {
        int[] i = idx[worker];
        if (i == null || i.length < rank) {
            i = idx[worker] = new int[Math.max(rank, 4)];
        }
        return i;
    }

    /**
     * A view's axes merged, innermost first, where every operand steps over an axis and the one inside it as
     * over one axis (size-1 axes dropped), up to rows of {@value #ROW} elements: a contiguous [128, 8, 28, 28] runs
     * as 128 rows of 6,272, not 28,672 rows of 28 each paying for the odometer, and still splits across the pool
     * by rows. The arrays come from caches by rank, so a steady state allocates nothing. The output is contiguous,
     * so it merges wherever the inputs do.
     */
    static final class Merged {
        /** The longest row merging makes, so that rows are left for the threads. */
        static final int ROW = 1 << 14;
        private static final int MAX_RANK = 8;
        private final int[] dims = new int[MAX_RANK];
        private final long[][] steps = new long[2][MAX_RANK];
        private final int[][] shapes = new int[MAX_RANK + 1][];
        private final long[][][] strides = new long[2][MAX_RANK + 1][];
        int[] shape;
        long[] a;
        long[] b;

        /** Merges the view of {@code as} (and {@code bs}, or null) over {@code shape}; false when too many axes stay. */
        boolean of(int[] shape, long[] as, long[] bs) {
            int rank = 0;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (shape[d] == 1) {
                    continue;
                }
                if (rank > 0 && (long) dims[rank - 1] * shape[d] <= ROW && as[d] == steps[0][rank - 1] * dims[rank - 1]
                        && (bs == null || bs[d] == steps[1][rank - 1] * dims[rank - 1])) {
                    dims[rank - 1] *= shape[d];
                    continue;
                }
                if (rank == MAX_RANK) {
                    return false;
                }
                dims[rank] = shape[d];
                steps[0][rank] = as[d];
                steps[1][rank] = bs == null ? 0 : bs[d];
                rank++;
            }
            this.shape = shapes[rank] != null ? shapes[rank] : (shapes[rank] = new int[rank]);
            this.a = strides[0][rank] != null ? strides[0][rank] : (strides[0][rank] = new long[rank]);
            this.b = strides[1][rank] != null ? strides[1][rank] : (strides[1][rank] = new long[rank]);
            for (int r = 0; r < rank; r++) {
                this.shape[r] = dims[rank - 1 - r];
                this.a[r] = steps[0][rank - 1 - r];
                this.b[r] = steps[1][rank - 1 - r];
            }
            return true;
        }
    }

    static final class Unary extends RowTask {
        private final Merged merged = new Merged();
        private final int[][] idx;
        private UnaryOp op;
        private float p;
        private int[] shape;
        private float[] x;
        private int xOff;
        private long[] xs;
        private float[] out;
        private int outOff;
        private int cols;
        private int xc;

        Unary(int threads) {
            idx = new int[threads][];
        }

        void run(Parallel pool, UnaryOp op, float p, int[] shape, float[] x, int xOff, long[] xs,
                 float[] out, int outOff) {
            if (merged.of(shape, xs, null)) {
                shape = merged.shape;
                xs = merged.a;
            }
            int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
            int rows = rowCount(shape);
            if (rows == 0 || cols == 0) {
                return;
            }
            this.op = op;
            this.p = p;
            this.shape = shape;
            this.x = x;
            this.xOff = xOff;
            this.xs = xs;
            this.out = out;
            this.outOff = outOff;
            this.cols = cols;
            this.xc = shape.length == 0 ? 1 : (int) xs[shape.length - 1];
            split(pool, rows, cols);
        }

        @Override
        void rows(int r0, int r1, int worker) {
            int n = Math.max(0, shape.length - 1);
            int[] i = odometer(idx, worker, n);
            start(i, n, shape, r0);
            for (int r = r0; r < r1; r++) {
                int xi = xOff + (int) dot(i, n, xs);
                int oi = outOff + r * cols;
                if (xc == 1) {
                    contiguous(op, p, x, xi, out, oi, cols);
                } else {
                    for (int j = 0; j < cols; j++) {
                        out[oi + j] = CpuMath.unary(op, x[xi + j * xc], p);
                    }
                }
                advance(i, n, shape);
            }
        }

        @Override
        void clear() {
            shape = null;
            x = null;
            xs = null;
            out = null;
        }
    }

    static final class Binary extends RowTask {
        private final Merged merged = new Merged();
        private final int[][] idx;
        private BinaryOp op;
        private float p;
        private int[] shape;
        private float[] a;
        private int aOff;
        private long[] as;
        private float[] b;
        private int bOff;
        private long[] bs;
        private float[] out;
        private int outOff;
        private int cols;
        private int ac;
        private int bc;

        Binary(int threads) {
            idx = new int[threads][];
        }

        void run(Parallel pool, BinaryOp op, float p, int[] shape, float[] a, int aOff, long[] as,
                 float[] b, int bOff, long[] bs, float[] out, int outOff) {
            if (merged.of(shape, as, bs)) {
                shape = merged.shape;
                as = merged.a;
                bs = merged.b;
            }
            int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
            int rows = rowCount(shape);
            if (rows == 0 || cols == 0) {
                return;
            }
            this.op = op;
            this.p = p;
            this.shape = shape;
            this.a = a;
            this.aOff = aOff;
            this.as = as;
            this.b = b;
            this.bOff = bOff;
            this.bs = bs;
            this.out = out;
            this.outOff = outOff;
            this.cols = cols;
            this.ac = shape.length == 0 ? 1 : (int) as[shape.length - 1];
            this.bc = shape.length == 0 ? 1 : (int) bs[shape.length - 1];
            split(pool, rows, cols);
        }

        @Override
        void rows(int r0, int r1, int worker) {
            int n = Math.max(0, shape.length - 1);
            int[] i = odometer(idx, worker, n);
            start(i, n, shape, r0);
            for (int r = r0; r < r1; r++) {
                int ai = aOff + (int) dot(i, n, as);
                int bi = bOff + (int) dot(i, n, bs);
                int oi = outOff + r * cols;
                if (ac == 1 && bc == 1) {
                    contiguous(op, p, a, ai, b, bi, out, oi, cols);
                } else if (!(ac == 1 && bc == 0 && withScalar(op, a, ai, b[bi], false, out, oi, cols))
                        && !(ac == 0 && bc == 1 && withScalar(op, b, bi, a[ai], true, out, oi, cols))) {
                    for (int j = 0; j < cols; j++) {
                        out[oi + j] = CpuMath.binary(op, a[ai + j * ac], b[bi + j * bc], p);
                    }
                }
                advance(i, n, shape);
            }
        }

        @Override
        void clear() {
            shape = null;
            a = null;
            as = null;
            b = null;
            bs = null;
            out = null;
        }
    }

    /** Unary ops on contiguous runs: the common ones get loops the JIT vectorizes; the rest go through the switch. */
    private static void contiguous(UnaryOp op, float p, float[] x, int xi, float[] out, int oi, int n) {
        switch (op) {
            case COPY -> System.arraycopy(x, xi, out, oi, n);
            case RELU -> {
                if (VECTOR) {
                    VectorElementwise.relu(x, xi, out, oi, n);
                } else {
                    each(op, p, x, xi, out, oi, n);
                }
            }
            case SCALE -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = p * x[xi + j];
                }
            }
            case ADD_SCALAR -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = x[xi + j] + p;
                }
            }
            case NEG -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = -x[xi + j];
                }
            }
            default -> each(op, p, x, xi, out, oi, n);
        }
    }

    private static void each(UnaryOp op, float p, float[] x, int xi, float[] out, int oi, int n) {
        for (int j = 0; j < n; j++) {
            out[oi + j] = CpuMath.unary(op, x[xi + j], p);
        }
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
            case DIV -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = a[ai + j] / b[bi + j];
                }
            }
            // the comparisons of a max or min's gradient (which elements are the extreme): data-dependent, so a
            // branch per element would mispredict; the vector compare and blend has none
            case EQUAL, GREATER -> {
                if (VECTOR) {
                    VectorElementwise.compare(op == BinaryOp.GREATER, a, ai, b, bi, out, oi, n);
                } else {
                    each(op, p, a, ai, b, bi, out, oi, n);
                }
            }
            case RELU_BACKWARD -> {
                if (VECTOR) {
                    VectorElementwise.reluBackward(a, ai, b, bi, out, oi, n);
                } else {
                    each(op, p, a, ai, b, bi, out, oi, n);
                }
            }
            default -> each(op, p, a, ai, b, bi, out, oi, n);
        }
    }

    /**
     * A contiguous run against one value broadcast along it (a per-channel scale or shift over a row of
     * positions): {@code out = x op s}, or {@code s op x} when {@code scalarFirst}. Returns false, doing nothing,
     * for the ops without such a loop.
     */
    private static boolean withScalar(BinaryOp op, float[] x, int xi, float s, boolean scalarFirst, float[] out, int oi,
                                      int n) {
        switch (op) {
            case ADD -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = x[xi + j] + s;
                }
            }
            case MUL -> {
                for (int j = 0; j < n; j++) {
                    out[oi + j] = x[xi + j] * s;
                }
            }
            case SUB -> {
                if (scalarFirst) {
                    for (int j = 0; j < n; j++) {
                        out[oi + j] = s - x[xi + j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        out[oi + j] = x[xi + j] - s;
                    }
                }
            }
            case DIV -> {
                if (scalarFirst) {
                    for (int j = 0; j < n; j++) {
                        out[oi + j] = s / x[xi + j];
                    }
                } else {
                    for (int j = 0; j < n; j++) {
                        out[oi + j] = x[xi + j] / s;
                    }
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void each(BinaryOp op, float p, float[] a, int ai, float[] b, int bi, float[] out, int oi, int n) {
        for (int j = 0; j < n; j++) {
            out[oi + j] = CpuMath.binary(op, a[ai + j], b[bi + j], p);
        }
    }

    static int rowCount(int[] shape) {
        int r = 1;
        for (int d = 0; d < shape.length - 1; d++) {
            r *= shape[d];
        }
        return r;
    }

    /** Sets idx (over all axes but the last) to the coordinates of row {@code row}. */
    static void start(int[] idx, int n, int[] shape, int row) {
        for (int d = n - 1; d >= 0; d--) {
            idx[d] = row % shape[d];
            row /= shape[d];
        }
    }

    static void advance(int[] idx, int n, int[] shape) {
        for (int d = n - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) {
                return;
            }
            idx[d] = 0;
        }
    }

    static long dot(int[] idx, int n, long[] strides) {
        long s = 0;
        for (int d = 0; d < n; d++) {
            s += idx[d] * strides[d];
        }
        return s;
    }
}
