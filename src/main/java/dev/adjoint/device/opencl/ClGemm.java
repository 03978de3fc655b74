package dev.adjoint.device.opencl;

/** Launchers of {@code gemm.cl}: the tiled kernels (one per transpose pair), the naive baseline and C·beta. */
final class ClGemm {
    /** Work-group side of the naive and scaling kernels. */
    private static final int NAIVE_LOCAL = 16;
    /** The tiled kernels by transposes, index (transA ? 2 : 0) + (transB ? 1 : 0): no name built per call. */
    private static final String[] KERNELS = {"gemm_nn", "gemm_nt", "gemm_tn", "gemm_tt"};

    private final OpenClDevice device;
    private final GemmConfig config;

    ClGemm(OpenClDevice device, GemmConfig config) {
        this.device = device;
        this.config = config;
    }

    void tiled(boolean ta, boolean tb, int m, int n, int k, float alpha, OpenClBuffer a, long aOff, int lda,
               OpenClBuffer b, long bOff, int ldb, float beta, OpenClBuffer c, long cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        String name = KERNELS[(ta ? 2 : 0) + (tb ? 1 : 0)];
        device.launch(name, () -> describe(name, ta, tb, m, n, k, lda, ldb, ldc))
                .i(m).i(n).i(k).f(alpha).mem(a).l(aOff).i(lda).mem(b).l(bOff).i(ldb).f(beta).mem(c).l(cOff).i(ldc)
                .run2d((long) ceilDiv(n, config.blockN()) * config.wx(), (long) ceilDiv(m, config.blockM()) * config.wy(),
                        config.wx(), config.wy());
    }

    void naive(boolean ta, boolean tb, int m, int n, int k, float alpha, OpenClBuffer a, long aOff, int lda,
               OpenClBuffer b, long bOff, int ldb, float beta, OpenClBuffer c, long cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scale(m, n, beta, c, cOff, ldc);
            return;
        }
        device.launch("gemm_naive", () -> describe("gemm_naive", ta, tb, m, n, k, lda, ldb, ldc))
                .i(ta).i(tb).i(m).i(n).i(k).f(alpha).mem(a).l(aOff).i(lda).mem(b).l(bOff).i(ldb).f(beta).mem(c).l(cOff)
                .i(ldc).run2d(n, m, NAIVE_LOCAL, NAIVE_LOCAL);
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
