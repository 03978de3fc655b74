package dev.adjoint.device.cuda;

import java.util.ArrayList;
import java.util.List;

/**
 * SGEMM on the device's stream, row-major as {@link dev.adjoint.device.Device#gemm}, over raw
 * device addresses. Two bindings to cuBLAS, chosen once per device at start-up:
 * {@link JCublasGemm} where JCublas2 loads (it needs {@code libcublas.so.12}), otherwise
 * {@link ForeignCublasGemm}, which calls {@code libcublas.so.13} (or .12, or unversioned) through
 * {@code java.lang.foreign}.
 *
 * <p>cuBLAS is column-major. A row-major m×n C is the column-major n×m Cᵀ, so C = op(A)·op(B)
 * is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands swap, each keeps its own transpose flag, and
 * the leading dimensions stay as they are.
 */
interface CudaGemm extends AutoCloseable {
    /** System property: {@code true} lets cuBLAS use TF32 tensor cores for FP32 GEMM. */
    String TF32_PROPERTY = "adjoint.cuda.tf32";
    /**
     * System property: MiB of device memory given to cuBLAS as its workspace (cublasSetWorkspace),
     * default {@value #DEFAULT_WORKSPACE_MIB} as PyTorch gives it on Hopper; 0 leaves cuBLAS its
     * own default. Measured on an H100 (bench/results/cuda-h100-gemm.json): with 32 MiB each
     * SGEMM 4096³ started ~64 µs sooner after the host's call (per-call event medians 2.68 vs
     * 2.74 ms) while back-to-back throughput was the same.
     */
    String WORKSPACE_PROPERTY = "adjoint.cuda.cublasWorkspaceMiB";
    long DEFAULT_WORKSPACE_MIB = 32;

    int CUBLAS_OP_N = 0;
    int CUBLAS_OP_T = 1;
    int CUBLAS_DEFAULT_MATH = 0;
    int CUBLAS_TF32_TENSOR_OP_MATH = 3;

    /** E.g. "cuBLAS 13 via java.lang.foreign, FP32". */
    String name();

    /** Row-major {@code C = alpha·op(A)·op(B) + beta·C}; addresses already include the offsets. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               long a, int lda, long b, int ldb, float beta, long c, int ldc);

    @Override
    void close();

    /**
     * The arguments of a column-major {@code cublasSgemm} call: {@code C = alpha·opA(A)·opB(B) + beta·C}
     * with opA(A) m×k, over addresses (or array offsets) a, b, c.
     */
    record ColumnMajor(int opA, int opB, int m, int n, int k, long a, int lda, long b, int ldb, long c, int ldc) {
        /** Row-major C = op(A)·op(B) (m×n) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ (n×m): swap operands, keep flags. */
        static ColumnMajor ofRowMajor(boolean transA, boolean transB, int m, int n, int k,
                                      long a, int lda, long b, int ldb, long c, int ldc) {
            return new ColumnMajor(transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N,
                    n, m, k, b, ldb, a, lda, c, ldc);
        }
    }

    static boolean tf32() {
        return Boolean.getBoolean(TF32_PROPERTY);
    }

    static int mathMode() {
        return tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH;
    }

    static String precision() {
        long ws = workspaceBytes();
        return (tf32() ? "TF32 tensor cores" : "full FP32") + (ws == 0 ? "" : ", " + (ws >> 20) + " MiB workspace");
    }

    static long workspaceBytes() {
        return Math.max(0, Long.getLong(WORKSPACE_PROPERTY, DEFAULT_WORKSPACE_MIB)) << 20;
    }

    /**
     * Opens the first binding that works here, on the given stream, with the given workspace (0
     * bytes: cuBLAS's default); the message lists why each binding failed.
     */
    static CudaGemm open(CudaDriver.Stream stream, long workspace, long workspaceBytes) {
        List<String> failures = new ArrayList<>();
        String why = JCublasGemm.unavailableReason();
        if (why == null) {
            return new JCublasGemm(stream, workspace, workspaceBytes);
        }
        failures.add("JCublas2: " + why);
        try {
            return ForeignCublasGemm.open(stream, workspace, workspaceBytes);
        } catch (IllegalStateException e) {
            failures.add("java.lang.foreign: " + e.getMessage());
        }
        throw new dev.adjoint.device.DeviceException("cuda: no cuBLAS binding could be opened: "
                + String.join("; ", failures));
    }

    /** Which binding {@link #open} would pick, without opening one (for the device list). */
    static String binding() {
        if (JCublasGemm.unavailableReason() == null) {
            return "cuBLAS via JCublas2 (libcublas.so.12)";
        }
        String lib = ForeignCublasGemm.libraryName();
        return lib == null ? "none (no libcublas.so.13/.12/.so found)" : "cuBLAS via java.lang.foreign (" + lib + ")";
    }
}
