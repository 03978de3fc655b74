package dev.adjoint.device.cuda;

import dev.adjoint.device.DType;
import dev.adjoint.device.Devices;
import java.util.ArrayList;
import java.util.List;

/**
 * GEMM on the device's stream: SGEMM, and GemmEx with BF16 or F16 A and B into an FP32 C,
 * row-major as {@link dev.adjoint.device.Device#gemm}, over raw device addresses. Two bindings
 * to cuBLAS, chosen once per device at start-up:
 * {@link JCublasGemm} where JCublas2 loads (it needs {@code libcublas.so.12}), otherwise
 * {@link ForeignCublasGemm}, which calls {@code libcublas.so.13} (or .12, or unversioned) through
 * {@code java.lang.foreign}.
 *
 * <p>cuBLAS is column-major. A row-major m×n C is the column-major n×m Cᵀ, so C = op(A)·op(B)
 * is computed as Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands swap, each keeps its own transpose flag, and
 * the leading dimensions stay as they are. The same holds for GemmEx, whose two inputs share one type.
 */
interface CudaGemm extends AutoCloseable {
    /** System property: {@code true} lets cuBLAS use TF32 tensor cores for FP32 GEMM ({@link Devices#TF32_PROPERTY}). */
    String TF32_PROPERTY = Devices.TF32_PROPERTY;
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

    // cublasGemmEx's enums. Verified against library_types.h of CUDA 13.0 (cudaDataType_t: CUDA_R_32F 0,
    // CUDA_R_16F 2, CUDA_R_16BF 14), JCuda 12.6.0's jcuda.cudaDataType, jcuda.jcublas.cublasComputeType
    // (from cublas_api.h: CUBLAS_COMPUTE_32F 68, "float - default") and jcuda.jcublas.cublasGemmAlgo
    // (CUBLAS_GEMM_DEFAULT -1), and NVIDIA's nvmath-python bindings (ComputeType.COMPUTE_32F 68,
    // GemmAlgo.DFALT -1); CudaGemmMappingTest compares them with JCuda's constants.
    int CUDA_R_32F = 0;
    int CUDA_R_16F = 2;
    int CUDA_R_16BF = 14;
    /** FP32 accumulation; tensor cores allowed (the _PEDANTIC variant, 69, would forbid them). */
    int CUBLAS_COMPUTE_32F = 68;
    int CUBLAS_GEMM_DEFAULT = -1;

    /** E.g. "cuBLAS 13 via java.lang.foreign, FP32". */
    String name();

    /** Row-major {@code C = alpha·op(A)·op(B) + beta·C}; addresses already include the offsets. */
    void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
               long a, int lda, long b, int ldb, float beta, long c, int ldc);

    /**
     * As {@link #sgemm} with A and B of cudaDataType {@code abType} ({@link #CUDA_R_16BF} or
     * {@link #CUDA_R_16F}) and C FP32: {@code cublasGemmEx} with {@link #CUBLAS_COMPUTE_32F} (the
     * products of 16-bit values are exact in FP32 and summed in FP32), {@link #CUBLAS_GEMM_DEFAULT},
     * alpha and beta as host floats. Leading dimensions count elements.
     */
    void gemmEx(int abType, boolean transA, boolean transB, int m, int n, int k, float alpha,
                long a, int lda, long b, int ldb, float beta, long c, int ldc);

    /** The cudaDataType of a GEMM input of {@code dtype}. */
    static int dataType(DType dtype) {
        return switch (dtype) {
            case F32 -> CUDA_R_32F;
            case BF16 -> CUDA_R_16BF;
            case F16 -> CUDA_R_16F;
        };
    }

    /** "cublasGemmEx(BF16·BF16→F32, m=.., n=.., k=..)", for errors. */
    static String gemmExCall(int abType, int m, int n, int k) {
        String t = abType == CUDA_R_16BF ? "BF16" : abType == CUDA_R_16F ? "F16" : "cudaDataType " + abType;
        return "cublasGemmEx(" + t + "·" + t + "→F32, m=" + m + ", n=" + n + ", k=" + k + ")";
    }

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
