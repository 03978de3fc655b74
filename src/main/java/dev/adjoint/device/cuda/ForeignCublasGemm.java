package dev.adjoint.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.adjoint.device.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * cuBLAS called through {@code java.lang.foreign} downcalls, for installations where JCublas2
 * cannot load (CUDA 13 ships {@code libcublas.so.13}). Pointer mode is host: alpha and beta are
 * read from host floats during the call. The handle runs on the device's stream.
 */
@SuppressWarnings("restricted")
final class ForeignCublasGemm implements CudaGemm {
    /** Tried in this order with {@link SymbolLookup#libraryLookup}. */
    static final String[] LIBRARIES = {"libcublas.so.13", "libcublas.so.12", "libcublas.so"};

    private static final Linker LINKER = Linker.nativeLinker();

    private final Arena arena = Arena.ofShared();
    private final String library;
    private final MethodHandle sgemm;
    /** cublasGemmEx, or null where this libcublas lacks it (then a 16-bit gemm says so). */
    private final MethodHandle gemmEx;
    private final MethodHandle destroy;
    private final MemorySegment handle;
    private final MemorySegment alpha;
    private final MemorySegment beta;

    /** Binds {@code lookup}'s symbols (package-private: the binding test passes a cuBLAS made of upcalls). */
    ForeignCublasGemm(String library, SymbolLookup lookup, CudaDriver.Stream stream, long workspace,
                      long workspaceBytes) {
        this.library = library;
        MethodHandle create = downcall(lookup, "cublasCreate_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle setStream = downcall(lookup, "cublasSetStream_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle setMath = downcall(lookup, "cublasSetMathMode", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        this.destroy = downcall(lookup, "cublasDestroy_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // cublasSgemm_v2(handle, transa, transb, m, n, k, *alpha, *A, lda, *B, ldb, *beta, *C, ldc)
        this.sgemm = downcall(lookup, "cublasSgemm_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
        // cublasGemmEx(handle, transa, transb, m, n, k, *alpha, *A, Atype, lda, *B, Btype, ldb, *beta, *C, Ctype, ldc,
        //              computeType, algo): cublas_api.h since CUDA 11, computeType a cublasComputeType_t; the
        //              enums (cublasOperation_t, cudaDataType_t, cublasComputeType_t, cublasGemmAlgo_t) are C ints
        this.gemmEx = lookup.find("cublasGemmEx").map(symbol -> LINKER.downcallHandle(symbol, FunctionDescriptor.of(
                JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT,
                JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)))
                .orElse(null);
        MemorySegment out = arena.allocate(ADDRESS);
        check(invoke(create, out), "cublasCreate_v2");
        this.handle = out.get(ADDRESS, 0);
        check(invoke(setStream, handle, MemorySegment.ofAddress(stream.address())), "cublasSetStream_v2");
        if (workspaceBytes > 0) { // after cublasSetStream, which resets the workspace
            MethodHandle setWorkspace = downcall(lookup, "cublasSetWorkspace_v2",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
            check(invoke(setWorkspace, handle, MemorySegment.ofAddress(workspace), workspaceBytes),
                    "cublasSetWorkspace_v2");
        }
        check(invoke(setMath, handle, CudaGemm.mathMode()), "cublasSetMathMode");
        this.alpha = arena.allocate(JAVA_FLOAT);
        this.beta = arena.allocate(JAVA_FLOAT);
    }

    /** The first of {@link #LIBRARIES} that loads here, or null. */
    static String libraryName() {
        for (String lib : LIBRARIES) {
            try (Arena probe = Arena.ofConfined()) {
                SymbolLookup.libraryLookup(lib, probe);
                return lib;
            } catch (IllegalArgumentException e) {
                // not here; try the next name
            }
        }
        return null;
    }

    /** Binds the first loadable library; IllegalStateException says what was tried when none works. */
    static ForeignCublasGemm open(CudaDriver.Stream stream, long workspace, long workspaceBytes) {
        StringBuilder tried = new StringBuilder();
        for (String lib : LIBRARIES) {
            Arena libArena = Arena.global();
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(lib, libArena);
            } catch (IllegalArgumentException e) {
                tried.append(lib).append(": not found; ");
                continue;
            }
            return new ForeignCublasGemm(lib, lookup, stream, workspace, workspaceBytes);
        }
        throw new IllegalStateException(tried + "set LD_LIBRARY_PATH to the folder holding libcublas");
    }

    private static MethodHandle downcall(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        return Downcalls.bind(lookup, "cuBLAS", name, fd);
    }

    private static int invoke(MethodHandle h, Object... args) {
        return Downcalls.call("cuBLAS", h, args);
    }

    @Override
    public String name() {
        return "cuBLAS via java.lang.foreign (" + library + "), " + CudaGemm.precision();
    }

    @Override
    public synchronized void sgemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                   long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        this.alpha.set(JAVA_FLOAT, 0, alpha);
        this.beta.set(JAVA_FLOAT, 0, beta);
        ColumnMajor g = ColumnMajor.ofRowMajor(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        int status;
        try {
            status = (int) sgemm.invokeExact(handle, g.opA(), g.opB(), g.m(), g.n(), g.k(), this.alpha,
                    MemorySegment.ofAddress(g.a()), g.lda(), MemorySegment.ofAddress(g.b()), g.ldb(), this.beta,
                    MemorySegment.ofAddress(g.c()), g.ldc());
        } catch (Throwable t) {
            throw new DeviceException("cuda: cublasSgemm_v2 call failed", t);
        }
        check(status, "cublasSgemm_v2(m=" + m + ", n=" + n + ", k=" + k + ")");
    }

    @Override
    public synchronized void gemmEx(int abType, boolean transA, boolean transB, int m, int n, int k, float alpha,
                                    long a, int lda, long b, int ldb, float beta, long c, int ldc) {
        if (gemmEx == null) {
            throw new DeviceException("cuda: " + library + " has no cublasGemmEx, needed for " + CudaGemm.gemmExCall(
                    abType, m, n, k));
        }
        this.alpha.set(JAVA_FLOAT, 0, alpha);
        this.beta.set(JAVA_FLOAT, 0, beta);
        ColumnMajor g = ColumnMajor.ofRowMajor(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        int status;
        try {
            status = (int) gemmEx.invokeExact(handle, g.opA(), g.opB(), g.m(), g.n(), g.k(), this.alpha,
                    MemorySegment.ofAddress(g.a()), abType, g.lda(), MemorySegment.ofAddress(g.b()), abType, g.ldb(),
                    this.beta, MemorySegment.ofAddress(g.c()), CudaGemm.CUDA_R_32F, g.ldc(),
                    CudaGemm.CUBLAS_COMPUTE_32F, CudaGemm.CUBLAS_GEMM_DEFAULT);
        } catch (Throwable t) {
            throw new DeviceException("cuda: cublasGemmEx call failed", t);
        }
        check(status, CudaGemm.gemmExCall(abType, m, n, k));
    }

    @Override
    public void close() {
        invoke(destroy, handle);
        arena.close();
    }

    private static void check(int status, String op) {
        if (status != 0) {
            throw new DeviceException("cuda: " + op + " failed: " + statusName(status) + " (" + status + ")");
        }
    }

    /** cublasStatus_t names (cublas_api.h). */
    static String statusName(int s) {
        return switch (s) {
            case 0 -> "CUBLAS_STATUS_SUCCESS";
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "cublasStatus " + s;
        };
    }
}
