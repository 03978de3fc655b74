package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C = alpha·A·Bᵀ + beta·C} for a deep, narrow product, k far larger than m and n (a convolution's
 * weight gradient, summed over every window position of the batch). Each element is the dot product of a
 * row of A and a row of B, both contiguous, so nothing is packed: the packed path would copy B transposed,
 * striding across its rows (TLB-bound in a throwaway measurement at [200, 25088]: slower than the products). K is
 * cut into chunks of {@value #DEPTH} that stay in cache while every tile of 4 rows of A by {@link #TC} rows of B
 * reads them: 4 by 4 (16 vector accumulators, 8 loads per 16 FMAs) where the vectors are 512 bits wide (AVX-512
 * has 32 registers), 4 by 2 (8 accumulators) below that, where 16 accumulators would not fit in 16 registers. A tile's lanes are summed in lane order and its
 * chunks in chunk order, in double: every element is computed the same way whatever the thread count.
 */
final class SgemmDots {
    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int L = SgemmKernel.L;
    /** Floats of k per chunk: 4 + 2 rows of it are 48 KiB. */
    static final int DEPTH = 2048;
    private static final int TR = 4;
    /** Rows of B per tile. */
    static final int TC = L >= 16 ? 4 : 2;

    private final Parallel pool;
    /** Per thread: the running sums of its tiles, and one tile's lanes. */
    private final double[][] sums;
    private final float[][] lanes;
    private int m;
    private int n;
    private int k;
    private float alpha;
    private float beta;
    private float[] a;
    private int aOffset;
    private int lda;
    private float[] b;
    private int bOffset;
    private int ldb;
    private float[] c;
    private int cOffset;
    private int ldc;
    private boolean byRows;
    private int perTask;
    private final Parallel.WorkerTask task = this::task;

    SgemmDots(Parallel pool) {
        this.pool = pool;
        this.sums = new double[pool.threads()][0];
        this.lanes = new float[pool.threads()][TR * TC * L];
    }

    /** Whether this path computes the call: A·Bᵀ (both stored row-major along k) with k at least 16 times m and n. */
    static boolean suits(boolean transA, boolean transB, int m, int n, int k) {
        return !transA && transB && k >= 16L * Math.max(m, n);
    }

    /** The call, for m, n, k ≥ 1 and alpha ≠ 0 (the caller handles the rest). */
    void gemm(int m, int n, int k, float alpha, float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
              float beta, float[] c, int cOffset, int ldc, int threads) {
        this.m = m;
        this.n = n;
        this.k = k;
        this.alpha = alpha;
        this.beta = beta;
        this.a = a;
        this.aOffset = aOffset;
        this.lda = lda;
        this.b = b;
        this.bOffset = bOffset;
        this.ldb = ldb;
        this.c = c;
        this.cOffset = cOffset;
        this.ldc = ldc;
        int rowTiles = (m + TR - 1) / TR;
        int colTiles = (n + TC - 1) / TC;
        byRows = rowTiles >= colTiles;
        int tiles = byRows ? rowTiles : colTiles;
        int tasks = Math.min(tiles, 4 * threads);
        perTask = (tiles + tasks - 1) / tasks;
        tasks = (tiles + perTask - 1) / perTask;
        try {
            if (threads == 1) {
                for (int t = 0; t < tasks; t++) {
                    task(t, 0);
                }
            } else {
                pool.run(tasks, task);
            }
        } finally {
            this.a = null;
            this.b = null;
            this.c = null;
        }
    }

    /** Rows [i0, i1) by columns [j0, j1) of C: the row or column tiles of task {@code t}, over all of the other axis. */
    private void task(int t, int worker) {
        int i0 = byRows ? t * perTask * TR : 0;
        int i1 = byRows ? Math.min(m, i0 + perTask * TR) : m;
        int j0 = byRows ? 0 : t * perTask * TC;
        int j1 = byRows ? n : Math.min(n, j0 + perTask * TC);
        int w = j1 - j0;
        double[] acc = sums[worker];
        if (acc.length < (i1 - i0) * w) {
            acc = new double[(i1 - i0) * w];
            sums[worker] = acc;
        }
        java.util.Arrays.fill(acc, 0, (i1 - i0) * w, 0);
        float[] lane = lanes[worker];
        for (int p0 = 0; p0 < k; p0 += DEPTH) {
            int p1 = Math.min(k, p0 + DEPTH);
            for (int i = i0; i < i1; i += TR) {
                for (int j = j0; j < j1; j += TC) {
                    tile(i, Math.min(TR, i1 - i), j, Math.min(TC, j1 - j), p0, p1, lane);
                    for (int r = 0; r < Math.min(TR, i1 - i); r++) {
                        for (int s = 0; s < Math.min(TC, j1 - j); s++) {
                            double sum = 0;
                            for (int x = 0; x < L; x++) {
                                sum += lane[(r * TC + s) * L + x];
                            }
                            acc[(i - i0 + r) * w + j - j0 + s] += sum;
                        }
                    }
                }
            }
        }
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) {
                float v = alpha * (float) acc[(i - i0) * w + j - j0];
                int at = cOffset + i * ldc + j;
                c[at] = beta == 0f ? v : v + beta * c[at];
            }
        }
    }

    /**
     * The partial dots of rows i..i+rows−1 of A with rows j..j+cols−1 of B over k in [p0, p1), lane by lane,
     * into {@code lane[(r·TC + s)·L + x]} (the tail past the last whole vector added into lane 0). A tile
     * at the edge reads its last row (or column) again in place of the missing ones and drops the results.
     */
    private void tile(int i, int rows, int j, int cols, int p0, int p1, float[] lane) {
        if (TC == 4) {
            tile4(i, rows, j, cols, p0, p1, lane);
        } else {
            tile2(i, rows, j, cols, p0, p1, lane);
        }
    }

    /** {@link #tile} of 4 rows of A by 2 of B. */
    private void tile2(int i, int rows, int j, int cols, int p0, int p1, float[] lane) {
        int a0 = aOffset + i * lda;
        int a1 = aOffset + (i + Math.min(1, rows - 1)) * lda;
        int a2 = aOffset + (i + Math.min(2, rows - 1)) * lda;
        int a3 = aOffset + (i + Math.min(3, rows - 1)) * lda;
        int b0 = bOffset + j * ldb;
        int b1 = bOffset + (j + Math.min(1, cols - 1)) * ldb;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        int p = p0;
        for (; p + L <= p1; p += L) {
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + p);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + p);
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            x = FloatVector.fromArray(S, a, a1 + p);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            x = FloatVector.fromArray(S, a, a2 + p);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            x = FloatVector.fromArray(S, a, a3 + p);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
        }
        c00.intoArray(lane, 0);
        c01.intoArray(lane, L);
        c10.intoArray(lane, 2 * L);
        c11.intoArray(lane, 3 * L);
        c20.intoArray(lane, 4 * L);
        c21.intoArray(lane, 5 * L);
        c30.intoArray(lane, 6 * L);
        c31.intoArray(lane, 7 * L);
        if (p < p1) {
            tails(a0, a1, a2, a3, b0, b1, b1, b1, p, p1, lane);
        }
    }

    /** {@link #tile} of 4 rows of A by 4 of B. */
    private void tile4(int i, int rows, int j, int cols, int p0, int p1, float[] lane) {
        int a0 = aOffset + i * lda;
        int a1 = aOffset + (i + Math.min(1, rows - 1)) * lda;
        int a2 = aOffset + (i + Math.min(2, rows - 1)) * lda;
        int a3 = aOffset + (i + Math.min(3, rows - 1)) * lda;
        int b0 = bOffset + j * ldb;
        int b1 = bOffset + (j + Math.min(1, cols - 1)) * ldb;
        int b2 = bOffset + (j + Math.min(2, cols - 1)) * ldb;
        int b3 = bOffset + (j + Math.min(3, cols - 1)) * ldb;
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c02 = FloatVector.zero(S);
        FloatVector c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S);
        FloatVector c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c22 = FloatVector.zero(S);
        FloatVector c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c32 = FloatVector.zero(S);
        FloatVector c33 = FloatVector.zero(S);
        int p = p0;
        for (; p + L <= p1; p += L) {
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + p);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + p);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + p);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + p);
            FloatVector x = FloatVector.fromArray(S, a, a0 + p);
            c00 = x.fma(y0, c00);
            c01 = x.fma(y1, c01);
            c02 = x.fma(y2, c02);
            c03 = x.fma(y3, c03);
            x = FloatVector.fromArray(S, a, a1 + p);
            c10 = x.fma(y0, c10);
            c11 = x.fma(y1, c11);
            c12 = x.fma(y2, c12);
            c13 = x.fma(y3, c13);
            x = FloatVector.fromArray(S, a, a2 + p);
            c20 = x.fma(y0, c20);
            c21 = x.fma(y1, c21);
            c22 = x.fma(y2, c22);
            c23 = x.fma(y3, c23);
            x = FloatVector.fromArray(S, a, a3 + p);
            c30 = x.fma(y0, c30);
            c31 = x.fma(y1, c31);
            c32 = x.fma(y2, c32);
            c33 = x.fma(y3, c33);
        }
        c00.intoArray(lane, 0);
        c01.intoArray(lane, L);
        c02.intoArray(lane, 2 * L);
        c03.intoArray(lane, 3 * L);
        c10.intoArray(lane, 4 * L);
        c11.intoArray(lane, 5 * L);
        c12.intoArray(lane, 6 * L);
        c13.intoArray(lane, 7 * L);
        c20.intoArray(lane, 8 * L);
        c21.intoArray(lane, 9 * L);
        c22.intoArray(lane, 10 * L);
        c23.intoArray(lane, 11 * L);
        c30.intoArray(lane, 12 * L);
        c31.intoArray(lane, 13 * L);
        c32.intoArray(lane, 14 * L);
        c33.intoArray(lane, 15 * L);
        if (p < p1) {
            tails(a0, a1, a2, a3, b0, b1, b2, b3, p, p1, lane);
        }
    }

    /**
     * The k tail past the last whole vector of each pair of rows, added into lane 0 of its accumulator: rows
     * {@code a0..a3} of A by the first {@link #TC} of {@code b0..b3} of B.
     */
    private void tails(int a0, int a1, int a2, int a3, int b0, int b1, int b2, int b3, int p, int p1, float[] lane) {
        for (int r = 0; r < TR; r++) {
            int ar = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
            for (int s = 0; s < TC; s++) {
                int br = s == 0 ? b0 : s == 1 ? b1 : s == 2 ? b2 : b3;
                lane[(r * TC + s) * L] += tail(ar, br, p, p1);
            }
        }
    }

    /** The dot of A and B from row starts {@code ar} and {@code br} over k in [p, p1): the tail past the vectors. */
    private float tail(int ar, int br, int p, int p1) {
        float sum = 0f;
        for (int q = p; q < p1; q++) {
            sum = Math.fma(a[ar + q], b[br + q], sum);
        }
        return sum;
    }
}
