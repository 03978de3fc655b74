package dev.adjoint.device.cpu;

import dev.adjoint.device.IndexException;

/**
 * gather, scatterAdd and select. Every index is checked on the calling thread before anything is
 * written ({@link #check}): a bad one throws {@link IndexException}, so no kernel ever addresses memory
 * with it. scatterAdd splits fibers (o, i) across the pool, never one fiber: each output element
 * receives its sources in order of j on one thread, so the sums are the same run to run.
 * One instance per calling thread (see {@link RowTask}).
 */
final class CpuIndexing {
    final Gather gather = new Gather();
    final ScatterAdd scatterAdd = new ScatterAdd();
    final Select select;

    CpuIndexing(int threads) {
        select = new Select(threads);
    }

    /**
     * Throws {@link IndexException} for the first index of the view [outer, m, inner] that is not a
     * whole number in [0, n). An axis of stride 0 repeats the same indices, so it is read once.
     */
    static void check(String primitive, int outer, int n, int inner, int m, float[] index, int off, long[] s) {
        if ((long) outer * m * inner == 0) {
            return;
        }
        int outers = s[0] == 0 ? 1 : outer;
        int inners = s[2] == 0 ? 1 : inner;
        for (int o = 0; o < outers; o++) {
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < inners; i++) {
                    float v = index[(int) (off + o * s[0] + j * s[1] + i * s[2])];
                    if (!IndexException.valid(v, n)) {
                        throw new IndexException(primitive, ((long) o * m + j) * inner + i, v, n);
                    }
                }
            }
        }
    }

    /** out[o][j][i] = x[o][index(o, j, i)][i]; a row is one (o, j). */
    static final class Gather extends RowTask {
        private int n;
        private int inner;
        private int m;
        private float[] x;
        private int xOff;
        private float[] index;
        private int iOff;
        private long[] s;
        private float[] out;
        private int oOff;

        void run(Parallel pool, int outer, int n, int inner, int m, float[] x, int xOff, float[] index, int iOff,
                 long[] s, float[] out, int oOff) {
            check("gather", outer, n, inner, m, index, iOff, s);
            if ((long) outer * m * inner == 0) {
                return;
            }
            this.n = n;
            this.inner = inner;
            this.m = m;
            this.x = x;
            this.xOff = xOff;
            this.index = index;
            this.iOff = iOff;
            this.s = s;
            this.out = out;
            this.oOff = oOff;
            split(pool, outer * m, inner);
        }

        @Override
        void rows(int r0, int r1, int worker) {
            for (int r = r0; r < r1; r++) {
                int o = r / m;
                int j = r % m;
                long at = iOff + o * s[0] + j * s[1];
                int base = xOff + o * n * inner;
                int oi = oOff + r * inner;
                for (int i = 0; i < inner; i++) {
                    int row = (int) index[(int) (at + i * s[2])];
                    out[oi + i] = x[base + row * inner + i];
                }
            }
        }

        @Override
        void clear() {
            x = null;
            index = null;
            s = null;
            out = null;
        }
    }

    /**
     * out[o][index(o, j, i)][i] += src[o][j][i] for j in order. A "row" is one fiber (o, i); a range of
     * fibers runs as runs of consecutive i within one o, j outermost, so rows of src are read in order.
     */
    static final class ScatterAdd extends RowTask {
        private int n;
        private int inner;
        private int m;
        private float[] index;
        private int iOff;
        private long[] s;
        private float[] src;
        private int sOff;
        private float[] out;
        private int oOff;

        void run(Parallel pool, int outer, int n, int inner, int m, float[] index, int iOff, long[] s,
                 float[] src, int sOff, float[] out, int oOff) {
            check("scatterAdd", outer, n, inner, m, index, iOff, s);
            if ((long) outer * m * inner == 0) {
                return;
            }
            this.n = n;
            this.inner = inner;
            this.m = m;
            this.index = index;
            this.iOff = iOff;
            this.s = s;
            this.src = src;
            this.sOff = sOff;
            this.out = out;
            this.oOff = oOff;
            split(pool, outer * inner, m);
        }

        @Override
        void rows(int r0, int r1, int worker) {
            int r = r0;
            while (r < r1) {
                int o = r / inner;
                int i0 = r % inner;
                int i1 = Math.min(inner, i0 + (r1 - r));
                int base = oOff + o * n * inner;
                for (int j = 0; j < m; j++) {
                    long at = iOff + o * s[0] + j * s[1];
                    int si = sOff + (o * m + j) * inner;
                    for (int i = i0; i < i1; i++) {
                        int row = (int) index[(int) (at + i * s[2])];
                        out[base + row * inner + i] += src[si + i];
                    }
                }
                r += i1 - i0;
            }
        }

        @Override
        void clear() {
            index = null;
            s = null;
            src = null;
            out = null;
        }
    }

    /** out = cond ≠ 0 ? a : b over strided views, walked as rows of the last axis (an odometer per pool thread). */
    static final class Select extends RowTask {
        private final int[][] idx;
        private int[] shape;
        private float[] c;
        private int cOff;
        private long[] cs;
        private float[] a;
        private int aOff;
        private long[] as;
        private float[] b;
        private int bOff;
        private long[] bs;
        private float[] out;
        private int oOff;
        private int cols;

        Select(int threads) {
            idx = new int[threads][];
        }

        void run(Parallel pool, int[] shape, float[] c, int cOff, long[] cs, float[] a, int aOff, long[] as,
                 float[] b, int bOff, long[] bs, float[] out, int oOff) {
            int cols = shape.length == 0 ? 1 : shape[shape.length - 1];
            int rows = CpuElementwise.rowCount(shape);
            if (rows == 0 || cols == 0) {
                return;
            }
            this.shape = shape;
            this.c = c;
            this.cOff = cOff;
            this.cs = cs;
            this.a = a;
            this.aOff = aOff;
            this.as = as;
            this.b = b;
            this.bOff = bOff;
            this.bs = bs;
            this.out = out;
            this.oOff = oOff;
            this.cols = cols;
            split(pool, rows, cols);
        }

        @Override
        void rows(int r0, int r1, int worker) {
            int rank = Math.max(0, shape.length - 1);
            int last = shape.length - 1;
            int cc = last < 0 ? 0 : (int) cs[last];
            int ac = last < 0 ? 0 : (int) as[last];
            int bc = last < 0 ? 0 : (int) bs[last];
            int[] i = CpuElementwise.odometer(idx, worker, rank);
            CpuElementwise.start(i, rank, shape, r0);
            for (int r = r0; r < r1; r++) {
                int ci = cOff + (int) CpuElementwise.dot(i, rank, cs);
                int ai = aOff + (int) CpuElementwise.dot(i, rank, as);
                int bi = bOff + (int) CpuElementwise.dot(i, rank, bs);
                int oi = oOff + r * cols;
                for (int k = 0; k < cols; k++) {
                    out[oi + k] = c[ci + k * cc] != 0f ? a[ai + k * ac] : b[bi + k * bc];
                }
                CpuElementwise.advance(i, rank, shape);
            }
        }

        @Override
        void clear() {
            shape = null;
            c = null;
            cs = null;
            a = null;
            as = null;
            b = null;
            bs = null;
            out = null;
        }
    }
}
