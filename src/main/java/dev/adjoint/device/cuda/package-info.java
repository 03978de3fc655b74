/**
 * The CUDA backend: NVIDIA GPUs through the driver API (JCuda) and cuBLAS. The only package that
 * touches JCuda or cuBLAS.
 *
 * <ul>
 *   <li>{@link dev.adjoint.device.cuda.CudaBackend}: probing (never throws; no driver is an
 *       unavailability with its reason), the device list, {@code open}.</li>
 *   <li>{@link dev.adjoint.device.cuda.CudaDevice}: the {@link dev.adjoint.device.Device} — primary
 *       context, one stream for every copy and kernel.</li>
 *   <li>{@code CudaMemory}: caching allocator (free lists by rounded size in bytes, whatever the
 *       dtype; flush and retry on out-of-memory) and pinned staging for host transfers.
 *       {@code CudaBuffer}s hold F32, BF16 or F16 elements; offsets count elements.</li>
 *   <li>{@code CudaKernels}: PTX modules from {@code kernels/cuda/*.ptx}, loaded once per device,
 *       functions cached; the launchers {@code CudaElementwise} (with {@code convert.cu}'s
 *       F32 ↔ BF16/F16 conversions, integer code bit for bit as {@code DType}), {@code CudaReductions},
 *       {@code CudaOptimizers} compute grid sizes and argument lists.</li>
 *   <li>{@code CudaGemm}: SGEMM, and cublasGemmEx for BF16 or F16 A and B into an FP32 C, through
 *       JCublas2 (CUDA 12) or {@code java.lang.foreign} downcalls into {@code libcublas.so.13} (CUDA 13).</li>
 *   <li>{@code CudaGraph}: stream capture into a CUDA graph, instantiated once and launched per
 *       step (a replayed plan of the graph executor).</li>
 * </ul>
 *
 * <p>The kernels round as the CPU backend does ({@link dev.adjoint.device.RoundsAsCpu}): PTX built
 * with {@code -fmad=false}, transcendental functions in double. {@code adjoint selftest --device cuda}
 * checks a GPU: the conformance suite, then every primitive against the CPU backend
 * ({@code conformance.CrossCheck}) and out-of-memory; {@code adjoint bench gemm --device cuda} times SGEMM.
 *
 * <p>System properties: {@code adjoint.cuda.tf32=true} (TF32 tensor cores for FP32 GEMM) and
 * {@code adjoint.cuda.cublasWorkspaceMiB=N} (the cuBLAS workspace taken from the device's
 * allocator; default 32, 0 for cuBLAS's own; stream capture needs one that is not allocated
 * during the capture) and {@code adjoint.cuda.graphs=false} (replay plans call by call instead of
 * as a CUDA graph).
 */
package dev.adjoint.device.cuda;
