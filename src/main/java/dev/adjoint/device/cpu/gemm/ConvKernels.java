package dev.adjoint.device.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels of {@link ImplicitConv} for a convolution of few taps, which read the padded image in place instead
 * of packing it: with few taps a packed panel is used for too little arithmetic to pay for its packing and for
 * each call's tile traffic. A tap's run along an output row is contiguous in the padded plane (see
 * {@link ImplicitConv}), so each kernel step loads it at {@code row + tapOffset} as vectors.
 *
 * <p>As in {@link SgemmKernel}, each kernel checks its bounds up front, which names the indices when a caller is
 * wrong and keeps the kernel's bytecode above C2's inlining size, so that C2 compiles it on its own.
 */
final class ConvKernels {
    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int L = SgemmKernel.L;
    private ConvKernels() {}

    /**
     * Four output channels' gradients times two taps over one image's columns, added lane by lane to {@code part}:
     * lane {@code l} of {@code part[po + r·ldp + q·L + l]} gains {@code Σ_j gy[g + r·ldg + j]·src[s_q + j]} over the
     * columns {@code j ≡ l} (mod L) of {@code [0, cols)}, cols a multiple of L.
     */
    static void weight(int cols, float[] gy, int g, int ldg, float[] src, int s0, int s1, float[] part, int po,
                       int ldp) {
        if (cols < L || cols % L != 0 || g < 0 || g + 3 * ldg + cols > gy.length || Math.min(s0, s1) < 0
                || Math.max(s0, s1) + cols > src.length || po < 0 || po + 3 * ldp + 2 * L > part.length) {
            throw new IndexOutOfBoundsException("conv weight kernel: " + cols + " columns from gradient rows at " + g
                    + " (apart by " + ldg + ") and taps at " + s0 + ", " + s1 + ", sums at " + po + " (rows of " + ldp
                    + ") do not fit arrays of " + gy.length + ", " + src.length + " and " + part.length);
        }
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int g1 = g + ldg;
        int g2 = g1 + ldg;
        int g3 = g2 + ldg;
        for (int j = 0; j < cols; j += L) {
            FloatVector p0 = FloatVector.fromArray(S, src, s0 + j);
            FloatVector p1 = FloatVector.fromArray(S, src, s1 + j);
            FloatVector d = FloatVector.fromArray(S, gy, g + j);
            c00 = d.fma(p0, c00);
            c01 = d.fma(p1, c01);
            d = FloatVector.fromArray(S, gy, g1 + j);
            c10 = d.fma(p0, c10);
            c11 = d.fma(p1, c11);
            d = FloatVector.fromArray(S, gy, g2 + j);
            c20 = d.fma(p0, c20);
            c21 = d.fma(p1, c21);
            d = FloatVector.fromArray(S, gy, g3 + j);
            c30 = d.fma(p0, c30);
            c31 = d.fma(p1, c31);
        }
        add(c00, c01, part, po);
        add(c10, c11, part, po + ldp);
        add(c20, c21, part, po + 2 * ldp);
        add(c30, c31, part, po + 3 * ldp);
    }

    private static void add(FloatVector v0, FloatVector v1, float[] part, int o) {
        FloatVector.fromArray(S, part, o).add(v0).intoArray(part, o);
        FloatVector.fromArray(S, part, o + L).add(v1).intoArray(part, o + L);
    }
}
