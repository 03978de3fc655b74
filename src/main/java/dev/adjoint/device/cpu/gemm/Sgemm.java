package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.CpuVectors;
import dev.adjoint.device.cpu.Parallel;

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

    /**
     * The fastest implementation this JVM can run: {@link VectorSgemm} at the width of
     * {@link CpuVectors} when the Vector API is in use, else {@link ScalarSgemm} (CpuVectors has
     * then warned once how to enable the fast path).
     */
    static Sgemm create(Parallel pool) {
        return CpuVectors.available() ? new VectorSgemm(pool) : new ScalarSgemm(pool);
    }
}
