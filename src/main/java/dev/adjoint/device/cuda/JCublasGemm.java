package dev.adjoint.device.cuda;

import dev.adjoint.device.DeviceException;
import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasStatus;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS through JCublas2. Its native library links against {@code libcublas.so.12} with that
 * symbol version, so it loads on CUDA 12 installations only; the probe runs once and is cached.
 */
final class JCublasGemm implements CudaGemm {
    private static volatile String probe;

    private final cublasHandle handle = new cublasHandle();
    private final float[] alpha = new float[1];
    private final float[] beta = new float[1];

    JCublasGemm(CudaDriver.Stream stream, long workspace, long workspaceBytes) {
        check(JCublas2.cublasCreate(handle), "cublasCreate");
        check(JCublas2.cublasSetStream(handle, new cudaStream_t(stream)), "cublasSetStream");
        if (workspaceBytes > 0) { // after cublasSetStream, which resets the workspace
            check(JCublas2.cublasSetWorkspace(handle, new CudaDriver.RawPointer(workspace), workspaceBytes),
                    "cublasSetWorkspace");
        }
        check(JCublas2.cublasSetMathMode(handle, CudaGemm.mathMode()), "cublasSetMathMode");
    }

    /** Null when JCublas2 loads here, else why not. */
    static String unavailableReason() {
        String p = probe;
        if (p == null) {
            synchronized (JCublasGemm.class) {
                p = probe;
                if (p == null) {
                    probe = p = load();
                }
            }
        }
        return p.isEmpty() ? null : p;
    }

    private static String load() {
        try {
            JCublas2.setExceptionsEnabled(false);
            JCublas2.initialize();
            return "";
        } catch (LinkageError e) {
            String m = String.valueOf(e.getMessage());
            return "libcublas.so.12 not loadable (" + (m.length() > 160 ? m.substring(0, 160) + "..." : m) + ")";
        }
    }

    @Override
    public String name() {
        return "cuBLAS via JCublas2, " + CudaGemm.precision();
    }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        this.alpha[0] = alpha;
        this.beta[0] = beta;
        ColumnMajor g = ColumnMajor.ofRowMajor(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        check(JCublas2.cublasSgemm(handle, g.opA(), g.opB(), g.m(), g.n(), g.k(), Pointer.to(this.alpha),
                new CudaDriver.RawPointer(g.a()), g.lda(), new CudaDriver.RawPointer(g.b()), g.ldb(),
                Pointer.to(this.beta), new CudaDriver.RawPointer(g.c()), g.ldc()),
                "cublasSgemm(m=" + m + ", n=" + n + ", k=" + k + ")");
    }

    /**
     * {@code JCublas2.cublasGemmEx_new}, which passes computeType to cuBLAS as a cublasComputeType_t.
     * Not {@code JCublas2.cublasGemmEx}: that one keeps the CUDA 10 signature, whose computeType is a
     * cudaDataType (CUDA_R_32F), and maps it through cublasMigrateComputeType, which answers
     * CUBLAS_STATUS_NOT_SUPPORTED for CUBLAS_COMPUTE_32F (JCublas2.java of jcuda/jcublas 12.6.0).
     */
    @Override
    public synchronized void gemmEx(int abType, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        this.alpha[0] = alpha;
        this.beta[0] = beta;
        ColumnMajor g = ColumnMajor.ofRowMajor(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        check(JCublas2.cublasGemmEx_new(handle, g.opA(), g.opB(), g.m(), g.n(), g.k(), Pointer.to(this.alpha),
                new CudaDriver.RawPointer(g.a()), abType, g.lda(), new CudaDriver.RawPointer(g.b()), abType, g.ldb(),
                Pointer.to(this.beta), new CudaDriver.RawPointer(g.c()), CudaGemm.CUDA_R_32F, g.ldc(),
                CudaGemm.CUBLAS_COMPUTE_32F, CudaGemm.CUBLAS_GEMM_DEFAULT), CudaGemm.gemmExCall(abType, m, n, k));
    }

    @Override
    public void close() {
        JCublas2.cublasDestroy(handle);
    }

    private static void check(int status, String op) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new DeviceException("cuda: " + op + " failed: " + cublasStatus.stringFor(status));
        }
    }
}
