package dev.adjoint.device.opencl;

import dev.adjoint.device.DType;

/**
 * Launchers of {@code gemm.cl}: the tiled kernels (one per transpose pair), the naive baseline and C·beta.
 * BF16 or F16 A and B (C is always F32) are first widened, exactly, into the device's F32 scratch
 * ({@link ClConvert#widenMatrix}) packed from offset 0 with the stored column count as leading
 * dimension, and the kernels multiply those floats: every product of two 16-bit values is exact in
 * float32 and the sums accumulate in float32, as on the CPU. Only a product that is computed reads
 * A and B: with m or n 0 nothing happens, with k 0 or alpha 0 C is scaled by beta, for every dtype.
 */
final class ClGemm {
    /** Work-group side of the naive and scaling kernels. */
    private static final int NAIVE_LOCAL = 16;
    /** The tiled kernels by transposes, index (transA ? 2 : 0) + (transB ? 1 : 0): no name built per call. */
    private static final String[] KERNELS = {"gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt"};

    private final OpenClDevice device;
    private final GemmConfig config;
    private final ClConvert convert;

    ClGemm(OpenClDevice device, GemmConfig config, ClConvert convert) {
        this.device = device;
        this.config = config;
        this.convert = convert;
    }

    void tiled(boolean ta, boolean tb, int m, int n, int k, float alpha, OpenClBuffer a, long aOff, int lda,
               OpenClBuffer b, long bOff, int ldb, float beta, OpenClBuffer c, long cOff, int ldc) {
        product(false, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    void naive(boolean ta, boolean tb, int m, int n, int k, float alpha, OpenClBuffer a, long aOff, int lda,
               OpenClBuffer b, long bOff, int ldb, float beta, OpenClBuffer c, long cOff, int ldc) {
        product(true, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private void product(boolean naive, boolean ta, boolean tb, int m, int n, int k, float alpha, OpenClBuffer a,
                         long aOff, int lda, OpenClBuffer b, long bOff, int ldb, float beta, OpenClBuffer c,
                         long cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        if (a.dtype() != DType.F32) {
            int aCols = ta ? m : k;
            int bCols = tb ? k : n;
            a = convert.widenMatrix(0, "A", a, aOff, lda, ta ? k : m, aCols);
            b = convert.widenMatrix(1, "B", b, bOff, ldb, tb ? n : k, bCols);
            aOff = 0;
            lda = aCols;
            bOff = 0;
            ldb = bCols;
        }
        int la = lda, lb = ldb;                            // as the kernel gets them, for the message
        if (naive) {
            device.launch("gemm_naive", () -> describe("gemm_naive", ta, tb, m, n, k, la, lb, ldc))
                    .i(ta).i(tb).i(m).i(n).i(k).f(alpha).mem(a).l(aOff).i(lda).mem(b).l(bOff).i(ldb).f(beta).mem(c)
                    .l(cOff).i(ldc).run2d(n, m, NAIVE_LOCAL, NAIVE_LOCAL);
        } else {
            String name = KERNELS[(ta ? 2 : 0) + (tb ? 1 : 0)];
            device.launch(name, () -> describe(name, ta, tb, m, n, k, la, lb, ldc))
                    .i(m).i(n).i(k).f(alpha).mem(a).l(aOff).i(lda).mem(b).l(bOff).i(ldb).f(beta).mem(c).l(cOff).i(ldc)
                    .run2d((long) ceilDiv(n, config.blockN()) * config.wx(),
                            (long) ceilDiv(m, config.blockM()) * config.wy(), config.wx(), config.wy());
        }
    }

    private void scale(int m, int n, float beta, OpenClBuffer c, long cOff, int ldc) {
        device.launch("gemm_scale", () -> "gemm C = beta*C [" + m + "x" + n + ", ldc=" + ldc + "]")
                .i(m).i(n).f(beta).mem(c).l(cOff).i(ldc).run2d(n, m, NAIVE_LOCAL, NAIVE_LOCAL);
    }

    private static String describe(String kernel, boolean ta, boolean tb, int m, int n, int k, int lda, int ldb, int ldc) {
        return kernel + " [op(A) " + m + "x" + k + (ta ? " (A transposed)" : "") + ", op(B) " + k + "x" + n
                + (tb ? " (B transposed)" : "") + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc + "]";
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }
}
