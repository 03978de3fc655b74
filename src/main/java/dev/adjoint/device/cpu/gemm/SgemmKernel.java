package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.CpuSpecies;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 4×NR FMA micro-kernel of {@link VectorSgemm}: a 4-row sliver of A times a packed NR-column
 * panel of B, accumulated over {@code kc} in eight vector registers (2 B loads, 4 A broadcasts,
 * 8 FMAs per step), NR being two vectors of the process's one width ({@link CpuSpecies}): 4×8 at
 * 128 bits, 4×16 at 256, 4×32 at 512. Eight accumulators is what C2 keeps in registers on AVX2
 * without spilling; wider tiles (6×16, 4×24) measured at less than half the speed there.
 *
 * <p>The packed B panel holds {@code kc} rows of NR floats, the packed A panel {@code kc} groups of
 * 4. The kernel writes the raw sums to a 4×NR tile; {@link #update} then applies alpha and beta to
 * C, so every element of C is computed by the same operations whichever thread or tile it falls in.
 * (Reading row-major A in place, unpacked, measured 5-7% slower than packing it.)
 *
 * <p>Each kernel checks its bounds up front. Besides naming the indices when a caller is wrong, the
 * check keeps the kernel's bytecode above C2's {@code FreqInlineSize} (325 bytes), so C2 compiles it
 * on its own rather than inlining it into a caller: inlined into a large caller, the Vector API calls
 * overflowed C2's node budget, stayed boxed, and the kernel ran 20x slower (measured).
 *
 * <p>The k loop walks A and B with their own indices ({@code ap += 4, bp += NR}) and ends on B's
 * ({@code bp < bEnd}). Ended on A's index, as it was until this was found, C2 compiled the loop well
 * under the JVM's default collector (G1), but under the Serial and Parallel collectors (Serial is the
 * JVM's pick on one CPU or under 1792 MiB) it ran short of general registers and moved B's array
 * reference to a vector register and back every step: the 1-thread GEMM ran at 0.67-0.70 of numpy
 * there against 0.92-0.95 under G1. Ended on B's index, C2 keeps two range checks on A in the loop
 * (25 instructions a step against 19) and the GEMM ran at 0.92-0.98 of numpy under all three
 * collectors (bench/NOTES-gemm.md; measured on JDK 25.0.3, AVX2). Counting steps
 * ({@code p < kc}) also ran at full speed under all three, but its Serial-GC loop reads the limit
 * from the stack every step, and in the host's slow phases it had measured 50 GFLOP/s from L1
 * against 54 for separate indices. C2 does not unroll the loop, and unrolled by hand or
 * with a higher {@code LoopUnrollLimit} it hoists every step's loads to the top and spills
 * accumulators (half speed), so the single step stays.
 */
final class SgemmKernel {
    static final VectorSpecies<Float> S = CpuSpecies.FLOAT;
    /** Floats a vector. */
    static final int L = S.length();
    static final int MR = 4;
    static final int NR = 2 * L;

    private SgemmKernel() {}

    /** A packed at {@code ao} as {@code kc} groups of 4 (one per k), B packed at {@code bo}. */
    static void packed(int kc, float[] a, int ao, float[] b, int bo,
                       float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        if (kc < 1 || bo < 0 || bo + kc * NR > b.length || ao < 0 || ao + kc * MR > a.length
                || tile.length < MR * NR || tile == a || tile == b) {
            throw new IndexOutOfBoundsException("sgemm kernel: k=" + kc + ", A at " + ao + ", B at " + bo
                    + " do not fit arrays of " + a.length + " and " + b.length + ", or the tile aliases them");
        }
        int bEnd = bo + kc * NR;
        for (int ap = ao, bp = bo; bp < bEnd; ap += MR, bp += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + L);
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
        spill(tile, c00, c01, c10, c11, c20, c21, c30, c31);
    }

    /** Writes the accumulators to {@code tile} rows of NR (kept apart from the update: C2's node budget). */
    private static void spill(float[] t, FloatVector c00, FloatVector c01, FloatVector c10, FloatVector c11,
                              FloatVector c20, FloatVector c21, FloatVector c30, FloatVector c31) {
        c00.intoArray(t, 0);
        c01.intoArray(t, L);
        c10.intoArray(t, 2 * L);
        c11.intoArray(t, 3 * L);
        c20.intoArray(t, 4 * L);
        c21.intoArray(t, 5 * L);
        c30.intoArray(t, 6 * L);
        c31.intoArray(t, 7 * L);
    }

    /**
     * {@code C = alpha·tile + beta·C} over the h×w corner of the tile when {@code loadC}, else
     * {@code C = alpha·tile} without reading C. Full tiles go through vectors, edge tiles through
     * scalars: the same IEEE multiply then add per element, so both give the same bits.
     */
    static void update(float[] t, float[] c, int co, int ldc, int h, int w,
                       float alpha, float beta, boolean loadC) {
        if (h == MR && w == NR) {
            for (int r = 0; r < MR; r++, co += ldc) {
                FloatVector v0 = FloatVector.fromArray(S, t, r * NR).mul(alpha);
                FloatVector v1 = FloatVector.fromArray(S, t, r * NR + L).mul(alpha);
                if (loadC) {
                    v0 = v0.add(FloatVector.fromArray(S, c, co).mul(beta));
                    v1 = v1.add(FloatVector.fromArray(S, c, co + L).mul(beta));
                }
                v0.intoArray(c, co);
                v1.intoArray(c, co + L);
            }
            return;
        }
        for (int r = 0; r < h; r++, co += ldc) {
            for (int j = 0; j < w; j++) {
                float v = alpha * t[r * NR + j];
                c[co + j] = loadC ? v + beta * c[co + j] : v;
            }
        }
    }
}
