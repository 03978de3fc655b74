package dev.adjoint.device.cpu.gemm;

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
     * The fastest implementation this JVM can run: {@link VectorSgemm} when the module
     * {@code jdk.incubator.vector} is in the boot layer and the CPU has 256-bit vectors, else
     * {@link ScalarSgemm}, with one warning saying how to enable the fast path.
     */
    static Sgemm create(Parallel pool) {
        return VectorProbe.AVAILABLE ? new VectorSgemm(pool) : new ScalarSgemm(pool);
    }

    /** Whether {@link #create} picks {@link VectorSgemm}: the Vector API module is present and the CPU has 256-bit vectors. */
    static boolean vectorized() {
        return VectorProbe.AVAILABLE;
    }

    /** Decided once per JVM; {@link VectorSgemm} is only loaded when its module is present. */
    final class VectorProbe {
        static final String MODULE = "jdk.incubator.vector";
        static final boolean AVAILABLE = probe();

        private VectorProbe() {}

        private static boolean probe() {
            System.Logger log = System.getLogger(Sgemm.class.getName());
            if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
                log.log(System.Logger.Level.WARNING, "the Vector API is not enabled, so the CPU GEMM runs"
                        + " scalar Java code, about 10x slower; run java with --add-modules " + MODULE);
                return false;
            }
            if (!VectorSgemm.supported()) {
                log.log(System.Logger.Level.WARNING, "this CPU has no 256-bit float vectors; the CPU GEMM"
                        + " runs scalar Java code");
                return false;
            }
            return true;
        }
    }
}
