package dev.adjoint.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@code java.lang.foreign} binding (the path on CUDA 13 machines) called against a stand-in
 * cuBLAS made of Java upcalls, without a GPU: each downcall's descriptor, argument order and
 * values as they arrive on the C side — for cublasGemmEx the swapped operands, the cudaDataTypes,
 * CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT and alpha and beta as host floats.
 */
@SuppressWarnings("restricted")
class ForeignCublasBindingTest {
    private static final long HANDLE = 0x1234;
    private static final List<List<Object>> CALLS = new ArrayList<>();
    private static int status;

    static int create(MemorySegment out) {
        out.reinterpret(ADDRESS.byteSize()).set(ADDRESS, 0, MemorySegment.ofAddress(HANDLE));
        return 0;
    }

    static int setStream(MemorySegment handle, MemorySegment stream) {
        return 0;
    }

    static int setMath(MemorySegment handle, int mode) {
        CALLS.add(List.of("cublasSetMathMode", handle.address(), mode));
        return 0;
    }

    static int destroy(MemorySegment handle) {
        CALLS.add(List.of("cublasDestroy_v2", handle.address()));
        return 0;
    }

    static int gemmEx(MemorySegment handle, int transa, int transb, int m, int n, int k, MemorySegment alpha,
                      MemorySegment a, int aType, int lda, MemorySegment b, int bType, int ldb, MemorySegment beta,
                      MemorySegment c, int cType, int ldc, int computeType, int algo) {
        CALLS.add(List.of("cublasGemmEx", handle.address(), transa, transb, m, n, k,
                alpha.reinterpret(4).get(JAVA_FLOAT, 0), a.address(), aType, lda, b.address(), bType, ldb,
                beta.reinterpret(4).get(JAVA_FLOAT, 0), c.address(), cType, ldc, computeType, algo));
        return status;
    }

    private static MemorySegment upcall(Arena arena, String method, FunctionDescriptor fd)
            throws ReflectiveOperationException {
        MethodType type = fd.toMethodType();
        return Linker.nativeLinker().upcallStub(
                MethodHandles.lookup().findStatic(ForeignCublasBindingTest.class, method, type), fd, arena);
    }

    /** The stand-in library: the symbols ForeignCublasGemm binds, cublasGemmEx only when asked. */
    private static SymbolLookup fakeCublas(Arena arena, boolean withGemmEx) throws ReflectiveOperationException {
        Map<String, MemorySegment> symbols = new HashMap<>();
        symbols.put("cublasCreate_v2", upcall(arena, "create", FunctionDescriptor.of(JAVA_INT, ADDRESS)));
        symbols.put("cublasSetStream_v2", upcall(arena, "setStream",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS)));
        symbols.put("cublasSetMathMode", upcall(arena, "setMath", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT)));
        symbols.put("cublasDestroy_v2", upcall(arena, "destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS)));
        // never called here, only bound
        symbols.put("cublasSgemm_v2", symbols.get("cublasDestroy_v2"));
        symbols.put("cublasSetWorkspace_v2", symbols.get("cublasDestroy_v2"));
        if (withGemmEx) {
            symbols.put("cublasGemmEx", upcall(arena, "gemmEx", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT,
                    JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT,
                    JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT)));
        }
        return name -> Optional.ofNullable(symbols.get(name));
    }

    @Test
    void gemmExPassesTheColumnMajorCallWithNvidiasEnumValues() throws ReflectiveOperationException {
        CALLS.clear();
        status = 0;
        try (Arena arena = Arena.ofConfined()) {
            ForeignCublasGemm g = new ForeignCublasGemm("fake", fakeCublas(arena, true), new CudaDriver.Stream(), 0, 0);
            // row-major C (3×5) = A^T (A stored 7×3, lda 9) · B (7×5, ldb 11), ldc 13
            g.gemmEx(CudaGemm.CUDA_R_16BF, true, false, 3, 5, 7, 1.5f, 0x1000, 9, 0x2000, 11, 0.25f, 0x3000, 13);
            assertEquals(List.of("cublasGemmEx", HANDLE, 0, 1, 5, 3, 7, 1.5f, 0x2000L, 14, 11, 0x1000L, 14, 9, 0.25f,
                    0x3000L, 0, 13, 68, -1), CALLS.getLast(), "cublasGemmEx as cuBLAS receives it");

            status = 15;
            DeviceException e = assertThrows(DeviceException.class, () -> g.gemmEx(CudaGemm.CUDA_R_16F, false, false,
                    2, 3, 4, 1f, 0x1000, 4, 0x2000, 3, 0f, 0x3000, 3));
            assertTrue(e.getMessage().contains("cublasGemmEx(F16·F16→F32, m=2, n=3, k=4)")
                    && e.getMessage().contains("CUBLAS_STATUS_NOT_SUPPORTED"), e.getMessage());
            assertEquals(2, (int) CALLS.getLast().get(9), "F16 is CUDA_R_16F");
            g.close();
            assertEquals(List.of("cublasDestroy_v2", HANDLE), CALLS.getLast());
        }
    }

    @Test
    void aCublasWithoutGemmExStillBindsAndSaysWhatIsMissing() throws ReflectiveOperationException {
        try (Arena arena = Arena.ofConfined()) {
            ForeignCublasGemm g = new ForeignCublasGemm("libfake.so", fakeCublas(arena, false), new CudaDriver.Stream(),
                    0, 0);
            DeviceException e = assertThrows(DeviceException.class, () -> g.gemmEx(CudaGemm.CUDA_R_16BF, false, false,
                    1, 1, 1, 1f, 0x1000, 1, 0x2000, 1, 0f, 0x3000, 1));
            assertTrue(e.getMessage().contains("libfake.so has no cublasGemmEx"), e.getMessage());
            g.close();
        }
    }
}
