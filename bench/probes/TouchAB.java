package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Probe: 1-thread GEMM (the t == 1 path of VectorSgemm, no transposes) with and without touching,
 * inside the kernel's k loop, one float a step of the next B panel's slice (1/16 of the panel per
 * kernel call), so that the next panel's first pass finds it in L2. Alternates variants round by round.
 * usage: TouchAB rounds MxKxN...
 *
 * <p>Not built by Maven. Run against the project's classes (it uses package-private SgemmPacking):
 * <pre>
 *   ./mvnw -q compile && mkdir -p /tmp/touch
 *   javac --add-modules jdk.incubator.vector -cp target/classes -d /tmp/touch \
 *       bench/probes/TouchAB.java bench/probes/ProbeRounds.java
 *   java --add-modules jdk.incubator.vector -cp /tmp/touch:target/classes \
 *       dev.adjoint.device.cpu.gemm.TouchAB 30 1024x1024x1024 128x784x256
 * </pre>
 * Result: bench/NOTES-gemm.md item 27, raw log results/cpu-gemm-slow-phase/touch-in-kernel-ab-1thread.txt.
 */
public final class TouchAB {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    static final int MR = 4, NR = 16;

    static void kernel(int kc, float[] a, int ao, float[] b, int bo, int to, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        if (kc < 1 || bo < 0 || bo + kc * NR > b.length || ao < 0 || ao + kc * MR > a.length
                || tile.length < MR * NR + 1 || to < 0 || to + kc > b.length) {
            throw new IndexOutOfBoundsException("kernel");
        }
        float sink = 0f;
        int aEnd = ao + kc * MR;
        for (int ap = ao, bp = bo, tp = to; ap < aEnd; ap += MR, bp += NR, tp++) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + 8);
            sink += b[tp];
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        tile[MR * NR] = sink;
        c00.intoArray(tile, 0);
        c01.intoArray(tile, 8);
        c10.intoArray(tile, 16);
        c11.intoArray(tile, 24);
        c20.intoArray(tile, 32);
        c21.intoArray(tile, 40);
        c30.intoArray(tile, 48);
        c31.intoArray(tile, 56);
    }

    /** 1-thread copy of VectorSgemm (mc 64, kc 1024, one column block), kernel chosen by touch. */
    static final class Copy {
        final boolean touch;
        float[] pa = new float[0], pb = new float[0];
        final float[] tile = new float[MR * NR + 1];
        Copy(boolean touch) { this.touch = touch; }

        void gemm(int m, int n, int k, float[] a, float[] b, float[] c) {
            int kc = 1024, mc = 64;
            int kBlocks = (k + kc - 1) / kc;
            int kcb = (k + kBlocks - 1) / kBlocks;
            int mPanels = (m + MR - 1) / MR, nPanels = (n + NR - 1) / NR;
            if (pa.length < mPanels * MR * k) pa = new float[mPanels * MR * k];
            if (pb.length < nPanels * NR * k) pb = new float[nPanels * NR * k];
            SgemmPacking.packA(false, a, 0, k, m, k, kcb, 0, mPanels, pa);
            SgemmPacking.packB(false, b, 0, n, k, kcb, 0, n, 0, nPanels, pb);
            int mPad = mPanels * MR, nPad = nPanels * NR, mcPanels = mc / MR;
            for (int pc = 0; pc < k; pc += kcb) {
                int kcur = Math.min(kcb, k - pc);
                boolean loadC = pc > 0;
                float bet = pc > 0 ? 1f : 0f;
                for (int ic = 0; ic < mPanels; ic += mcPanels) {
                    int icEnd = Math.min(mPanels, ic + mcPanels);
                    for (int q = 0; q < nPanels; q++) {
                        int j = q * NR;
                        int w = Math.min(NR, n - j);
                        int bo = pc * nPad + q * NR * kcur;
                        int next = pc * nPad + (q + 1 < nPanels ? q + 1 : 0) * NR * kcur;
                        for (int r = ic; r < icEnd; r++) {
                            int i = r * MR;
                            if (touch) {
                                kernel(kcur, pa, pc * mPad + r * MR * kcur, pb, bo, next + ((r - ic) % NR) * kcur, tile);
                            } else {
                                SgemmKernel.packed(kcur, pa, pc * mPad + r * MR * kcur, pb, bo, tile);
                            }
                            SgemmKernel.update(tile, c, i * n + j, n, Math.min(MR, m - i), w, 1f, bet, loadC);
                        }
                    }
                }
            }
        }
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        Parallel pool = new Parallel(1);
        VectorSgemm real = new VectorSgemm(pool);
        Copy base = new Copy(false), touch = new Copy(true);
        for (int s = 1; s < args.length; s++) {
            ProbeRounds.Operands o = ProbeRounds.Operands.of(args[s]);
            int m = o.m(), k = o.k(), n = o.n();
            float[] a = o.a(), b = o.b();
            float[] c0 = new float[m * n], c1 = new float[m * n], c2 = new float[m * n];
            real.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, 0, n);
            base.gemm(m, n, k, a, b, c1);
            touch.gemm(m, n, k, a, b, c2);
            System.out.println(args[s] + ": copy==real " + Arrays.equals(c0, c1) + ", touch==real " + Arrays.equals(c0, c2));
            if (!Arrays.equals(c0, c1) || !Arrays.equals(c0, c2)) {
                throw new AssertionError(args[s] + ": a variant computed other bits than VectorSgemm");
            }
            String[] names = {"real", "base", "touch"};
            double[][] rows = ProbeRounds.run(rounds, 2, 2.0 * m * n * k, names,
                    () -> real.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, 0, n),
                    () -> base.gemm(m, n, k, a, b, c1), () -> touch.gemm(m, n, k, a, b, c2));
            for (int v = 0; v < names.length; v++) {
                System.out.printf("%s %-5s median %6.1f, paired vs base %.3f%n", args[s], names[v],
                        ProbeRounds.median(rows, v, -1), ProbeRounds.median(rows, v, 1));
            }
        }
        pool.close();
    }
}
