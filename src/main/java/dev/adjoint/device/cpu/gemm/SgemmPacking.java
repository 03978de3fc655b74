package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.CpuVectors;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing for {@link VectorSgemm}, in the layout the kernel streams: K is cut into blocks of
 * {@code kcb} (the last may be shorter); the K block starting at {@code pc} with depth
 * {@code kcur} holds, for A, panel r (rows 4r..4r+3) at {@code pc·mPad + r·4·kcur} as
 * {@code kcur} groups of 4, and for B, panel q (columns NR·q..NR·q+NR-1 of the column block) at
 * {@code pc·nPad + q·NR·kcur} as {@code kcur} rows of NR. Rows past m and columns past n are zero.
 *
 * <p>Only the kernel's species is used: code paths of the Vector API shared between two species get
 * a polluted type profile, C2 then fails to intrinsify them and the kernel's FMAs ran boxed, 20x
 * slower (measured with a 128-bit copy in the A packing; see {@link CpuVectors}).
 */
final class SgemmPacking {
    private static final VectorSpecies<Float> S = SgemmKernel.S;
    private static final int L = SgemmKernel.L;
    private static final int NR = SgemmKernel.NR;
    private static final int MR = SgemmKernel.MR;

    private SgemmPacking() {}

    /** Packs A panels [r0, r1) of op(A) (m×k), every K block, into dst. */
    static void packA(boolean transA, float[] a, int aOffset, int lda, int m, int k, int kcb, int r0, int r1,
                      float[] dst) {
        int mPad = (m + MR - 1) / MR * MR;
        for (int pc = 0; pc < k; pc += kcb) {
            int kcur = Math.min(kcb, k - pc);
            int base = pc * mPad;
            if (transA) {
                packATransposed(a, aOffset + pc * lda, lda, m, kcur, r0, r1, dst, base);
                continue;
            }
            for (int r = r0; r < r1; r++) {
                int i = r * MR;
                int d = base + r * MR * kcur;
                int s0 = aOffset + i * lda + pc;
                if (i + MR <= m) {
                    four(a, s0, s0 + lda, s0 + 2 * lda, s0 + 3 * lda, kcur, dst, d);
                } else {
                    for (int p = 0; p < kcur; p++, d += MR) {
                        for (int x = 0; x < MR; x++) {
                            dst[d + x] = i + x < m ? a[s0 + x * lda + p] : 0f;
                        }
                    }
                }
            }
        }
    }

    /** {@code kcur} floats of four rows (starting at s0..s3) as {@code kcur} groups of 4 at {@code dst[d..)}. */
    private static void four(float[] a, int s0, int s1, int s2, int s3, int kcur, float[] dst, int d) {
        int p = 0;
        for (; p + L <= kcur; p += L, d += L * MR) {
            transpose4(a, s0 + p, s1 + p, s2 + p, s3 + p, dst, d);
        }
        for (; p < kcur; p++, d += MR) {
            dst[d] = a[s0 + p];
            dst[d + 1] = a[s1 + p];
            dst[d + 2] = a[s2 + p];
            dst[d + 3] = a[s3 + p];
        }
    }

    /**
     * L k (one vector) of four rows (starting at s0..s3) into L groups of four at d: a 4×L to L×4
     * transpose in two rounds of two-vector shuffles (interleave pairs of rows, then pairs of pairs).
     * Measured at 256 bits on 128×784 A: 0.26 ns per float against 0.70 for four scalar loads and
     * stores per k.
     */
    private static void transpose4(float[] a, int s0, int s1, int s2, int s3, float[] dst, int d) {
        FloatVector x0 = FloatVector.fromArray(S, a, s0);
        FloatVector x1 = FloatVector.fromArray(S, a, s1);
        FloatVector x2 = FloatVector.fromArray(S, a, s2);
        FloatVector x3 = FloatVector.fromArray(S, a, s3);
        // rows x0 = a0.., x1 = b0..: ab0 = a0 b0 a1 b1 .. of the first L/2 k, ab1 of the last L/2
        FloatVector ab0 = x0.rearrange(PAIRS_LO, x1), ab1 = x0.rearrange(PAIRS_HI, x1);
        FloatVector cd0 = x2.rearrange(PAIRS_LO, x3), cd1 = x2.rearrange(PAIRS_HI, x3);
        // then a0 b0 c0 d0 a1 b1 c1 d1 ..: L/4 k a vector, in k order
        ab0.rearrange(QUADS_LO, cd0).intoArray(dst, d);
        ab0.rearrange(QUADS_HI, cd0).intoArray(dst, d + L);
        ab1.rearrange(QUADS_LO, cd1).intoArray(dst, d + 2 * L);
        ab1.rearrange(QUADS_HI, cd1).intoArray(dst, d + 3 * L);
    }

    /**
     * Two-vector shuffles: an index i in [L, 2L) picks lane i - L of the second vector. PAIRS
     * interleave lanes of two vectors (half h: lanes h·L/2 .. of each), QUADS interleave pairs of
     * lanes (half h: pairs h·L/4 .. of each).
     */
    private static final VectorShuffle<Float> PAIRS_LO = interleave(1, 0);
    private static final VectorShuffle<Float> PAIRS_HI = interleave(1, 1);
    private static final VectorShuffle<Float> QUADS_LO = interleave(2, 0);
    private static final VectorShuffle<Float> QUADS_HI = interleave(2, 1);

    /** Groups of {@code g} lanes taken in turn from the two vectors, starting at half {@code h} of each. */
    private static VectorShuffle<Float> interleave(int g, int h) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            int group = i / g;
            int src = h * L / 2 + group / 2 * g + i % g;
            idx[i] = group % 2 == 0 ? src : L + src;
        }
        return VectorShuffle.fromValues(S, idx);
    }

    /**
     * One row of a B panel from a contiguous run: the NR floats at {@code s} to {@code dst[d..d + NR)} (the
     * implicit convolution's tap rows, {@link ImplicitConv}).
     */
    static void copyPanelRow(float[] src, int s, float[] dst, int d) {
        FloatVector.fromArray(S, src, s).intoArray(dst, d);
        FloatVector.fromArray(S, src, s + L).intoArray(dst, d + L);
    }

    /**
     * An A panel of {@code rows} (at most 4) rows, row i the runs of {@code src} at {@code base + offsets[r0 + i]}
     * (run x: {@code runs[3x]} floats from {@code runs[3x + 1]}, to k {@code runs[3x + 2]}), as groups of 4 at
     * {@code dst[0..)}; rows past {@code rows} are zero. Four rows are transposed a whole vector at a time: past a
     * run's end the groups get the floats that follow it, until the next run writes over them or past the last
     * run's, so {@code dst} and {@code src} need L − 1 groups and floats of slack.
     */
    static void packRuns(float[] src, int base, int[] offsets, int r0, int rows, int[] runs, int count, float[] dst) {
        if (rows == MR) {
            int s0 = base + offsets[r0];
            int s1 = base + offsets[r0 + 1];
            int s2 = base + offsets[r0 + 2];
            int s3 = base + offsets[r0 + 3];
            for (int x = 0; x < count; x++) {
                int length = runs[3 * x];
                int c = runs[3 * x + 1];
                for (int p = 0, d = runs[3 * x + 2] * MR; p < length; p += L, d += L * MR) {
                    transpose4(src, s0 + c + p, s1 + c + p, s2 + c + p, s3 + c + p, dst, d);
                }
            }
            return;
        }
        for (int x = 0; x < count; x++) {
            int length = runs[3 * x];
            int c = base + runs[3 * x + 1];
            for (int p = 0, d = runs[3 * x + 2] * MR; p < length; p++, d += MR) {
                for (int i = 0; i < MR; i++) {
                    dst[d + i] = i < rows ? src[c + offsets[r0 + i] + p] : 0f;
                }
            }
        }
    }

    /**
     * Stored A is k×m. Each stored row is read once, contiguously, and scattered to the panels
     * (reading panel by panel strides by lda and thrashes the cache when lda is a power of 2).
     */
    private static void packATransposed(float[] a, int s0, int lda, int m, int kcur, int r0, int r1,
                                        float[] dst, int base) {
        int full = Math.min(r1, m / MR);
        int panel = MR * kcur;
        for (int p = 0; p < kcur; p++) {
            int s = s0 + p * lda;
            int d = base + r0 * panel + p * MR;
            int r = r0;
            for (; r < full; r++, d += panel) {
                int i = s + r * MR;
                dst[d] = a[i];
                dst[d + 1] = a[i + 1];
                dst[d + 2] = a[i + 2];
                dst[d + 3] = a[i + 3];
            }
            for (; r < r1; r++, d += panel) {
                for (int x = 0; x < MR; x++) {
                    dst[d + x] = r * MR + x < m ? a[s + r * MR + x] : 0f;
                }
            }
        }
    }

    /**
     * Packs B panels [q0, q1) of the column block starting at column j0 and ending before jEnd,
     * every K block, into dst.
     */
    static void packB(boolean transB, float[] b, int bOffset, int ldb, int k, int kcb, int j0, int jEnd,
                      int q0, int q1, float[] dst) {
        int nPad = (jEnd - j0 + NR - 1) / NR * NR;
        for (int pc = 0; pc < k; pc += kcb) {
            int kcur = Math.min(kcb, k - pc);
            for (int q = q0; q < q1; q++) {
                int j = j0 + q * NR;
                int w = Math.min(NR, jEnd - j);
                int d = pc * nPad + q * NR * kcur;
                if (transB) {
                    packBTransposed(b, bOffset + j * ldb + pc, ldb, kcur, w, dst, d);
                } else if (w == NR) {
                    int s = bOffset + pc * ldb + j;
                    for (int p = 0; p < kcur; p++, s += ldb, d += NR) {
                        FloatVector.fromArray(S, b, s).intoArray(dst, d);
                        FloatVector.fromArray(S, b, s + L).intoArray(dst, d + L);
                    }
                } else {
                    int s = bOffset + pc * ldb + j;
                    for (int p = 0; p < kcur; p++, s += ldb, d += NR) {
                        for (int x = 0; x < NR; x++) {
                            dst[d + x] = x < w ? b[s + x] : 0f;
                        }
                    }
                }
            }
        }
    }

    /**
     * Stored B is n×k: panel column x is the contiguous stored row {@code s + x·ldb}. Done in slices
     * of {@value #T_SLICE} k: a slice of the panel (4 KiB at NR = 16) stays in L1 while the NR rows
     * are scattered into it; a whole panel at once (kcur·NR·4 bytes, 50 KiB at NR = 16 and k = 784) did not fit,
     * and every store went to L2.
     */
    private static void packBTransposed(float[] b, int s, int ldb, int kcur, int w, float[] dst, int d) {
        for (int p0 = 0; p0 < kcur; p0 += T_SLICE) {
            int p1 = Math.min(kcur, p0 + T_SLICE);
            for (int x = 0; x < NR; x++) {
                int row = s + x * ldb;
                for (int p = p0; p < p1; p++) {
                    dst[d + p * NR + x] = x < w ? b[row + p] : 0f;
                }
            }
        }
    }

    private static final int T_SLICE = 64;
}
