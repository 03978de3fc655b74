package dev.adjoint.device.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packing for {@link VectorSgemm}, in the layout the kernel streams. K is cut into blocks of
 * {@code kcb} (a multiple of 8; the last block may be shorter, and is zero-padded to {@code kp},
 * the next multiple of 8). For the K block starting at {@code pc}:
 * <ul>
 *   <li>A panel r (rows 4r..4r+3) starts at {@code pc·mPad + r·4·kp}; per group of 8 k it holds
 *       the 4 rows' 8 values, row after row (32 floats).</li>
 *   <li>B panel q (columns 16q..16q+15 of the column block) starts at {@code pc·nPad + q·16·kp} and
 *       holds kp rows of 16.</li>
 * </ul>
 * Rows past m, columns past n and k past the end are zero.
 *
 * <p>Only {@code SPECIES_256} is used, here and in the kernel: code paths of the Vector API shared
 * between two species get a polluted type profile, C2 then fails to intrinsify them and the kernel's
 * FMAs ran boxed, 20x slower (measured with a 128-bit copy in the A packing).
 */
final class SgemmPacking {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final int NR = SgemmKernel.NR;
    private static final int MR = SgemmKernel.MR;
    private static final int KG = SgemmKernel.KG;

    private SgemmPacking() {}

    /** k rounded up to a multiple of 8. */
    static int padK(int k) {
        return (k + KG - 1) / KG * KG;
    }

    /** Packs A panels [r0, r1) of op(A) (m×k), every K block, into dst. */
    static void packA(boolean transA, float[] a, int aOffset, int lda, int m, int k, int kcb, int r0, int r1,
                      float[] dst) {
        int mPad = (m + MR - 1) / MR * MR;
        for (int pc = 0; pc < k; pc += kcb) {
            int kcur = Math.min(kcb, k - pc);
            int kp = padK(kcur);
            for (int r = r0; r < r1; r++) {
                int i = r * MR;
                int d = pc * mPad + r * MR * kp;
                if (transA) {
                    packATransposed(a, aOffset + pc * lda + i, lda, Math.min(MR, m - i), kcur, kp, dst, d);
                } else {
                    for (int x = 0; x < MR; x++) {
                        packARow(a, aOffset + (i + x) * lda + pc, i + x < m, kcur, kp, dst, d + x * KG);
                    }
                }
            }
        }
    }

    /** One row of a panel: kp values (8 per group, groups 32 apart) from a[s...], zeros past kcur. */
    private static void packARow(float[] a, int s, boolean present, int kcur, int kp, float[] dst, int d) {
        int p = 0;
        if (present) {
            for (; p + KG <= kcur; p += KG, d += MR * KG) {
                FloatVector.fromArray(S, a, s + p).intoArray(dst, d);
            }
        }
        for (; p < kp; p += KG, d += MR * KG) {
            for (int x = 0; x < KG; x++) {
                dst[d + x] = present && p + x < kcur ? a[s + p + x] : 0f;
            }
        }
    }

    /** Stored A is k×m: row x of the panel is column x of stored rows s, s+lda, ... */
    private static void packATransposed(float[] a, int s, int lda, int h, int kcur, int kp, float[] dst, int d) {
        for (int p = 0; p < kp; p++) {
            int g = d + p / KG * MR * KG + p % KG;
            int row = s + p * lda;
            for (int x = 0; x < MR; x++) {
                dst[g + x * KG] = x < h && p < kcur ? a[row + x] : 0f;
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
            int kp = padK(kcur);
            int base = pc * nPad;
            int full = transB ? q0 : Math.min(q1, (jEnd - j0) / NR);
            if (full > q0) {
                // Row by row across the panels: each row segment of B is read once, whole lines.
                int s = bOffset + pc * ldb + j0 + q0 * NR;
                for (int p = 0; p < kcur; p++, s += ldb) {
                    for (int q = q0, x = s, d = base + q0 * NR * kp + p * NR; q < full; q++, x += NR, d += NR * kp) {
                        FloatVector.fromArray(S, b, x).intoArray(dst, d);
                        FloatVector.fromArray(S, b, x + 8).intoArray(dst, d + 8);
                    }
                }
            }
            for (int q = q0; q < q1; q++) {
                int j = j0 + q * NR;
                int w = Math.min(NR, jEnd - j);
                int d = base + q * NR * kp;
                if (transB) {
                    packBTransposed(b, bOffset + j * ldb + pc, ldb, kcur, w, dst, d);
                } else if (q >= full) {
                    int s = bOffset + pc * ldb + j;
                    for (int p = 0; p < kcur; p++, s += ldb, d += NR) {
                        for (int x = 0; x < NR; x++) {
                            dst[d + x] = x < w ? b[s + x] : 0f;
                        }
                    }
                }
                int pad = base + q * NR * kp + kcur * NR;
                java.util.Arrays.fill(dst, pad, pad + (kp - kcur) * NR, 0f);
            }
        }
    }

    /** Stored B is n×k: panel column x is the contiguous stored row {@code s + x·ldb}. */
    private static void packBTransposed(float[] b, int s, int ldb, int kcur, int w, float[] dst, int d) {
        for (int x = 0; x < NR; x++) {
            int row = s + x * ldb;
            for (int p = 0; p < kcur; p++) {
                dst[d + p * NR + x] = x < w ? b[row + p] : 0f;
            }
        }
    }
}
