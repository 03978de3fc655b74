package dev.adjoint.device.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.device.DType;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The row-major → column-major mapping that both cuBLAS bindings use, checked without a GPU:
 * a plain column-major SGEMM with BLAS semantics, called with the mapped arguments, must give the
 * row-major product, for all four transposes, padded leading dimensions and offsets.
 */
class CudaGemmMappingTest {

    /** Reference column-major SGEMM (netlib semantics) over one array. */
    private static void columnMajorSgemm(CudaGemm.ColumnMajor g, float alpha, float beta, float[] mem) {
        for (int j = 0; j < g.n(); j++) {
            for (int i = 0; i < g.m(); i++) {
                double s = 0;
                for (int p = 0; p < g.k(); p++) {
                    float x = g.opA() == CudaGemm.CUBLAS_OP_N ? mem[(int) g.a() + i + p * g.lda()]
                            : mem[(int) g.a() + p + i * g.lda()];
                    float y = g.opB() == CudaGemm.CUBLAS_OP_N ? mem[(int) g.b() + p + j * g.ldb()]
                            : mem[(int) g.b() + j + p * g.ldb()];
                    s += (double) x * y;
                }
                int at = (int) g.c() + i + j * g.ldc();
                mem[at] = (float) (alpha * s + (beta == 0 ? 0 : beta * mem[at]));
            }
        }
    }

    /**
     * The cuBLAS enum values both bindings pass as plain ints are JCuda's, which JCuda generates from
     * NVIDIA's headers (cublas_api.h, library_types.h); JCuda's classes load without a driver.
     */
    @Test
    void cublasConstantsAreNvidiasAsJCudaSpellsThem() {
        assertEquals(jcuda.jcublas.cublasOperation.CUBLAS_OP_N, CudaGemm.CUBLAS_OP_N);
        assertEquals(jcuda.jcublas.cublasOperation.CUBLAS_OP_T, CudaGemm.CUBLAS_OP_T);
        assertEquals(jcuda.jcublas.cublasMath.CUBLAS_DEFAULT_MATH, CudaGemm.CUBLAS_DEFAULT_MATH);
        assertEquals(jcuda.jcublas.cublasMath.CUBLAS_TF32_TENSOR_OP_MATH, CudaGemm.CUBLAS_TF32_TENSOR_OP_MATH);
        assertEquals(jcuda.cudaDataType.CUDA_R_32F, CudaGemm.CUDA_R_32F);
        assertEquals(jcuda.cudaDataType.CUDA_R_16F, CudaGemm.CUDA_R_16F);
        assertEquals(jcuda.cudaDataType.CUDA_R_16BF, CudaGemm.CUDA_R_16BF);
        assertEquals(jcuda.jcublas.cublasComputeType.CUBLAS_COMPUTE_32F, CudaGemm.CUBLAS_COMPUTE_32F);
        assertEquals(jcuda.jcublas.cublasGemmAlgo.CUBLAS_GEMM_DEFAULT, CudaGemm.CUBLAS_GEMM_DEFAULT);
        assertEquals(CudaGemm.CUDA_R_16BF, CudaGemm.dataType(DType.BF16));
        assertEquals(CudaGemm.CUDA_R_16F, CudaGemm.dataType(DType.F16));
        assertEquals(CudaGemm.CUDA_R_32F, CudaGemm.dataType(DType.F32));
        assertEquals("cublasGemmEx(BF16·BF16→F32, m=2, n=3, k=4)",
                CudaGemm.gemmExCall(CudaGemm.CUDA_R_16BF, 2, 3, 4));
    }

    @Test
    void rowMajorProductThroughColumnMajorCall() {
        Random rnd = new Random(5);
        int m = 7;
        int n = 5;
        int k = 3;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            int lda = (ta ? m : k) + 2;
            int ldb = (tb ? k : n) + 1;
            int ldc = n + 3;
            int aOff = 0;
            int aLen = (ta ? k : m) * lda;
            int bOff = aLen + 4;
            int bLen = (tb ? n : k) * ldb;
            int cOff = bOff + bLen + 3;
            float[] mem = new float[cOff + m * ldc];
            for (int i = 0; i < mem.length; i++) {
                mem[i] = rnd.nextInt(7) - 3;
            }
            float[] before = mem.clone();
            columnMajorSgemm(CudaGemm.ColumnMajor.ofRowMajor(ta, tb, m, n, k, aOff, lda, bOff, ldb, cOff, ldc),
                    2f, 0.5f, mem);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        float a = ta ? before[aOff + p * lda + i] : before[aOff + i * lda + p];
                        float b = tb ? before[bOff + j * ldb + p] : before[bOff + p * ldb + j];
                        s += a * b;
                    }
                    float expect = (float) (2 * s + 0.5 * before[cOff + i * ldc + j]);
                    assertEquals(expect, mem[cOff + i * ldc + j], "trans " + ta + "/" + tb + " C[" + i + "][" + j + "]");
                }
            }
            // Padding between C's rows is left alone.
            for (int i = 0; i < m; i++) {
                for (int j = n; j < ldc && cOff + i * ldc + j < mem.length; j++) {
                    assertEquals(before[cOff + i * ldc + j], mem[cOff + i * ldc + j]);
                }
            }
        }
    }
}
