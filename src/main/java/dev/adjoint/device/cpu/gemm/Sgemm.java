package dev.adjoint.device.cpu.gemm;

/**
 * Single-precision GEMM on Java arrays, row-major:
 * {@code C = alpha·op(A)·op(B) + beta·C} with op(A) m×k and op(B) k×n. With {@code transA} the
 * stored A is k×m; with {@code transB} the stored B is n×k. When {@code beta == 0}, C is not read.
 * Arguments are validated by the caller.
 */
public interface Sgemm {
    void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
              float[] a, int aOffset, int lda,
              float[] b, int bOffset, int ldb,
              float beta, float[] c, int cOffset, int ldc);

    /** What this implementation is, for {@code adjoint devices}. */
    String name();

    /** The fastest implementation this JVM can run. */
    static Sgemm create(dev.adjoint.device.cpu.Parallel pool) {
        return new ScalarSgemm(pool);
    }
}
