package dev.adjoint.device.cuda;

import static dev.adjoint.device.cuda.CudaDriver.check;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceChecks;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.GraphCapable;
import dev.adjoint.device.PeakProbe;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.RoundsAsCpu;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUevent;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * One CUDA GPU on the driver API: its primary context, one stream that every copy and kernel is
 * queued on, memory from {@link CudaMemory}, kernels from {@link CudaKernels} and GEMM from
 * {@link CudaGemm}. Nothing in a compute call crosses to the host; {@link #download} and
 * {@link #synchronize} wait for the stream. The stream can be captured into a CUDA graph
 * ({@link GraphCapable}, {@link CudaGraph}); {@code -Dadjoint.cuda.graphs=false} switches that off.
 */
public final class CudaDevice implements Device, GraphCapable, PeakProbe, RoundsAsCpu {
    /** The device whose context the current thread has made current (cuCtxSetCurrent is per thread). */
    private static final ThreadLocal<CudaDevice> CURRENT = new ThreadLocal<>();

    private final int index;
    private final CudaBackend.Info info;
    private final CUdevice cuDevice = new CUdevice();
    private final CUcontext context = new CUcontext();
    private final CudaDriver.Stream stream = new CudaDriver.Stream();
    private final CudaMemory memory;
    private final CudaKernels kernels;
    private final CudaElementwise elementwise;
    private final CudaReductions reductions;
    private final CudaOptimizers optimizers;
    private final CudaWindows windows;
    private final CudaIndexing indexing;
    private final CudaGemm gemm;
    private volatile boolean closed;

    CudaDevice(int index, CudaBackend.Info info) {
        this.index = index;
        this.info = info;
        check(JCudaDriver.cuDeviceGet(cuDevice, index), "cuDeviceGet(" + index + ")");
        check(JCudaDriver.cuDevicePrimaryCtxRetain(context, cuDevice), "cuDevicePrimaryCtxRetain(" + index + ")");
        bind();
        check(JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_NON_BLOCKING), "cuStreamCreate");
        this.memory = new CudaMemory(stream);
        this.kernels = new CudaKernels(stream, info.multiprocessors());
        this.elementwise = new CudaElementwise(kernels);
        this.reductions = new CudaReductions(kernels, memory);
        this.optimizers = new CudaOptimizers(kernels);
        this.windows = new CudaWindows(kernels);
        this.indexing = new CudaIndexing(kernels);
        long workspaceBytes = CudaGemm.workspaceBytes();
        long workspace = workspaceBytes == 0 ? 0 : memory.allocateBytes(workspaceBytes).address();
        this.gemm = CudaGemm.open(stream, workspace, workspaceBytes);
    }

    /** Makes this device's context current on the calling thread, once per thread. */
    void bind() {
        DeviceChecks.open(this);
        if (CURRENT.get() != this) {
            check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent(cuda:" + index + ")");
            CURRENT.set(this);
        }
    }

    CudaMemory memory() {
        return memory;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** NCCL, found once per process (null where libnccl.so.2 is not on the loader's path). */
    private static volatile Object nccl;

    /** NCCL's collectives on this device where libnccl.so.2 is installed, else null (data parallelism then uses MPI). */
    @Override
    public dev.adjoint.device.Collectives collectives() {
        if (nccl == null) {
            synchronized (CudaDevice.class) {
                if (nccl == null) {
                    Nccl found = Nccl.open();
                    nccl = found == null ? Boolean.FALSE : found;
                }
            }
        }
        return nccl instanceof Nccl n ? new NcclCollectives(this, n, stream.address()) : null;
    }

    @Override
    public String name() {
        return "cuda:" + index;
    }

    @Override
    public String description() {
        return info.line() + ", GEMM: " + gemm.name();
    }

    /** {@code peak.cu}'s FMA chains over every multiprocessor ({@link CudaPeak}). */
    @Override
    public Peak measurePeak(double seconds) {
        bind();
        return CudaPeak.measure(this, kernels, info.multiprocessors(), seconds);
    }

    /** The kernels of this device, for launchers outside the op families (the peak probe's tests). */
    CudaKernels kernels() {
        return kernels;
    }

    private CudaBuffer buf(Buffer b, String role) {
        return buf(b, null, role);
    }

    /** {@link #buf(Buffer, String)}; {@code op} (may be null) prefixes the role in the error only, built on failure. */
    private CudaBuffer buf(Buffer b, Object op, String role) {
        return DeviceChecks.owned(this, CudaBuffer.class, b, op, role);
    }

    /** Device address of element {@code offset} of a buffer of this device. */
    private long at(Buffer b, long offset, String role) {
        return buf(b, role).address(offset);
    }

    /** {@link #at(Buffer, long, String)} with the op named in the error only. */
    private long at(Buffer b, long offset, Object op, String role) {
        return buf(b, op, role).address(offset);
    }

    // ------------------------------------------------------------------ memory

    @Override
    public Buffer allocate(long length, DType dtype) {
        if (length < 0) {
            throw new IllegalArgumentException(name() + ": buffer length " + length + " is negative");
        }
        if (dtype == null) {
            throw new IllegalArgumentException(name() + ": buffer dtype is null");
        }
        bind();
        return new CudaBuffer(this, memory.allocate(length, dtype), length, dtype);
    }

    @Override
    public void upload(float[] src, int srcOffset, Buffer dst, long dstOffset, int length) {
        DeviceChecks.upload(src, srcOffset, dst, dstOffset, length);
        bind();
        if (length > 0) {
            memory.upload(src, srcOffset, buf(dst, "upload destination").pointer(dstOffset), length);
        }
    }

    @Override
    public void download(Buffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        DeviceChecks.download(src, srcOffset, dst, dstOffset, length);
        bind();
        if (length > 0) {
            memory.download(buf(src, "download source").pointer(srcOffset), dst, dstOffset, length);
        }
    }

    @Override
    public void fill(Buffer dst, long offset, long length, float value) {
        DeviceChecks.fill(dst, offset, length);
        bind();
        if (length > 0) {
            check(JCudaDriver.cuMemsetD32Async(buf(dst, "fill destination").pointer(offset),
                    Float.floatToRawIntBits(value), length, stream), "cuMemsetD32Async(" + length + " floats)");
        }
    }

    @Override
    public void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        DeviceChecks.copy(src, srcOffset, dst, dstOffset, length);
        bind();
        if (length > 0) {
            long bytes = length * src.dtype().bytes();      // one dtype on both sides (checked)
            check(JCudaDriver.cuMemcpyDtoDAsync(buf(dst, "copy destination").pointer(dstOffset),
                    buf(src, "copy source").pointer(srcOffset), bytes, stream),
                    "cuMemcpyDtoDAsync(" + CudaMemory.describe(length, src.dtype()) + ")");
        }
    }

    /** {@inheritDoc} F32 to BF16 or F16 and back run {@code convert.cu}'s integer kernels; a dtype to itself copies. */
    @Override
    public void convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        DeviceChecks.convert(src, srcOffset, dst, dstOffset, length);
        if (src.dtype() == dst.dtype()) {
            copy(src, srcOffset, dst, dstOffset, length);
            return;
        }
        bind();
        elementwise.convert(src.dtype(), dst.dtype(), at(src, srcOffset, "convert source"),
                at(dst, dstOffset, "convert destination"), length);
    }

    @Override
    public void random(Buffer dst, long offset, long length, Distribution dist, float a, float b, long seed) {
        DeviceChecks.random(dst, offset, length);
        bind();
        elementwise.random(at(dst, offset, "random destination"), length, dist, a, b, seed);
    }

    @Override
    public void synchronize() {
        bind();
        memory.refuseDuringCapture("synchronize");
        check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    // ------------------------------------------------------------------ compute

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Buffer a, long aOffset, int lda, Buffer b, long bOffset, int ldb,
                     float beta, Buffer c, long cOffset, int ldc) {
        DeviceChecks.gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        bind();
        long cAt = at(c, cOffset, "gemm C");
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            elementwise.scaleMatrix(m, n, beta, cAt, ldc);
            return;
        }
        long aAt = at(a, aOffset, "gemm A");
        long bAt = at(b, bOffset, "gemm B");
        if (a.dtype() == DType.F32) {
            gemm.sgemm(transA, transB, m, n, k, alpha, aAt, lda, bAt, ldb, beta, cAt, ldc);
        } else {
            // BF16 or F16 A and B (one dtype, checked), F32 C: cublasGemmEx accumulating in FP32
            gemm.gemmEx(CudaGemm.dataType(a.dtype()), transA, transB, m, n, k, alpha, aAt, lda, bAt, ldb, beta, cAt,
                    ldc);
        }
    }

    @Override
    public void unary(UnaryOp op, float p, int[] shape, Buffer x, long xOffset, long[] xStrides,
                      Buffer out, long outOffset) {
        DeviceChecks.unary(op, shape, x, xOffset, xStrides, out, outOffset);
        bind();
        elementwise.unary(op, p, shape, at(x, xOffset, op, "input"), xStrides, at(out, outOffset, op, "output"));
    }

    @Override
    public void binary(BinaryOp op, float p, int[] shape, Buffer a, long aOffset, long[] aStrides,
                       Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        DeviceChecks.binary(op, shape, a, aOffset, aStrides, b, bOffset, bStrides, out, outOffset);
        bind();
        elementwise.binary(op, p, shape, at(a, aOffset, op, "input a"), aStrides, at(b, bOffset, op, "input b"),
                bStrides, at(out, outOffset, op, "output"));
    }

    @Override
    public void reduce(ReduceOp op, int outer, int n, int inner, Buffer x, long xOffset, Buffer out, long outOffset) {
        DeviceChecks.reduce(op, outer, n, inner, x, xOffset, out, outOffset);
        bind();
        reductions.reduce(op, outer, n, inner, at(x, xOffset, op, "input"), at(out, outOffset, op, "output"));
    }

    @Override
    public void im2col(Window window, float fill, Buffer x, long xOffset, Buffer cols, long colsOffset) {
        DeviceChecks.im2col(window, x, xOffset, cols, colsOffset);
        bind();
        windows.im2col(window, fill, at(x, xOffset, "im2col image"), at(cols, colsOffset, "im2col columns"));
    }

    @Override
    public void col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset) {
        DeviceChecks.col2im(window, cols, colsOffset, x, xOffset);
        bind();
        windows.col2im(window, at(cols, colsOffset, "col2im columns"), at(x, xOffset, "col2im image"));
    }

    @Override
    public void maxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax, long argmaxOffset) {
        DeviceChecks.maxPool(window, x, xOffset, out, outOffset, argmax, argmaxOffset);
        bind();
        windows.maxPool(window, at(x, xOffset, "maxPool image"), at(out, outOffset, "maxPool output"),
                at(argmax, argmaxOffset, "maxPool arg-max"));
    }

    @Override
    public void maxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset, Buffer gx,
                                long gxOffset) {
        DeviceChecks.maxPoolBackward(window, gy, gyOffset, argmax, argmaxOffset, gx, gxOffset);
        bind();
        windows.maxPoolBackward(window, at(gy, gyOffset, "maxPoolBackward upstream gradient"),
                at(argmax, argmaxOffset, "maxPoolBackward arg-max"), at(gx, gxOffset, "maxPoolBackward gradient"));
    }

    @Override
    public void softmax(boolean log, int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset) {
        DeviceChecks.softmax(rows, cols, x, xOffset, out, outOffset);
        bind();
        reductions.softmax(log, rows, cols, at(x, xOffset, "softmax input"), at(out, outOffset, "softmax output"));
    }

    @Override
    public void softmaxBackward(boolean log, int rows, int cols, Buffer y, long yOffset, Buffer gy, long gyOffset,
                                Buffer gx, long gxOffset) {
        DeviceChecks.softmaxBackward(rows, cols, y, yOffset, gy, gyOffset, gx, gxOffset);
        bind();
        reductions.softmaxBackward(log, rows, cols, at(y, yOffset, "softmax output"),
                at(gy, gyOffset, "softmax upstream gradient"), at(gx, gxOffset, "softmax gradient"));
    }

    /** {@inheritDoc} On CUDA a target outside [0, cols) is not an exception: its loss and gradients are NaN. */
    @Override
    public void crossEntropy(int rows, int cols, Buffer logits, long logitsOffset, Buffer targets, long targetsOffset,
                             Buffer loss, long lossOffset, Buffer probs, long probsOffset) {
        DeviceChecks.crossEntropy(rows, cols, logits, logitsOffset, targets, targetsOffset, loss, lossOffset,
                probs, probsOffset);
        bind();
        reductions.crossEntropy(rows, cols, at(logits, logitsOffset, "cross_entropy logits"),
                at(targets, targetsOffset, "cross_entropy targets"), at(loss, lossOffset, "cross_entropy loss"),
                at(probs, probsOffset, "cross_entropy probabilities"));
    }

    @Override
    public void crossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset, Buffer targets,
                                     long targetsOffset, Buffer gLoss, long gLossOffset, long gLossStride,
                                     Buffer gx, long gxOffset) {
        DeviceChecks.crossEntropyBackward(rows, cols, probs, probsOffset, targets, targetsOffset, gLoss, gLossOffset,
                gLossStride, gx, gxOffset);
        bind();
        reductions.crossEntropyBackward(rows, cols, at(probs, probsOffset, "cross_entropy probabilities"),
                at(targets, targetsOffset, "cross_entropy targets"),
                at(gLoss, gLossOffset, "cross_entropy upstream gradient"), gLossStride,
                at(gx, gxOffset, "cross_entropy gradient"));
    }

    /** {@inheritDoc} On CUDA a bad index is not an exception: that output element is NaN. */
    @Override
    public void gather(int outer, int n, int inner, int m, Buffer x, long xOffset, Buffer index, long indexOffset,
                       long[] indexStrides, Buffer out, long outOffset) {
        DeviceChecks.gather(outer, n, inner, m, x, xOffset, index, indexOffset, indexStrides, out, outOffset);
        bind();
        indexing.gather(outer, n, inner, m, at(x, xOffset, "gather input x"), at(index, indexOffset, "gather index"),
                indexStrides, at(out, outOffset, "gather output"));
    }

    /** {@inheritDoc} On CUDA a bad index is not an exception: its fiber of the output is NaN. */
    @Override
    public void scatterAdd(int outer, int n, int inner, int m, Buffer index, long indexOffset, long[] indexStrides,
                           Buffer src, long srcOffset, Buffer out, long outOffset) {
        DeviceChecks.scatterAdd(outer, n, inner, m, index, indexOffset, indexStrides, src, srcOffset, out, outOffset);
        bind();
        indexing.scatterAdd(outer, n, inner, m, at(index, indexOffset, "scatterAdd index"), indexStrides,
                at(src, srcOffset, "scatterAdd source"), at(out, outOffset, "scatterAdd output"));
    }

    @Override
    public void select(int[] shape, Buffer cond, long condOffset, long[] condStrides, Buffer a, long aOffset,
                       long[] aStrides, Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        DeviceChecks.select(shape, cond, condOffset, condStrides, a, aOffset, aStrides, b, bOffset, bStrides, out,
                outOffset);
        bind();
        indexing.select(shape, at(cond, condOffset, "select condition"), condStrides, at(a, aOffset, "select input a"),
                aStrides, at(b, bOffset, "select input b"), bStrides, at(out, outOffset, "select output"));
    }

    @Override
    public void sgdStep(Buffer param, Buffer grad, Buffer velocity, long offset, long length, float lr,
                        float momentum, float dampening, float weightDecay, boolean nesterov, boolean firstStep) {
        DeviceChecks.sgdStep(param, grad, velocity, offset, length, momentum);
        bind();
        long vel = momentum == 0f ? 0L : at(velocity, offset, "sgd velocity");
        optimizers.sgd(at(param, offset, "sgd param"), at(grad, offset, "sgd grad"), vel, length, lr, momentum,
                dampening, weightDecay, nesterov, firstStep);
    }

    @Override
    public void adamStep(Buffer param, Buffer grad, Buffer m, Buffer v, long offset, long length, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        DeviceChecks.adamStep(param, grad, m, v, offset, length);
        bind();
        optimizers.adam(at(param, offset, "adam param"), at(grad, offset, "adam grad"), at(m, offset, "adam m"),
                at(v, offset, "adam v"), length, lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    // ------------------------------------------------------------------ graphs

    /** False with {@code -Dadjoint.cuda.graphs=false} (read at each call, so tests and benchmarks can compare). */
    @Override
    public boolean graphsEnabled() {
        return CudaGraph.enabled();
    }

    @Override
    public GraphCapable.Graph capture(Runnable work) {
        bind();
        return CudaGraph.capture(this, stream, memory, work);
    }

    // ------------------------------------------------------------------ timing and lifetime

    /** Milliseconds the GPU spent on the work {@code body} queues, measured with events on the stream. */
    public float timeMillis(Runnable body) {
        bind();
        memory.refuseDuringCapture("timing with events");
        CUevent start = new CUevent();
        CUevent end = new CUevent();
        check(JCudaDriver.cuEventCreate(start, 0), "cuEventCreate");
        check(JCudaDriver.cuEventCreate(end, 0), "cuEventCreate");
        try {
            check(JCudaDriver.cuEventRecord(start, stream), "cuEventRecord");
            body.run();
            check(JCudaDriver.cuEventRecord(end, stream), "cuEventRecord");
            check(JCudaDriver.cuEventSynchronize(end), "cuEventSynchronize");
            float[] ms = new float[1];
            check(JCudaDriver.cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
            return ms[0];
        } finally {
            JCudaDriver.cuEventDestroy(start);
            JCudaDriver.cuEventDestroy(end);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        bind();
        JCudaDriver.cuStreamSynchronize(stream);
        gemm.close();
        kernels.close();
        memory.close();
        JCudaDriver.cuStreamDestroy(stream);
        closed = true;
        CURRENT.remove();
        JCudaDriver.cuDevicePrimaryCtxRelease(cuDevice);
    }

    @Override
    public String toString() {
        return name() + " (" + info.name() + ")";
    }
}
