package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;

/**
 * Plain-Java GEMM: the path taken when {@code jdk.incubator.vector} is absent. Rows of C are
 * split across the pool.
 */
public final class ScalarSgemm implements Sgemm {
    private static final int ROWS_PER_TASK = 16;
    private final Parallel pool;

    public ScalarSgemm(Parallel pool) {
        this.pool = pool;
    }

    @Override
    public String name() {
        return "scalar Java (" + pool.threads() + " threads)";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                     float beta, float[] c, int cOffset, int ldc) {
        int tasks = (m + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        long work = (long) m * n * k;
        if (work < 64 * 64 * 64) {
            for (int t = 0; t < tasks; t++) {
                rows(t, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            }
            return;
        }
        pool.run(tasks, t -> rows(t, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb,
                beta, c, cOffset, ldc));
    }

    private static void rows(int task, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOffset, int lda, float[] b, int bOffset, int ldb,
                             float beta, float[] c, int cOffset, int ldc) {
        int i0 = task * ROWS_PER_TASK;
        int i1 = Math.min(m, i0 + ROWS_PER_TASK);
        float[] acc = new float[n];
        for (int i = i0; i < i1; i++) {
            java.util.Arrays.fill(acc, 0f);
            for (int p = 0; p < k; p++) {
                float aip = transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p];
                if (transB) {
                    int bp = bOffset + p;
                    for (int j = 0; j < n; j++) {
                        acc[j] += aip * b[bp + j * ldb];
                    }
                } else {
                    int bp = bOffset + p * ldb;
                    for (int j = 0; j < n; j++) {
                        acc[j] += aip * b[bp + j];
                    }
                }
            }
            int ci = cOffset + i * ldc;
            for (int j = 0; j < n; j++) {
                c[ci + j] = beta == 0f ? alpha * acc[j] : alpha * acc[j] + beta * c[ci + j];
            }
        }
    }
}
