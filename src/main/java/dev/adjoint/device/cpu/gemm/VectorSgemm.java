package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * SGEMM with the Vector API. Per block of up to {@code nc} columns of C: first A and B are packed
 * (in parallel) into the layout of {@link SgemmPacking}, then the C tiles are computed (in
 * parallel) by the 4×16 FMA kernel of {@link SgemmKernel}, looping K blocks of {@code kc}, then
 * {@code mc}-row blocks of A (kept in L2), then 16-column panels of B (from L2, reused by every
 * 4-row panel of the block), then 4-row
 * panels of A.
 *
 * <p>Threads take chunks of C columns (or of rows when C is narrow), several per thread so a late
 * thread takes fewer. K is never split and its blocking depends only on k, so every element of C
 * is computed by the same operations in the same order whatever the thread count: results are
 * bit-identical for 1 or N threads. Packing buffers belong to this instance and grow to the largest
 * problem seen; a steady state allocates only the task closures. Calls are serialized.
 *
 * <p>This class touches {@code jdk.incubator.vector}; load it only through {@link Sgemm#create}.
 */
public final class VectorSgemm implements Sgemm {
    private static final int MR = SgemmKernel.MR;
    private static final int NR = SgemmKernel.NR;
    /** Below this many multiply-adds per thread, fewer threads are used. */
    private static final long MIN_WORK_PER_THREAD = 1L << 18;
    /** Panels per packing task: 64 rows of A, 64 columns of B. */
    private static final int PACK_A_PANELS = 16;
    private static final int PACK_B_PANELS = 4;
    /** Compute tasks per thread, for balance when a thread starts late or is preempted. */
    private static final int TASKS_PER_THREAD = 4;

    private final Parallel pool;
    private final int mc;
    private final int kc;
    private final int nc;
    private final float[][] tiles;
    private float[] packedA = new float[0];
    private float[] packedB = new float[0];

    public VectorSgemm(Parallel pool) {
        this(pool, 64, 1024, 4096);
    }

    /** Blocking sizes: rows of A per L2 block, depth of a K block (max), columns of C per block. */
    public VectorSgemm(Parallel pool, int mc, int kc, int nc) {
        if (mc < MR || mc % MR != 0 || kc < 1 || nc < NR || nc % NR != 0) {
            throw new IllegalArgumentException("bad blocking mc=" + mc + " kc=" + kc + " nc=" + nc);
        }
        this.pool = pool;
        this.mc = mc;
        this.kc = kc;
        this.nc = nc;
        this.tiles = new float[pool.threads()][MR * NR];
    }

    /** Whether this CPU has 256-bit float vectors (else the Vector API would run in Java code). */
    public static boolean supported() {
        return FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 256;
    }

    @Override
    public String name() {
        return "Vector API, 4x16 FMA kernel, 256-bit";
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                                  float beta, float[] c, int cOffset, int ldc) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0 || alpha == 0f) {
            scale(m, n, beta, c, cOffset, ldc);
            return;
        }
        int kBlocks = (k + kc - 1) / kc;
        int kcb = (k + kBlocks - 1) / kBlocks;
        int mPanels = (m + MR - 1) / MR;
        long work = (long) m * n * k;
        int t = (int) Math.min(pool.threads(), Math.max(1, work / MIN_WORK_PER_THREAD));
        float[] pa = packedA = grow(packedA, (long) mPanels * MR * k);
        for (int jc = 0; jc < n; jc += nc) {
            int j0 = jc;
            int jEnd = Math.min(n, jc + nc);
            int nPanels = (jEnd - jc + NR - 1) / NR;
            float[] pb = packedB = grow(packedB, (long) nPanels * NR * k);
            int aTasks = jc == 0 ? (mPanels + PACK_A_PANELS - 1) / PACK_A_PANELS : 0;
            int bTasks = (nPanels + PACK_B_PANELS - 1) / PACK_B_PANELS;
            Parallel.WorkerTask pack = (task, worker) -> {
                if (task < aTasks) {
                    int r0 = task * PACK_A_PANELS;
                    SgemmPacking.packA(transA, a, aOffset, lda, m, k, kcb, r0,
                            Math.min(mPanels, r0 + PACK_A_PANELS), pa);
                } else {
                    int q0 = (task - aTasks) * PACK_B_PANELS;
                    SgemmPacking.packB(transB, b, bOffset, ldb, k, kcb, j0, jEnd, q0,
                            Math.min(nPanels, q0 + PACK_B_PANELS), pb);
                }
            };
            boolean byColumns = nPanels >= 2 * t;
            int panels = byColumns ? nPanels : mPanels;
            int chunk = Math.max(1, (panels + TASKS_PER_THREAD * t - 1) / (TASKS_PER_THREAD * t));
            int tasks = (panels + chunk - 1) / chunk;
            Parallel.WorkerTask compute = (task, worker) -> {
                int lo = task * chunk;
                int hi = Math.min(panels, lo + chunk);
                tiles(byColumns ? 0 : lo, byColumns ? mPanels : hi, byColumns ? lo : 0, byColumns ? hi : nPanels,
                        m, k, kcb, j0, jEnd, alpha, beta, c, cOffset, ldc, tiles[worker]);
            };
            if (t == 1) {
                for (int i = 0; i < aTasks + bTasks; i++) {
                    pack.run(i, 0);
                }
                for (int i = 0; i < tasks; i++) {
                    compute.run(i, 0);
                }
            } else {
                pool.run(aTasks + bTasks, pack);
                pool.run(tasks, compute);
            }
        }
    }

    /** A panels [r0, r1) × B panels [q0, q1) of the column block [j0, jEnd), all of K, in K order. */
    private void tiles(int r0, int r1, int q0, int q1, int m, int k, int kcb, int j0, int jEnd,
                       float alpha, float beta, float[] c, int cOffset, int ldc, float[] tile) {
        float[] pa = packedA;
        float[] pb = packedB;
        int mPad = (m + MR - 1) / MR * MR;
        int nPad = (jEnd - j0 + NR - 1) / NR * NR;
        int mcPanels = mc / MR;
        for (int pc = 0; pc < k; pc += kcb) {
            int kcur = Math.min(kcb, k - pc);
            boolean loadC = pc > 0 || beta != 0f;
            float bet = pc > 0 ? 1f : beta;
            for (int ic = r0; ic < r1; ic += mcPanels) {
                int icEnd = Math.min(r1, ic + mcPanels);
                for (int q = q0; q < q1; q++) {
                    int j = j0 + q * NR;
                    int w = Math.min(NR, jEnd - j);
                    int bo = pc * nPad + q * NR * kcur;
                    for (int r = ic; r < icEnd; r++) {
                        int i = r * MR;
                        SgemmKernel.packed(kcur, pa, pc * mPad + r * MR * kcur, pb, bo, tile);
                        SgemmKernel.update(tile, c, cOffset + i * ldc + j, ldc, Math.min(MR, m - i), w,
                                alpha, bet, loadC);
                    }
                }
            }
        }
    }

    private static float[] grow(float[] buf, long need) {
        if (need > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("gemm operand of " + need + " floats does not fit a Java array");
        }
        return buf.length >= need ? buf : new float[(int) need];
    }

    /** C = beta·C over m×n (k == 0 or alpha == 0); beta == 0 writes zeros without reading. */
    static void scale(int m, int n, float beta, float[] c, int cOffset, int ldc) {
        if (beta == 1f) {
            return;
        }
        for (int i = 0; i < m; i++) {
            int row = cOffset + i * ldc;
            for (int j = 0; j < n; j++) {
                c[row + j] = beta == 0f ? 0f : beta * c[row + j];
            }
        }
    }
}
