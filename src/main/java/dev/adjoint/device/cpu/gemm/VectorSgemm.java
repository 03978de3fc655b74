package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;
import dev.adjoint.device.Host;
import dev.adjoint.device.cpu.CpuVectors;

/**
 * SGEMM with the Vector API. Per block of up to {@code nc} columns of C: first A and B are packed
 * (in parallel) into the layout of {@link SgemmPacking}, then the C tiles are computed (in
 * parallel) by the 4×NR FMA kernel of {@link SgemmKernel}, looping K blocks of {@code kc}, then
 * {@code mc}-row blocks of A (kept in L2), then NR-column panels of B (from L2, reused by every
 * 4-row panel of the block), then 4-row panels of A.
 *
 * <p>Threads take chunks of C columns (or of rows when C is narrow), several per thread so a late
 * thread takes fewer. When several threads split the columns and A is small (packed, at most
 * {@value #OWN_A_MAX_FLOATS} floats), there is no separate packing step: every thread packs all of
 * A into a buffer of its own on its first chunk, and each chunk packs its own B panels, so no
 * thread reads packed data that another core wrote (see {@link #OWN_A_MAX_FLOATS}).
 *
 * <p>K is never split and its blocking depends only on k, so every element of C is computed by the
 * same operations in the same order whatever the thread count: results are bit-identical for 1 or N
 * threads. Packing buffers belong to this instance and grow to the largest problem seen; the tasks
 * are fields that read the call in progress, so a steady state allocates nothing. Calls are
 * serialized.
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
    /**
     * Largest packed A (floats) that every thread packs for itself when threads split the columns:
     * 512 KiB, within a core's L2 here (AMD EPYC, 512 KiB). At 128x784x256 on 2 threads, packing A
     * and B in a step of its own took 48-51 µs of a 400-480 µs call in one window but 111-138 µs in
     * a slower one, and a private A with B packed by the chunk that uses it ran 1.08 and 1.13 times
     * as fast in slow windows (1.00-1.02 in quieter ones); at 1024³ (4 MiB of A, beyond L2) packing
     * A on both threads cost 6% (bench/NOTES-gemm.md).
     */
    static final int OWN_A_MAX_FLOATS = 1 << 17;

    private final Parallel pool;
    private final SgemmDots dots;
    private final int mc;
    private final int kc;
    private final int nc;
    private final float[][] tiles;
    private float[] packedA = new float[0];
    private float[] packedB = new float[0];
    /** Per thread: its own packed A, and the number of the call it was packed for. */
    private final float[][] ownA;
    private final long[] ownAFor;
    private long calls;

    /** Blocking for this machine: {@link #blockRows} of its L2, K blocks of 1024, column blocks of 4096. */
    public VectorSgemm(Parallel pool) {
        this(pool, blockRows(Host.cacheBytes(2)), KC, 4096);
    }

    /** The deepest K block (measured best on Zen 3 against 256 and 512: fewer passes over C). */
    static final int KC = 1024;

    /**
     * Rows of A a block (MC) for an L2 of {@code l2Bytes}: the packed block (MC × KC floats) takes a
     * quarter of the L2, leaving the rest to the B panels streaming through and to C, between 32 and
     * 256 rows, a multiple of the kernel's 4; 64 where the L2 is unknown. That is 32 on Zen 3 (512 KiB),
     * 64 on Zen 4 (1 MiB) and 128 on a Xeon with 2 MiB. Measured: MC 32 to 128 within noise on Zen 3;
     * 128 against 64 on Zen 4, alternating in one JVM, 0.96-0.975 (bench/NOTES-gemm.md).
     */
    static int blockRows(long l2Bytes) {
        if (l2Bytes <= 0) {
            return 64;
        }
        long rows = l2Bytes / 4 / ((long) KC * Float.BYTES);
        return (int) Math.max(32, Math.min(256, rows / MR * MR));
    }

    /** Blocking sizes: rows of A per L2 block, depth of a K block (max), columns of C per block. */
    public VectorSgemm(Parallel pool, int mc, int kc, int nc) {
        if (mc < MR || mc % MR != 0 || kc < 1 || nc < NR || nc % NR != 0) {
            throw new IllegalArgumentException("bad blocking mc=" + mc + " kc=" + kc + " nc=" + nc);
        }
        this.pool = pool;
        this.dots = new SgemmDots(pool);
        this.mc = mc;
        this.kc = kc;
        this.nc = nc;
        this.tiles = new float[pool.threads()][MR * NR];
        this.ownA = new float[pool.threads()][0];
        this.ownAFor = new long[pool.threads()];
    }

    @Override
    public String name() {
        return "Vector API, " + MR + "x" + NR + " FMA kernel, blocks MC " + mc + " KC " + kc + " NC " + nc + ", "
                + CpuVectors.describe();
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
        if (SgemmDots.suits(transA, transB, m, n, k)) {
            dots.gemm(m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threadsFor(m, n, k));
            return;
        }
        int kcb = blockDepth(k, kc);
        int mPanels = (m + MR - 1) / MR;
        int t = threadsFor(m, n, k);
        long packedASize = (long) mPanels * MR * k;
        boolean ownPacking = packsOwnA(m, n, k);
        if (ownPacking) {
            for (int w = 0; w < ownA.length; w++) { // every pool thread may take a chunk, not only t
                ownA[w] = grow(ownA[w], packedASize);
            }
        } else {
            packedA = grow(packedA, packedASize);
        }
        Call g = call;
        g.id = ++calls;
        g.ownPacking = ownPacking;
        g.transA = transA;
        g.transB = transB;
        g.m = m;
        g.k = k;
        g.kcb = kcb;
        g.mPanels = mPanels;
        g.alpha = alpha;
        g.beta = beta;
        g.a = a;
        g.aOffset = aOffset;
        g.lda = lda;
        g.b = b;
        g.bOffset = bOffset;
        g.ldb = ldb;
        g.c = c;
        g.cOffset = cOffset;
        g.ldc = ldc;
        try {
            for (int jc = 0; jc < n; jc += nc) {
                int jEnd = Math.min(n, jc + nc);
                int nPanels = (jEnd - jc + NR - 1) / NR;
                packedB = grow(packedB, (long) nPanels * NR * k);
                int aTasks = jc == 0 && !ownPacking ? (mPanels + PACK_A_PANELS - 1) / PACK_A_PANELS : 0;
                int bTasks = ownPacking ? 0 : (nPanels + PACK_B_PANELS - 1) / PACK_B_PANELS;
                boolean byColumns = nPanels >= 2 * t;
                int panels = byColumns ? nPanels : mPanels;
                int chunk = Math.max(1, (panels + TASKS_PER_THREAD * t - 1) / (TASKS_PER_THREAD * t));
                int tasks = (panels + chunk - 1) / chunk;
                g.j0 = jc;
                g.jEnd = jEnd;
                g.nPanels = nPanels;
                g.aTasks = aTasks;
                g.byColumns = byColumns;
                g.panels = panels;
                g.chunk = chunk;
                if (t == 1) {
                    for (int i = 0; i < aTasks + bTasks; i++) {
                        pack.run(i, 0);
                    }
                    for (int i = 0; i < tasks; i++) {
                        compute.run(i, 0);
                    }
                } else {
                    if (!ownPacking) {
                        pool.run(aTasks + bTasks, pack);
                    }
                    pool.run(tasks, compute);
                }
            }
        } finally {
            g.a = null;
            g.b = null;
            g.c = null;
        }
    }

    /** Threads a call of this size splits its work for. */
    private int threadsFor(int m, int n, int k) {
        return (int) Math.min(pool.threads(), Math.max(1, (long) m * n * k / MIN_WORK_PER_THREAD));
    }

    /**
     * Whether a call of this size packs A per thread, with no packing step: several threads, packed A
     * at most {@value #OWN_A_MAX_FLOATS} floats, and every column block split by columns.
     */
    boolean packsOwnA(int m, int n, int k) {
        int t = threadsFor(m, n, k);
        long packedASize = (long) ((m + MR - 1) / MR) * MR * k;
        int lastPanels = ((n - 1) % nc + 1 + NR - 1) / NR;
        return t > 1 && packedASize <= OWN_A_MAX_FLOATS && Math.min(lastPanels, nc / NR) >= 2 * t;
    }

    /**
     * The arguments of the call in progress and of its current column block, read by {@link #pack}
     * and {@link #compute}: set before each {@code pool.run} (calls are serialized), so a call
     * allocates no closures.
     */
    private static final class Call {
        long id;
        boolean ownPacking;
        boolean transA;
        boolean transB;
        boolean byColumns;
        int m;
        int k;
        int kcb;
        int mPanels;
        int nPanels;
        int aTasks;
        int panels;
        int chunk;
        int j0;
        int jEnd;
        int aOffset;
        int lda;
        int bOffset;
        int ldb;
        int cOffset;
        int ldc;
        float alpha;
        float beta;
        float[] a;
        float[] b;
        float[] c;
    }

    private final Call call = new Call();

    /** Packing task: the first {@code aTasks} pack 64-row slices of A, the rest 64-column slices of B. */
    private final Parallel.WorkerTask pack = (task, worker) -> {
        Call g = call;
        if (task < g.aTasks) {
            int r0 = task * PACK_A_PANELS;
            SgemmPacking.packA(g.transA, g.a, g.aOffset, g.lda, g.m, g.k, g.kcb, r0,
                    Math.min(g.mPanels, r0 + PACK_A_PANELS), packedA);
        } else {
            int q0 = (task - g.aTasks) * PACK_B_PANELS;
            SgemmPacking.packB(g.transB, g.b, g.bOffset, g.ldb, g.k, g.kcb, g.j0, g.jEnd, q0,
                    Math.min(g.nPanels, q0 + PACK_B_PANELS), packedB);
        }
    };

    /**
     * Compute task: a chunk of B panels (all of A) or of A panels (all of B) of the column block.
     * With own packing (always by columns) it first packs A for its thread, once per call, and its
     * chunk's B panels.
     */
    private final Parallel.WorkerTask compute = this::compute;

    private void compute(int task, int worker) {
        Call g = call;
        int lo = task * g.chunk;
        int hi = Math.min(g.panels, lo + g.chunk);
        float[] pa = packedA;
        if (g.ownPacking) {
            pa = ownA[worker];
            if (ownAFor[worker] != g.id) {
                SgemmPacking.packA(g.transA, g.a, g.aOffset, g.lda, g.m, g.k, g.kcb, 0, g.mPanels, pa);
                ownAFor[worker] = g.id;
            }
            SgemmPacking.packB(g.transB, g.b, g.bOffset, g.ldb, g.k, g.kcb, g.j0, g.jEnd, lo, hi, packedB);
        }
        tiles(pa, g.byColumns ? 0 : lo, g.byColumns ? g.mPanels : hi, g.byColumns ? lo : 0,
                g.byColumns ? hi : g.nPanels, g.m, g.k, g.kcb, g.j0, g.jEnd, g.alpha, g.beta, g.c, g.cOffset,
                g.ldc, tiles[worker]);
    }

    /** A panels [r0, r1) × B panels [q0, q1) of the column block [j0, jEnd), all of K, in K order. */
    private void tiles(float[] pa, int r0, int r1, int q0, int q1, int m, int k, int kcb, int j0, int jEnd,
                       float alpha, float beta, float[] c, int cOffset, int ldc, float[] tile) {
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

    /** The depth of each K block when a depth of {@code k} is cut into the fewest blocks of at most {@code kc}, evenly. */
    static int blockDepth(int k, int kc) {
        int blocks = (k + kc - 1) / kc;
        return (k + blocks - 1) / blocks;
    }

    /** {@code buf}, or a new array when it holds fewer than {@code need} floats (also {@link ImplicitConv}'s scratch). */
    static float[] grow(float[] buf, long need) {
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
