package dev.adjoint.device.opencl;

import static org.lwjgl.opencl.CL10.*;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceChecks;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.PeakProbe;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/**
 * One OpenCL device: a context, one in-order command queue, the built kernels, and the buffers
 * allocated from it, of float32 or of BF16 / F16 elements. This class owns memory and transfers;
 * the op families launch through {@link ClGemm}, {@link ClConvert}, {@link ClElementwise},
 * {@link ClReductions}, {@link ClIndexing} and {@link ClOptimizers}. Every primitive computes in float32: a 16-bit buffer
 * is only ever converted, copied, or (as gemm's A and B) widened into F32 scratch first.
 * Sub-buffer offsets travel as kernel arguments. Calls are serialized on the device (a kernel's
 * arguments and its launch must not interleave with another thread's).
 */
public final class OpenClDevice implements Device, PeakProbe {
    /** Transfers stage through native memory in pieces of at most this many floats. */
    private static final int STAGE = 1 << 22;

    private final ClPlatforms.DeviceInfo info;
    private final GemmConfig gemmConfig;
    private final Set<OpenClBuffer> open = Collections.newSetFromMap(new IdentityHashMap<>());
    private long context;
    private long queue;
    private volatile boolean closed;
    private Kernels kernels;
    private final ClGemm gemm;
    private final ClElementwise elementwise;
    private final ClReductions reductions;
    private final ClOptimizers optimizers;
    private final ClConvert convert;
    private final ClWindows windows;
    private final ClIndexing indexing;

    OpenClDevice(ClPlatforms.DeviceInfo info) {
        this(info, GemmConfig.forDevice(info));
    }

    OpenClDevice(ClPlatforms.DeviceInfo info, GemmConfig gemmConfig) {
        this.info = info;
        this.gemmConfig = gemmConfig;
        try {
            int maxGroup = (int) Math.min(1024, ClPlatforms.devicePointer(info.device(), CL_DEVICE_MAX_WORK_GROUP_SIZE));
            int reductionGroup = Math.min(Integer.highestOneBit(maxGroup), info.isGpu() ? 256 : 64);
            kernels = SignalHandlers.keep(() -> createContext(reductionGroup));
            int local = Math.min(256, Integer.highestOneBit(maxGroup));
            convert = new ClConvert(this, local);
            gemm = new ClGemm(this, gemmConfig, convert);
            elementwise = new ClElementwise(this, local);
            reductions = new ClReductions(this, reductionGroup, local, info.isGpu() ? 4 * info.computeUnits() : 2 * info.computeUnits());
            optimizers = new ClOptimizers(this, local);
            windows = new ClWindows(this, local);
            indexing = new ClIndexing(this, local);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** The context, the queue and the built kernels: the driver's compiler starts here, hence {@link SignalHandlers#keep}. */
    private Kernels createContext(int reductionGroup) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            context = clCreateContext(stack.pointers(CL_CONTEXT_PLATFORM, info.platform(), 0), info.device(), null, 0L, err);
            ClStatus.check(err.get(0), "clCreateContext(" + info.deviceName() + ")");
            queue = clCreateCommandQueue(context, info.device(), 0L, err);
            ClStatus.check(err.get(0), "clCreateCommandQueue(" + info.deviceName() + ")");
        }
        return new Kernels(context, info.device(), reductionGroup, gemmConfig.defines());
    }

    @Override
    public String name() {
        return "opencl:" + info.index();
    }

    @Override
    public String description() {
        return String.format("%s (%s), %s, %d compute units, %.1f GiB, %s, GEMM: %s", info.deviceName(),
                info.platformName(), info.typeName(), info.computeUnits(), info.globalMemory() / (double) (1L << 30),
                info.languageVersion(), gemmConfig.describe());
    }

    /** {@code peak.cl}'s FMA chains over every compute unit ({@link ClPeak}). */
    @Override
    public synchronized Peak measurePeak(double seconds) {
        return ClPeak.measure(this, info.isGpu(), info.computeUnits(), seconds);
    }

    /** The platform's version string, e.g. {@code OpenCL 3.0 PoCL 3.1+debian ...}. */
    public String platformVersion() {
        return info.platformVersion();
    }

    // ------------------------------------------------------------------ plumbing for the launchers

    /** A launch of the cached kernel {@code name}; {@code what} names the op and shapes on failure. */
    Launch launch(String name, java.util.function.Supplier<String> what) {
        return new Launch(queue(), kernels.get(name), what);
    }

    private long queue() {
        DeviceChecks.open(this);
        return queue;
    }

    /** The buffer {@code b} as this device's, or an error naming the role it was passed in. */
    OpenClBuffer buf(Buffer b, String role) {
        return buf(b, null, role);
    }

    /** {@link #buf(Buffer, String)}; {@code op} (may be null) prefixes the role in the error only, built on failure. */
    private OpenClBuffer buf(Buffer b, Object op, String role) {
        return DeviceChecks.owned(this, OpenClBuffer.class, b, op, role);
    }

    // ------------------------------------------------------------------ memory

    @Override
    public synchronized Buffer allocate(long length, DType dtype) {
        DeviceChecks.open(this);
        if (length < 0 || length > Long.MAX_VALUE / dtype.bytes()) {
            throw new IllegalArgumentException(name() + ": buffer length " + length + " is negative or beyond any memory");
        }
        long bytes = Math.max(1, length) * dtype.bytes();   // OpenCL has no empty buffers
        String what = length + (dtype == DType.F32 ? " floats" : " " + dtype + " elements");
        if (bytes > info.maxAllocation()) {
            throw new DeviceException(String.format("opencl: out of memory: allocating %s (%.1f MiB) on %s "
                    + "exceeds CL_DEVICE_MAX_MEM_ALLOC_SIZE (%.1f MiB); %s", what, bytes / 1048576.0,
                    info.deviceName(), info.maxAllocation() / 1048576.0, memory()));
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer err = stack.mallocInt(1);
            long mem = clCreateBuffer(context, CL_MEM_READ_WRITE, bytes, err);
            if (err.get(0) != CL_SUCCESS) {
                throw new DeviceException(String.format("opencl: %s (%d) allocating %s (%.1f MiB) on %s; %s",
                        ClStatus.name(err.get(0)), err.get(0), what, bytes / 1048576.0, info.deviceName(), memory()));
            }
            OpenClBuffer b = new OpenClBuffer(this, mem, length, dtype);
            open.add(b);
            return b;
        }
    }

    /** What an out-of-memory message can say: OpenCL reports no free memory, so the total and what this device holds. */
    private String memory() {
        long live = 0;
        for (OpenClBuffer b : open) {
            live += b.bytes();
        }
        return String.format("global memory %.1f MiB, of which live buffers of this device hold %.1f MiB, so at most "
                + "%.1f MiB is free", info.globalMemory() / 1048576.0, live / 1048576.0,
                Math.max(0, info.globalMemory() - live) / 1048576.0);
    }

    /** How many buffers of this device are open, the gemm scratch of {@link ClConvert} included. */
    synchronized int openBuffers() {
        return open.size();
    }

    synchronized void release(OpenClBuffer b, long mem) {
        if (open.remove(b)) {
            clReleaseMemObject(mem);
        }
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Buffer dst, long dstOffset, int length) {
        DeviceChecks.upload(src, srcOffset, dst, dstOffset, length);
        OpenClBuffer d = buf(dst, "upload destination");
        transfer(true, src, srcOffset, d, dstOffset, length);
    }

    @Override
    public synchronized void download(Buffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        DeviceChecks.download(src, srcOffset, dst, dstOffset, length);
        OpenClBuffer s = buf(src, "download source");
        transfer(false, dst, dstOffset, s, srcOffset, length);
    }

    /** Blocking writes or reads through a native staging buffer, in pieces of at most {@link #STAGE} floats. */
    private void transfer(boolean write, float[] array, int arrayOffset, OpenClBuffer b, long offset, int length) {
        if (length == 0) {
            return;
        }
        FloatBuffer stage = MemoryUtil.memAllocFloat(Math.min(length, STAGE));
        try {
            for (int done = 0; done < length; ) {
                int n = Math.min(STAGE, length - done);
                stage.clear().limit(n);
                long byteOffset = (offset + done) * Float.BYTES;
                int status;
                if (write) {
                    stage.put(array, arrayOffset + done, n).flip();
                    status = clEnqueueWriteBuffer(queue(), b.mem(), true, byteOffset, stage, null, null);
                } else {
                    status = clEnqueueReadBuffer(queue(), b.mem(), true, byteOffset, stage, null, null);
                    stage.get(array, arrayOffset + done, n);
                }
                int at = done;
                ClStatus.check(status, () -> (write ? "upload" : "download") + " of " + n + " floats at offset "
                        + (offset + at) + " of a buffer of " + b.length());
                done += n;
            }
        } finally {
            MemoryUtil.memFree(stage);
        }
    }

    @Override
    public synchronized void fill(Buffer dst, long offset, long length, float value) {
        DeviceChecks.fill(dst, offset, length);
        elementwise.fill(buf(dst, "fill destination"), offset, length, value);
    }

    @Override
    public synchronized void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        DeviceChecks.copy(src, srcOffset, dst, dstOffset, length);
        OpenClBuffer s = buf(src, "copy source");
        OpenClBuffer d = buf(dst, "copy destination");
        if (length == 0) {
            return;
        }
        int size = s.dtype().bytes();                      // one dtype on both sides (DeviceChecks.copy)
        ClStatus.check(clEnqueueCopyBuffer(queue(), s.mem(), d.mem(), srcOffset * size, dstOffset * size,
                length * size, null, null), () -> "copy of " + length + " " + s.dtype() + " elements from offset "
                + srcOffset + " to offset " + dstOffset);
    }

    /** Between F32 and BF16 / F16 by {@code convert.cl} ({@link ClConvert}); within one dtype, a copy. */
    @Override
    public synchronized void convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        DeviceChecks.convert(src, srcOffset, dst, dstOffset, length);
        if (src.dtype() == dst.dtype()) {
            copy(src, srcOffset, dst, dstOffset, length);
            return;
        }
        convert.convert(buf(src, "convert source"), srcOffset, buf(dst, "convert destination"), dstOffset, length);
    }

    @Override
    public synchronized void random(Buffer dst, long offset, long length, Distribution dist, float a, float b, long seed) {
        DeviceChecks.random(dst, offset, length);
        elementwise.random(buf(dst, "random destination"), offset, length, dist, a, b, seed);
    }

    @Override
    public synchronized void synchronize() {
        ClStatus.check(clFinish(queue()), "synchronize (clFinish)");
    }

    // ------------------------------------------------------------------ compute

    /** {@link ClGemm}: BF16 or F16 A and B are widened exactly into F32 scratch first, then multiplied as F32. */
    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                  Buffer a, long aOffset, int lda, Buffer b, long bOffset, int ldb,
                                  float beta, Buffer c, long cOffset, int ldc) {
        DeviceChecks.gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        gemm.tiled(transA, transB, m, n, k, alpha, buf(a, "gemm A"), aOffset, lda, buf(b, "gemm B"), bOffset, ldb,
                beta, buf(c, "gemm C"), cOffset, ldc);
    }

    /**
     * The benchmark baseline: {@link #gemm} computed by {@code gemm_naive}, one output per work-item
     * straight from global memory. Same contract and results (to rounding) as {@link #gemm}.
     */
    public synchronized void gemmNaive(boolean transA, boolean transB, int m, int n, int k, float alpha,
                                       Buffer a, long aOffset, int lda, Buffer b, long bOffset, int ldb,
                                       float beta, Buffer c, long cOffset, int ldc) {
        DeviceChecks.gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        gemm.naive(transA, transB, m, n, k, alpha, buf(a, "gemm A"), aOffset, lda, buf(b, "gemm B"), bOffset, ldb,
                beta, buf(c, "gemm C"), cOffset, ldc);
    }

    @Override
    public synchronized void unary(UnaryOp op, float p, int[] shape, Buffer x, long xOffset, long[] xStrides,
                                   Buffer out, long outOffset) {
        DeviceChecks.unary(op, shape, x, xOffset, xStrides, out, outOffset);
        elementwise.unary(op, p, shape, buf(x, op, "input"), xOffset, xStrides, buf(out, op, "output"), outOffset);
    }

    @Override
    public synchronized void binary(BinaryOp op, float p, int[] shape, Buffer a, long aOffset, long[] aStrides,
                                    Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        DeviceChecks.binary(op, shape, a, aOffset, aStrides, b, bOffset, bStrides, out, outOffset);
        elementwise.binary(op, p, shape, buf(a, op, "input a"), aOffset, aStrides, buf(b, op, "input b"), bOffset,
                bStrides, buf(out, op, "output"), outOffset);
    }

    @Override
    public synchronized void reduce(ReduceOp op, int outer, int n, int inner, Buffer x, long xOffset,
                                    Buffer out, long outOffset) {
        DeviceChecks.reduce(op, outer, n, inner, x, xOffset, out, outOffset);
        reductions.reduce(op, outer, n, inner, buf(x, op, "input"), xOffset, buf(out, op, "output"), outOffset);
    }

    @Override
    public synchronized void im2col(Window window, float fill, Buffer x, long xOffset, Buffer cols, long colsOffset) {
        DeviceChecks.im2col(window, x, xOffset, cols, colsOffset);
        windows.im2col(window, fill, buf(x, "im2col image"), xOffset, buf(cols, "im2col columns"), colsOffset);
    }

    @Override
    public synchronized void col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset) {
        DeviceChecks.col2im(window, cols, colsOffset, x, xOffset);
        windows.col2im(window, buf(cols, "col2im columns"), colsOffset, buf(x, "col2im image"), xOffset);
    }

    @Override
    public synchronized void maxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax,
                                     long argmaxOffset) {
        DeviceChecks.maxPool(window, x, xOffset, out, outOffset, argmax, argmaxOffset);
        windows.maxPool(window, buf(x, "maxPool image"), xOffset, buf(out, "maxPool output"), outOffset,
                buf(argmax, "maxPool arg-max"), argmaxOffset);
    }

    @Override
    public synchronized void maxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset,
                                             Buffer gx, long gxOffset) {
        DeviceChecks.maxPoolBackward(window, gy, gyOffset, argmax, argmaxOffset, gx, gxOffset);
        windows.maxPoolBackward(window, buf(gy, "maxPoolBackward upstream gradient"), gyOffset,
                buf(argmax, "maxPoolBackward arg-max"), argmaxOffset, buf(gx, "maxPoolBackward gradient"), gxOffset);
    }

    @Override
    public synchronized void softmax(boolean log, int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset) {
        DeviceChecks.softmax(rows, cols, x, xOffset, out, outOffset);
        reductions.softmax(log, rows, cols, buf(x, "softmax input"), xOffset, buf(out, "softmax output"), outOffset);
    }

    @Override
    public synchronized void softmaxBackward(boolean log, int rows, int cols, Buffer y, long yOffset,
                                             Buffer gy, long gyOffset, Buffer gx, long gxOffset) {
        DeviceChecks.softmaxBackward(rows, cols, y, yOffset, gy, gyOffset, gx, gxOffset);
        reductions.softmaxBackward(log, rows, cols, buf(y, "softmax output"), yOffset,
                buf(gy, "softmax upstream gradient"), gyOffset, buf(gx, "softmax gradient"), gxOffset);
    }

    @Override
    public synchronized void crossEntropy(int rows, int cols, Buffer logits, long logitsOffset, Buffer targets,
                                          long targetsOffset, Buffer loss, long lossOffset, Buffer probs, long probsOffset) {
        DeviceChecks.crossEntropy(rows, cols, logits, logitsOffset, targets, targetsOffset, loss, lossOffset,
                probs, probsOffset);
        reductions.crossEntropy(rows, cols, buf(logits, "cross_entropy logits"), logitsOffset,
                buf(targets, "cross_entropy targets"), targetsOffset, buf(loss, "cross_entropy loss"), lossOffset,
                buf(probs, "cross_entropy probabilities"), probsOffset);
    }

    @Override
    public synchronized void crossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset, Buffer targets,
                                                  long targetsOffset, Buffer gLoss, long gLossOffset, long gLossStride,
                                                  Buffer gx, long gxOffset) {
        DeviceChecks.crossEntropyBackward(rows, cols, probs, probsOffset, targets, targetsOffset, gLoss, gLossOffset,
                gLossStride, gx, gxOffset);
        reductions.crossEntropyBackward(rows, cols, buf(probs, "cross_entropy probabilities"), probsOffset,
                buf(targets, "cross_entropy targets"), targetsOffset, buf(gLoss, "cross_entropy upstream gradient"),
                gLossOffset, gLossStride, buf(gx, "cross_entropy gradient"), gxOffset);
    }

    /** {@inheritDoc} A bad index gives NaN there (see {@link ClIndexing}). */
    @Override
    public synchronized void gather(int outer, int n, int inner, int m, Buffer x, long xOffset, Buffer index,
                                    long indexOffset, long[] indexStrides, Buffer out, long outOffset) {
        DeviceChecks.gather(outer, n, inner, m, x, xOffset, index, indexOffset, indexStrides, out, outOffset);
        indexing.gather(outer, n, inner, m, buf(x, "gather input x"), xOffset, buf(index, "gather index"), indexOffset,
                indexStrides, buf(out, "gather output"), outOffset);
    }

    /** {@inheritDoc} A bad index gives NaN over its fiber (see {@link ClIndexing}). */
    @Override
    public synchronized void scatterAdd(int outer, int n, int inner, int m, Buffer index, long indexOffset,
                                        long[] indexStrides, Buffer src, long srcOffset, Buffer out, long outOffset) {
        DeviceChecks.scatterAdd(outer, n, inner, m, index, indexOffset, indexStrides, src, srcOffset, out, outOffset);
        indexing.scatterAdd(outer, n, inner, m, buf(index, "scatterAdd index"), indexOffset, indexStrides,
                buf(src, "scatterAdd source"), srcOffset, buf(out, "scatterAdd output"), outOffset);
    }

    @Override
    public synchronized void select(int[] shape, Buffer cond, long condOffset, long[] condStrides, Buffer a,
                                    long aOffset, long[] aStrides, Buffer b, long bOffset, long[] bStrides,
                                    Buffer out, long outOffset) {
        DeviceChecks.select(shape, cond, condOffset, condStrides, a, aOffset, aStrides, b, bOffset, bStrides, out,
                outOffset);
        indexing.select(shape, buf(cond, "select condition"), condOffset, condStrides, buf(a, "select input a"), aOffset,
                aStrides, buf(b, "select input b"), bOffset, bStrides, buf(out, "select output"), outOffset);
    }

    @Override
    public synchronized void sgdStep(Buffer param, Buffer grad, Buffer velocity, long offset, long length, float lr,
                                     float momentum, float dampening, float weightDecay, boolean nesterov,
                                     boolean firstStep) {
        DeviceChecks.sgdStep(param, grad, velocity, offset, length, momentum);
        OpenClBuffer p = buf(param, "sgd param");
        OpenClBuffer v = momentum == 0f ? p : buf(velocity, "sgd velocity");
        optimizers.sgd(p, buf(grad, "sgd grad"), v, offset, length, lr, momentum, dampening,
                weightDecay, nesterov, firstStep);
    }

    @Override
    public synchronized void adamStep(Buffer param, Buffer grad, Buffer m, Buffer v, long offset, long length, float lr,
                                      float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        DeviceChecks.adamStep(param, grad, m, v, offset, length);
        optimizers.adam(buf(param, "adam param"), buf(grad, "adam grad"), buf(m, "adam m"), buf(v, "adam v"),
                offset, length,
                lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    /** Waits for queued work, then releases every open buffer, the kernels, the queue and the context. */
    @Override
    public synchronized void close() {
        closed = true;
        if (queue != 0) {
            clFinish(queue);
        }
        for (OpenClBuffer b : new ArrayList<>(open)) {
            b.close();
        }
        if (kernels != null) {
            kernels.close();
            kernels = null;
        }
        if (queue != 0) {
            clReleaseCommandQueue(queue);
            queue = 0;
        }
        if (context != 0) {
            clReleaseContext(context);
            context = 0;
        }
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return name() + " (" + info.deviceName() + ")";
    }
}
