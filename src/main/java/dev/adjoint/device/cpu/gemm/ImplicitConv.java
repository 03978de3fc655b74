package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Stride-1 convolution as a GEMM whose image operand is never laid out as columns (an implicit GEMM), with the
 * 4×NR kernel of {@link SgemmKernel}.
 *
 * <p><b>The padded plane.</b> Each channel plane is first copied into a zero-bordered plane of
 * {@code hp = outH + (kh−1)·dh} rows of {@code wp} ({@link Geometry#wp}: the image row and the larger of its two
 * paddings, as a tap past a row's end reads the next row's leading zeros). Output position (oi, oj) is given the
 * column {@code j = oi·wp + oj}, so tap (ki, kj) of channel ci reads the padded plane at
 * {@code ci·hp·wp + ki·dh·wp + kj·dw + j}: one fixed offset per tap plus j. A row of the im2col matrix is
 * therefore a contiguous run of the padded image, and a panel of NR columns is packed with two vector copies a
 * tap. In such column panels the {@code wp − outW} columns at the end of each output row ({@code oj ≥ outW}) are
 * computed and dropped: 1.8% of the work at 56×56 with 3×3, 12.5% at 14×14 with 5×5. With few taps
 * ({@link #DIRECT_TAPS}) the forward packs panels of output positions instead, each a few runs of the padded rows,
 * and the weight gradient reads the padded image in place.
 *
 * <ul>
 *   <li>{@link #forward}: {@code y[img, o, p] = Σ_k a[o, k]·cols[k, p]}, {@code a} row-major {@code [m, c·kh·kw]}
 *       (the weight, or for the input gradient the weight turned round), threads splitting the panels; a bias is
 *       added as each panel is stored.</li>
 *   <li>{@link #weightGradient}: {@code gw[o, k] = Σ_{img, p} gy[img, o, p]·cols[k, p]}, computed transposed
 *       (taps are the kernel's 4-row side, the output channels NR-column panels) into one partial sum per group
 *       of images; the groups depend only on the batch and are added in order at the end. Its depth is the output
 *       positions, not the columns: a block of positions is a few runs of the padded rows, one per output row,
 *       each packed for four taps with vector transposes, so no dropped column is computed (at 14×14 with 5×5,
 *       21% of the products) and no element that no window reads meets the sum. With few taps the padded image is
 *       read in place instead ({@link ConvKernels}), the products kept lane by lane.</li>
 * </ul>
 *
 * <p>K (the taps) is cut into blocks as {@link VectorSgemm} cuts it, and each element of the output is summed
 * in K order whatever the thread count: results are bit-identical for 1 or N threads, and the forward's are
 * those of im2col then {@link VectorSgemm} (the same products in the same order). Calls are serialized; the
 * buffers belong to this instance and grow to the largest call.
 */
public final class ImplicitConv {
    private static final int MR = SgemmKernel.MR;
    private static final int NR = SgemmKernel.NR;
    private static final int L = SgemmKernel.L;
    /** Panels per forward task. */
    private static final int PANELS_PER_TASK = 8;
    /** The most image groups of the weight gradient, each one partial sum (a function of the batch only). */
    private static final int MAX_GROUPS = 16;
    /**
     * The most taps for which the weight gradient reads the padded image in place ({@link #directWeightGradient}) and
     * the forward packs position panels ({@link #forwardPositionPanels}, measured there). For the weight gradient
     * (by hand, a throwaway harness calling the device, 2 threads, Zen 4):
     * 1.1-1.3 ms against 2.5-2.9 for 1→16 channels at 28×28 with 5×5, 3.9-4.7 against 5.9-6.1 for 1→64, 4.5-4.7
     * against 5.9-6.4 for 3→64 at 56×56 with 3×3, and 7.8 against 5.5 for 16→32 at 14×14 with 5×5 (400 taps);
     * 4→32 at 14×14 with 3×3 (36 taps) was even. At most {@link VectorSgemm#KC}: one K block.
     */
    private static final int DIRECT_TAPS = 32;

    private final Parallel pool;
    private float[] padded = new float[0];
    private float[] packedA = new float[0];
    private float[] partials = new float[0];
    private final float[][] panel;
    private final float[][] tile;
    private final float[][] rowPanel;
    private final int[][] runs;
    /** A position panel's store runs where it is an image's last, short one: its w positions from the first. */
    private final int[][] tailRun;
    private final Pass pass = new Pass();

    public ImplicitConv(Parallel pool) {
        this.pool = pool;
        int t = pool.threads();
        panel = new float[t][0];
        tile = new float[t][MR * NR];
        rowPanel = new float[t][0];
        runs = new int[t][3 * NR];
        tailRun = new int[t][3];
    }

    /**
     * The stride-1 windows of a block of {@code n} images {@code [c, h, w]}: kernel {@code kh × kw} spread by
     * {@code dh, dw}, {@code padTop} rows and {@code padLeft} columns of zeros before the image, {@code outH × outW}
     * output positions (the padding after the image is what they imply).
     */
    public record Geometry(int n, int c, int h, int w, int kh, int kw, int dh, int dw, int padTop, int padLeft,
                           int outH, int outW) {
        /**
         * Floats of the padded planes of the block, {@code n·c·hp·wp}, counted in a long: {@link ImplicitConv} takes
         * only a geometry whose count fits an int with room to spare, and then {@link #hp} and {@link #wp} do too.
         */
        public long paddedFloats() {
            return (long) n * c * (outH + (long) (kh - 1) * dh) * paddedRow();
        }

        private long paddedRow() {
            long reach = (long) (kw - 1) * dw;
            return Math.max(Math.max((long) padLeft + w, outW + reach - padLeft), outW);
        }

        int hp() {
            return outH + (kh - 1) * dh;
        }

        /**
         * The padded row: the image row after {@code padLeft} zeros, then zeros to the length. A tap past a row's
         * end reads the next row's leading zeros, so the row needs only the larger of the two paddings:
         * {@code outW + (kw−1)·dw − padLeft} (the farthest tap) or {@code padLeft + w}, whichever is longer.
         */
        int wp() {
            return (int) paddedRow();
        }

        int plane() {
            return hp() * wp();
        }

        /** Columns of one image: up to the last output position. */
        int columns() {
            return (outH - 1) * wp() + outW;
        }

        int taps() {
            return c * kh * kw;
        }

        int positions() {
            return outH * outW;
        }
    }

    /**
     * {@code y [n, m, outH, outW] = a [m, c·kh·kw] · cols(x)}, x at {@code xOff} as {@code [n, c, h, w]}, then
     * {@code bias[biasOff + o]} added to channel o's sums where a bias is given (else null): each element is rounded
     * once for its sum and once for the add, as a separate add would, while the panel is still in cache.
     */
    public synchronized void forward(float[] a, int aOff, int m, Geometry g, float[] x, int xOff, float[] bias,
                                     int biasOff, float[] y, int yOff) {
        if (g.n() == 0 || m == 0 || g.positions() == 0) {
            return;
        }
        int k = g.taps();
        if (k == 0) {
            int positions = g.positions();
            for (int img = 0; img < g.n(); img++) {
                for (int o = 0; o < m; o++) {
                    int at = yOff + (img * m + o) * positions;
                    Arrays.fill(y, at, at + positions, bias == null ? 0f : 0f + bias[biasOff + o]);
                }
            }
            return;
        }
        pad(g, x, xOff);
        int kcb = blockDepth(k);
        int mPanels = (m + MR - 1) / MR;
        packedA = VectorSgemm.grow(packedA, (long) mPanels * MR * k);
        SgemmPacking.packA(false, a, aOff, k, m, k, kcb, 0, mPanels, packedA);
        Pass p = pass.set(g, m, k, kcb, y, yOff);
        p.bias = bias;
        p.biasOff = biasOff;
        boolean positionPanels = k <= DIRECT_TAPS;
        p.imagePanels = ((positionPanels ? g.positions() : g.columns()) + NR - 1) / NR;
        int panels = g.n() * p.imagePanels;
        for (int w = 0; w < panel.length; w++) {
            panel[w] = VectorSgemm.grow(panel[w], (long) kcb * NR);
        }
        try {
            pool.run((panels + PANELS_PER_TASK - 1) / PANELS_PER_TASK,
                    positionPanels ? forwardPositionTask : forwardTask);
        } finally {
            p.clear();
        }
    }

    /**
     * {@code gw [m, c·kh·kw] = Σ gy[img, o, p]·cols(x)[k, p]} over every image and position, gy at {@code gyOff}
     * as {@code [n, m, outH, outW]}; gw is overwritten.
     */
    public synchronized void weightGradient(float[] gy, int gyOff, int m, Geometry g, float[] x, int xOff,
                                            float[] gw, int gwOff) {
        int k = g.taps();
        if (m == 0 || k == 0) {
            return;
        }
        if (g.n() == 0 || g.positions() == 0) {
            for (int o = 0; o < m; o++) {
                Arrays.fill(gw, gwOff + o * k, gwOff + (o + 1) * k, 0f);
            }
            return;
        }
        pad(g, x, xOff);
        int groups = Math.min(g.n(), MAX_GROUPS);
        if (k <= DIRECT_TAPS && g.columns() <= 2L * g.positions() && finite(x, xOff, g.n() * g.c() * g.h() * g.w())) {
            directWeightGradient(gy, gyOff, m, g, groups, gw, gwOff);
            return;
        }
        int nPad = (m + NR - 1) / NR * NR;
        int kPad = (k + MR - 1) / MR * MR;
        partials = VectorSgemm.grow(partials, (long) groups * kPad * nPad);
        int kcb = blockDepth(g.positions());
        for (int w = 0; w < panel.length; w++) {
            panel[w] = VectorSgemm.grow(panel[w], (long) nPad * kcb);
            rowPanel[w] = VectorSgemm.grow(rowPanel[w], (long) MR * (kcb + L));
            if (runs[w].length < 3 * (kcb + 2)) {
                runs[w] = new int[3 * (kcb + 2)];
            }
        }
        Pass p = pass.set(g, m, k, kcb, gy, gyOff);
        p.groups = groups;
        try {
            pool.run(groups, weightTask);
        } finally {
            p.clear();
        }
        // gw[o, t] = Σ over groups in order of partial[group][t, o]: the groups added into the first, then turned
        float[] part = addGroups(groups, kPad * nPad);
        for (int t = 0; t < k; t++) {
            for (int o = 0; o < m; o++) {
                gw[gwOff + o * k + t] = part[t * nPad + o];
            }
        }
    }

    /**
     * The weight gradient of few taps ({@link #DIRECT_TAPS}) and a finite image, with the padded image read in place
     * by {@link ConvKernels#weight}: per image, the gradient rows are copied into the layout of the padded columns
     * (zeros at the dropped ones), and each 4 channels × 2 taps block is then one long dot product per pair, kept
     * lane by lane in the group's partial sums. The groups' lanes are added in order, then each pair's lanes. The
     * dropped columns meet image elements no window reads there, which is harmless only when those are finite:
     * an image with an infinity or NaN takes the packed path, which reads only what windows read. So do images
     * whose columns are more than twice their positions (a large dilation and a short output row), where the
     * dropped columns would be most of the work.
     */
    private void directWeightGradient(float[] gy, int gyOff, int m, Geometry g, int groups, float[] gw, int gwOff) {
        int k = g.taps();
        Pass p = pass.set(g, m, k, k, gy, gyOff);
        p.groups = groups;
        // channels in blocks of 4 and taps in pairs, as ConvKernels.weight takes them; each pair L lanes
        p.mPad = (m + 3) / 4 * 4;
        p.kPad = (k + 1) / 2 * 2;
        int mPad = p.mPad;
        int kPad = p.kPad;
        int groupSize = mPad * kPad * L;
        partials = VectorSgemm.grow(partials, (long) groups * groupSize);
        Arrays.fill(partials, 0, groups * groupSize, 0f);
        int rowsSize = Math.toIntExact((long) mPad * ((g.columns() + L - 1) / L * L + L));
        for (int w = 0; w < panel.length; w++) {
            panel[w] = VectorSgemm.grow(panel[w], rowsSize);
            Arrays.fill(panel[w], 0, rowsSize, 0f);
        }
        try {
            pool.run(groups, directWeightTask);
        } finally {
            p.clear();
        }
        float[] part = addGroups(groups, groupSize);
        // the lanes in order, not by reduceLanes: its order is unspecified, and the interpreter's differs from C2's
        for (int o = 0; o < m; o++) {
            for (int t = 0; t < k; t++) {
                int at = (o * kPad + t) * L;
                float sum = part[at];
                for (int l = 1; l < L; l++) {
                    sum += part[at + l];
                }
                gw[gwOff + o * k + t] = sum;
            }
        }
    }

    private final Parallel.WorkerTask directWeightTask = this::directWeightGroup;

    /** One group of images' lanes for {@link #directWeightGradient}, a [mPad, kPad, L] block of the partial sums. */
    private void directWeightGroup(int group, int worker) {
        Pass p = pass;
        Geometry g = p.g;
        int first = groupStart(g.n(), group, p.groups);
        int last = groupStart(g.n(), group + 1, p.groups);
        int m = p.m;
        int k = p.k;
        int ldp = p.kPad * L;
        int partOff = group * p.mPad * ldp;
        int positions = g.positions();
        int plane = g.c() * g.plane();
        int wp = g.wp();
        int outW = g.outW();
        int outH = g.outH();
        int cols = (g.columns() + L - 1) / L * L;
        int ldg = cols + L;
        float[] rows = panel[worker];
        float[] gy = p.out;
        int[] off = p.tapOffset;
        int full = SgemmKernel.S.loopBound(outW);
        VectorMask<Float> tail = SgemmKernel.S.indexInRange(full, outW);
        for (int img = first; img < last; img++) {
            int gyImage = p.outOff + img * m * positions;
            for (int o = 0; o < m; o++) {
                for (int oi = 0; oi < outH; oi++) {
                    int s = gyImage + o * positions + oi * outW;
                    int d = o * ldg + oi * wp;
                    int j = 0;
                    for (; j < full; j += L) {
                        FloatVector.fromArray(SgemmKernel.S, gy, s + j).intoArray(rows, d + j);
                    }
                    if (j < outW) {
                        FloatVector.fromArray(SgemmKernel.S, gy, s + j, tail).intoArray(rows, d + j);
                    }
                }
            }
            int base = img * plane;
            for (int o = 0; o < m; o += 4) {
                for (int t = 0; t < k; t += 2) {
                    ConvKernels.weight(cols, rows, o * ldg, ldg, padded, base + off[t], base + off[Math.min(t + 1, k - 1)],
                            partials, partOff + o * ldp + t * L, ldp);
                }
            }
        }
    }

    /** The first of the n images in a weight gradient's group (of {@code groups}, fixed by the batch alone). */
    private static int groupStart(int n, int group, int groups) {
        return (int) ((long) n * group / groups);
    }

    /** The groups' partial sums, {@code size} floats each, added in order into the first; returns the partials. */
    private float[] addGroups(int groups, int size) {
        float[] part = partials;
        for (int q = 1; q < groups; q++) {
            int from = q * size;
            for (int i = 0; i < size; i++) {
                part[i] += part[from + i];
            }
        }
        return part;
    }

    /** Depth of a K block for a depth of {@code k}: as {@link VectorSgemm} cuts it. */
    private static int blockDepth(int k) {
        return VectorSgemm.blockDepth(k, VectorSgemm.KC);
    }

    /** The call in progress, read by the tasks (calls are serialized, so tasks allocate nothing). */
    private static final class Pass {
        Geometry g;
        int m;
        int k;
        int kcb;
        int imagePanels;
        int groups;
        /** The direct weight gradient's channels and taps, padded to its blocks of 4 and pairs. */
        int mPad;
        int kPad;
        float[] out;
        int outOff;
        /** The forward's bias, or null. */
        float[] bias;
        int biasOff;
        /** The image {@link #pad} copies from. */
        float[] image;
        int imageOff;
        /** Offset of each tap's run in an image's padded block: ci·plane + ki·dh·wp + kj·dw. */
        int[] tapOffset = new int[0];

        Pass set(Geometry g, int m, int k, int kcb, float[] out, int outOff) {
            this.g = g;
            this.m = m;
            this.k = k;
            this.kcb = kcb;
            this.out = out;
            this.outOff = outOff;
            if (tapOffset.length < k) {
                tapOffset = new int[k];
            }
            int wp = g.wp();
            int plane = g.plane();
            int t = 0;
            for (int ci = 0; ci < g.c(); ci++) {
                for (int ki = 0; ki < g.kh(); ki++) {
                    for (int kj = 0; kj < g.kw(); kj++) {
                        tapOffset[t++] = ci * plane + ki * g.dh() * wp + kj * g.dw();
                    }
                }
            }
            return this;
        }

        void clear() {
            g = null;
            out = null;
            bias = null;
        }
    }

    /**
     * Copies the n·c planes of x into zero-bordered planes of hp × wp, with {@code padLeft + NR} zeros after the
     * last (the last row's taps past its end, a panel's columns past the last position, the vector reads past a
     * run's end and the direct weight gradient's columns rounded up to L read there).
     */
    private void pad(Geometry g, float[] x, int xOff) {
        int slack = g.padLeft() + NR;
        long size = (long) g.n() * g.c() * g.plane() + slack;
        padded = VectorSgemm.grow(padded, size);
        Arrays.fill(padded, (int) size - slack, (int) size, 0f);
        Pass p = pass;
        p.g = g;
        p.image = x;
        p.imageOff = xOff;
        try {
            pool.run((g.n() * g.c() + PLANES_PER_TASK - 1) / PLANES_PER_TASK, padTask);
        } finally {
            p.image = null;
        }
    }

    private static final int PLANES_PER_TASK = 8;

    private final Parallel.WorkerTask padTask = this::padPlanes;

    /** Planes [task·8, task·8 + 8) of {@link #pad}. */
    private void padPlanes(int task, int worker) {
        Pass p = pass;
        Geometry g = p.g;
        float[] x = p.image;
        float[] dst = padded;
        int hp = g.hp();
        int wp = g.wp();
        int h = g.h();
        int w = g.w();
        int left = Math.min(g.padLeft(), wp);
        int width = Math.max(0, Math.min(w, wp - g.padLeft()));
        int end = Math.min(g.n() * g.c(), (task + 1) * PLANES_PER_TASK);
        for (int pl = task * PLANES_PER_TASK; pl < end; pl++) {
            int s = p.imageOff + pl * h * w;
            int d = pl * hp * wp;
            for (int r = 0; r < hp; r++, d += wp) {
                int src = r - g.padTop();
                if (src < 0 || src >= h) {
                    Arrays.fill(dst, d, d + wp, 0f);
                    continue;
                }
                Arrays.fill(dst, d, d + left, 0f);
                System.arraycopy(x, s + src * w, dst, d + left, width);
                Arrays.fill(dst, d + left + width, d + wp, 0f);
            }
        }
    }

    private final Parallel.WorkerTask forwardTask = this::forwardPanels;

    /** Column panels [task·8, task·8 + 8) of the whole batch: each packed once per K block, times every A panel. */
    private void forwardPanels(int task, int worker) {
        Pass p = pass;
        Geometry g = p.g;
        int wp = g.wp();
        int cols = g.columns();
        int positions = g.positions();
        int plane = g.c() * g.plane();
        int mPad = (p.m + MR - 1) / MR * MR;
        float[] pb = panel[worker];
        float[] t = tile[worker];
        int[] to = runs[worker];
        float[] src = padded;
        float[] a = packedA;
        float[] y = p.out;
        int end = Math.min(g.n() * p.imagePanels, (task + 1) * PANELS_PER_TASK);
        for (int q = task * PANELS_PER_TASK; q < end; q++) {
            int img = q / p.imagePanels;
            int j0 = (q % p.imagePanels) * NR;
            int count = runs(j0, cols, wp, g.outW(), to);
            int base = img * plane + j0;
            int yImage = p.outOff + img * p.m * positions;
            for (int pc = 0; pc < p.k; pc += p.kcb) {
                int kcur = Math.min(p.kcb, p.k - pc);
                for (int r = 0, d = 0; r < kcur; r++, d += NR) {
                    int s = base + p.tapOffset[pc + r];
                    SgemmPacking.copyPanelRow(src, s, pb, d);
                }
                for (int i = 0; i < p.m; i += MR) {
                    SgemmKernel.packed(kcur, a, pc * mPad + i * kcur, pb, 0, t);
                    store(t, y, yImage + i * positions, i, to, count, pc, kcur);
                }
            }
        }
    }

    private final Parallel.WorkerTask forwardPositionTask = this::forwardPositionPanels;

    /**
     * As {@link #forwardPanels}, for few taps: a panel is NR output positions of one image, not NR columns. Its
     * positions fall on a few output rows, each a run of the padded plane ({@link #rowRuns}), copied a vector at a
     * time for every tap in turn; a copy's lanes past its run are written over by the next run's, or masked off past
     * the panel row. An image's last panel holds w < NR positions: lanes [w, NR) of its rows keep what an earlier
     * panel left, and only the tile's first w columns are stored. No dropped column is computed, and all but an
     * image's last panel store whole: with 25 taps, 1→16 channels at 28×28 took 0.8-1.4 ms against 1.2-1.9 in
     * column panels (by hand, a throwaway harness, 2 threads, Zen 4). With hundreds of taps it was the
     * slower (16→32 at 14×14 with 5×5: 4.6-5.4 ms against 4.3-4.5), so larger convolutions keep column panels.
     */
    private void forwardPositionPanels(int task, int worker) {
        Pass p = pass;
        Geometry g = p.g;
        int positions = g.positions();
        int plane = g.c() * g.plane();
        int mPad = (p.m + MR - 1) / MR * MR;
        float[] pb = panel[worker];
        float[] t = tile[worker];
        int[] to = runs[worker];
        int[] taps = p.tapOffset;
        float[] src = padded;
        float[] a = packedA;
        float[] y = p.out;
        int end = Math.min(g.n() * p.imagePanels, (task + 1) * PANELS_PER_TASK);
        for (int q = task * PANELS_PER_TASK; q < end; q++) {
            int img = q / p.imagePanels;
            int p0 = (q % p.imagePanels) * NR;
            int w = Math.min(NR, positions - p0);
            int count = rowRuns(p0, w, g.wp(), g.outW(), to);
            int base = img * plane;
            int yPanel = p.outOff + img * p.m * positions + p0;
            int[] stored = WHOLE;
            if (w < NR) {
                stored = tailRun[worker];
                stored[0] = w;
            }
            for (int pc = 0; pc < p.k; pc += p.kcb) {
                int kcur = Math.min(p.kcb, p.k - pc);
                for (int x = 0; x < count; x++) {
                    int length = to[3 * x];
                    int from = base + to[3 * x + 1];
                    int lane = to[3 * x + 2];
                    for (int u = 0; u < length; u += L) {
                        if (lane + u + L <= NR) {
                            for (int r = 0, d = lane + u; r < kcur; r++, d += NR) {
                                FloatVector.fromArray(SgemmKernel.S, src, from + taps[pc + r] + u).intoArray(pb, d);
                            }
                        } else {
                            VectorMask<Float> in = SgemmKernel.S.indexInRange(lane + u, NR);
                            for (int r = 0, d = lane + u; r < kcur; r++, d += NR) {
                                FloatVector.fromArray(SgemmKernel.S, src, from + taps[pc + r] + u).intoArray(pb, d, in);
                            }
                        }
                    }
                }
                for (int i = 0; i < p.m; i += MR) {
                    SgemmKernel.packed(kcur, a, pc * mPad + i * kcur, pb, 0, t);
                    store(t, y, yPanel + i * positions, i, stored, 1, pc, kcur);
                }
            }
        }
    }

    /**
     * Where the columns [j0, j0 + NR) of an image land among its {@code outH·outW} positions, as runs of columns
     * that land one after another (dropped columns, {@code oj ≥ outW} or past the last position, in none): run r
     * is {@code runs[3r]} columns from column {@code runs[3r + 1]} of the panel to position {@code runs[3r + 2]}.
     * Returns the number of runs.
     */
    private static int runs(int j0, int cols, int wp, int outW, int[] runs) {
        int count = 0;
        int x = 0;
        while (x < NR) {
            int j = j0 + x;
            int oj = j % wp;
            if (j >= cols || oj >= outW) {
                x++;
                continue;
            }
            int length = Math.min(Math.min(NR - x, outW - oj), cols - j);
            runs[3 * count] = length;
            runs[3 * count + 1] = x;
            runs[3 * count + 2] = j / wp * outW + oj;
            count++;
            x += length;
        }
        return count;
    }

    /**
     * A forward tile of output channels [i, i + 4) to its runs' positions from {@code y[co]} (as {@link #scatter}
     * reads them; a single run of NR positions from the first is a whole row, {@link SgemmKernel#update}'s), added
     * to what earlier K blocks stored there past the first block (from {@code pc}), and the bias added after the
     * last.
     */
    private void store(float[] t, float[] y, int co, int i, int[] runs, int count, int pc, int kcur) {
        Pass p = pass;
        int positions = p.g.positions();
        int h = Math.min(MR, p.m - i);
        boolean accumulate = pc > 0;
        if (count == 1 && runs[0] == NR) {
            SgemmKernel.update(t, y, co + runs[2], positions, h, NR, 1f, 1f, accumulate);
        } else {
            scatter(t, y, co, positions, h, runs, count, accumulate);
        }
        if (p.bias != null && pc + kcur == p.k) {
            addBias(y, co, positions, h, runs, count, p.bias, p.biasOff + i);
        }
    }

    /**
     * The tile's h rows to their runs' positions (C = tile, or C += tile: the same operations as {@link
     * SgemmKernel#update} with alpha and beta 1), a masked vector at a time.
     */
    private static void scatter(float[] t, float[] c, int co, int ldc, int h, int[] runs, int count,
                                boolean accumulate) {
        for (int r = 0; r < h; r++, co += ldc) {
            for (int q = 0; q < count; q++) {
                int length = runs[3 * q];
                int from = r * NR + runs[3 * q + 1];
                int to = co + runs[3 * q + 2];
                for (int u = 0; u < length; u += L) {
                    VectorMask<Float> lanes = SgemmKernel.S.indexInRange(u, length);
                    FloatVector v = FloatVector.fromArray(SgemmKernel.S, t, from + u, lanes);
                    if (accumulate) {
                        v = v.add(FloatVector.fromArray(SgemmKernel.S, c, to + u, lanes));
                    }
                    v.intoArray(c, to + u, lanes);
                }
            }
        }
    }

    /** A whole panel as one run for {@link #addBias}: NR positions from the panel's first. */
    private static final int[] WHOLE = {NR, 0, 0};

    /**
     * Adds {@code bias[b + r]} to row r of the h just stored at the runs' positions (as {@link #scatter} lays them
     * out: run q {@code runs[3q]} positions from {@code co + runs[3q + 2]}), a masked vector at a time.
     */
    private static void addBias(float[] c, int co, int ldc, int h, int[] runs, int count, float[] bias, int b) {
        for (int r = 0; r < h; r++, co += ldc) {
            float add = bias[b + r];
            for (int q = 0; q < count; q++) {
                int length = runs[3 * q];
                int to = co + runs[3 * q + 2];
                for (int u = 0; u < length; u += L) {
                    VectorMask<Float> lanes = SgemmKernel.S.indexInRange(u, length);
                    FloatVector.fromArray(SgemmKernel.S, c, to + u, lanes).add(add).intoArray(c, to + u, lanes);
                }
            }
        }
    }

    private final Parallel.WorkerTask weightTask = this::weightGroup;

    /**
     * One group of images' partial {@code [taps, m]} (padded to 4 × NR): per image and block of positions, the
     * output channels' gradient is packed as NR-column panels, then each 4-tap panel of the padded image is packed
     * from the block's runs ({@link SgemmPacking#packRuns}) and multiplied by every channel panel.
     */
    private void weightGroup(int group, int worker) {
        Pass p = pass;
        Geometry g = p.g;
        int first = groupStart(g.n(), group, p.groups);
        int last = groupStart(g.n(), group + 1, p.groups);
        int nPad = (p.m + NR - 1) / NR * NR;
        int kPad = (p.k + MR - 1) / MR * MR;
        float[] part = partials;
        int partOff = group * kPad * nPad;
        float[] pb = panel[worker];
        float[] pa = rowPanel[worker];
        float[] t = tile[worker];
        int[] to = runs[worker];
        float[] src = padded;
        float[] gy = p.out;
        int wp = g.wp();
        int outW = g.outW();
        int positions = g.positions();
        int plane = g.c() * g.plane();
        boolean firstBlock = true;
        for (int img = first; img < last; img++) {
            int gyImage = p.outOff + img * p.m * positions;
            for (int p0 = 0; p0 < positions; p0 += p.kcb) {
                int kcur = Math.min(p.kcb, positions - p0);
                int count = rowRuns(p0, kcur, wp, outW, to);
                packGradient(gy, gyImage + p0, p.m, positions, kcur, pb, nPad);
                int base = img * plane;
                for (int tp = 0; tp < p.k; tp += MR) {
                    SgemmPacking.packRuns(src, base, p.tapOffset, tp, Math.min(MR, p.k - tp), to, count, pa);
                    for (int q = 0; q < nPad; q += NR) {
                        SgemmKernel.packed(kcur, pa, 0, pb, q * kcur, t);
                        SgemmKernel.update(t, part, partOff + tp * nPad + q, nPad, MR, NR, 1f, 1f, !firstBlock);
                    }
                }
                firstBlock = false;
            }
        }
    }

    /**
     * The output rows that positions [p0, p0 + w) of an image fall on, as runs of the padded plane: run r is
     * {@code runs[3r]} positions from column {@code runs[3r + 1]}, the {@code runs[3r + 2]}-th of the block. Returns
     * the number of runs.
     */
    private static int rowRuns(int p0, int w, int wp, int outW, int[] runs) {
        int count = 0;
        for (int x = 0; x < w; ) {
            int oi = (p0 + x) / outW;
            int oj = (p0 + x) - oi * outW;
            int length = Math.min(w - x, outW - oj);
            runs[3 * count] = length;
            runs[3 * count + 1] = oi * wp + oj;
            runs[3 * count + 2] = x;
            count++;
            x += length;
        }
        return count;
    }

    /** Whether {@code x[off, off + n)} holds no infinity or NaN (each times 0 summed: 0 unless one does). */
    private static boolean finite(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(SgemmKernel.S);
        int i = 0;
        for (int bound = SgemmKernel.S.loopBound(n); i < bound; i += L) {
            acc = acc.add(FloatVector.fromArray(SgemmKernel.S, x, off + i).mul(0f));
        }
        float rest = 0f;
        for (; i < n; i++) {
            rest += x[off + i] * 0f;
        }
        return acc.reduceLanes(VectorOperators.ADD) + rest == 0f;
    }

    /**
     * Channels [0, m) of one image's gradient at kcur positions from {@code gy[g]} (channels {@code positions} apart),
     * as panels of NR channels (panel q at {@code q·kcur}, kcur rows of NR), zeros for channels past m. Written a
     * row (one position, every channel) at a time: a channel at a time down the panel sent every store to another
     * line, and the weight gradient of 1→16 channels at 28×28 took 2.5-2.9 ms against 2.0-2.2 (16→32 at 14×14: no
     * difference).
     */
    private static void packGradient(float[] gy, int g, int m, int positions, int kcur, float[] dst, int nPad) {
        for (int q = 0; q < nPad; q += NR) {
            int channels = Math.min(NR, m - q);
            int d = q * kcur;
            for (int r = 0; r < kcur; r++, d += NR) {
                int s = g + q * positions + r;
                for (int x = 0; x < channels; x++) {
                    dst[d + x] = gy[s + x * positions];
                }
                Arrays.fill(dst, d + channels, d + NR, 0f);
            }
        }
    }
}
