package dev.adjoint.device.cpu;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceChecks;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.PeakProbe;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.RoundsAsCpu;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;
import dev.adjoint.device.cpu.gemm.Sgemm;
import java.util.Arrays;

/**
 * The pure-Java device: memory is Java arrays, work runs synchronously on a pool sized to the cores.
 * A call allocates nothing on the Java heap in the steady state: each calling thread has its own
 * kernel objects, whose fields carry the arguments (a replayed training step relies on this).
 * Calls from several threads run one at a time (each call is synchronized on the device), so a
 * read never sees half of another thread's in-place write, as on OpenCL's queue and CUDA's stream.
 */
public final class CpuDevice implements Device, PeakProbe, RoundsAsCpu {
    private final Parallel pool;
    private final Sgemm sgemm;
    /** Null without the Vector API: convolutions then take im2col and the GEMM. */
    private final CpuConv conv;
    private final ThreadLocal<Kernels> kernels;
    /** Freed arrays for reuse, up to a quarter of the maximum heap; cleared and retried on out-of-memory. */
    private final ArrayCache cache = new ArrayCache(Runtime.getRuntime().maxMemory() / 4 / Float.BYTES);
    private volatile boolean closed;

    /** One calling thread's kernel objects. */
    private record Kernels(CpuElementwise elementwise, CpuReductions reductions, CpuOptimizers optimizers,
                           CpuWindows windows, CpuIndexing indexing) {}

    public CpuDevice(int threads) {
        CpuVectors.check();
        this.pool = new Parallel(threads);
        this.sgemm = Sgemm.create(pool);
        this.conv = CpuConv.create(pool);
        this.kernels = ThreadLocal.withInitial(() -> new Kernels(new CpuElementwise(pool.threads()),
                new CpuReductions(pool.threads()), new CpuOptimizers(), new CpuWindows(),
                new CpuIndexing(pool.threads())));
    }

    private CpuElementwise elementwise() {
        return kernels.get().elementwise();
    }

    private CpuReductions reductions() {
        return kernels.get().reductions();
    }

    private CpuOptimizers optimizers() {
        return kernels.get().optimizers();
    }

    private CpuIndexing indexing() {
        return kernels.get().indexing();
    }

    public int threads() {
        return pool.threads();
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String description() {
        return pool.threads() + " threads, " + System.getProperty("os.arch") + ", GEMM: " + sgemm.name();
    }

    /** Widened 16-bit gemm operands (A, B), grown as needed; calls are synchronized, so one pair serves them all. */
    private float[] wideA = new float[0];
    private float[] wideB = new float[0];

    private float[] data(Buffer b, String role) {
        return data(b, null, role);
    }

    private short[] bits(Buffer b, String role) {
        return DeviceChecks.owned(this, CpuBuffer.class, b, null, role).bits();
    }

    /** The array of a buffer of this device; {@code op} (may be null) prefixes the role in the error only. */
    private float[] data(Buffer b, Object op, String role) {
        return DeviceChecks.owned(this, CpuBuffer.class, b, op, role).data();
    }

    private static int idx(long v, String what) {
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cpu: " + what + " " + v + " is outside [0, 2^31)");
        }
        return (int) v;
    }

    @Override
    public Buffer allocate(long length, DType dtype) {
        DeviceChecks.open(this);
        int n = idx(length, "buffer length");
        if (dtype != DType.F32) {
            try {
                return new CpuBuffer(this, new short[n], dtype);
            } catch (OutOfMemoryError e) {
                cache.clear();
                return new CpuBuffer(this, new short[n], dtype);
            }
        }
        float[] cached = cache.take(n);
        if (cached != null) {
            return new CpuBuffer(this, cached);
        }
        try {
            return new CpuBuffer(this, new float[n]);
        } catch (OutOfMemoryError first) {
            cache.clear();
        }
        try {
            return new CpuBuffer(this, new float[n]);
        } catch (OutOfMemoryError e) {
            // Only this array failed: the heap is as it was, so the device goes on working.
            Runtime rt = Runtime.getRuntime();
            long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
            throw new DeviceException(String.format(java.util.Locale.ROOT, "cpu: out of memory allocating %d floats "
                    + "(%.1f MiB): the Java heap has %.1f MiB free of %.1f MiB; close tensors you no longer need, or "
                    + "raise the heap (-Xmx, e.g. ADJOINT_JAVA_OPTS=-Xmx16g)", length, length * 4 / 1048576.0,
                    free / 1048576.0, rt.maxMemory() / 1048576.0), e);
        }
    }

    /** A closed buffer's array, kept for the next allocation of its length (dropped once the device is closed). */
    void recycle(float[] data) {
        if (!closed) {
            cache.give(data);
        }
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Buffer dst, long dstOffset, int length) {
        DeviceChecks.upload(src, srcOffset, dst, dstOffset, length);
        System.arraycopy(src, srcOffset, data(dst, "upload destination"), idx(dstOffset, "offset"), length);
    }

    @Override
    public synchronized void download(Buffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        DeviceChecks.download(src, srcOffset, dst, dstOffset, length);
        System.arraycopy(data(src, "download source"), idx(srcOffset, "offset"), dst, dstOffset, length);
    }

    @Override
    public synchronized void fill(Buffer dst, long offset, long length, float value) {
        DeviceChecks.fill(dst, offset, length);
        int o = idx(offset, "offset");
        Arrays.fill(data(dst, "fill destination"), o, o + idx(length, "length"), value);
    }

    @Override
    public synchronized void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        DeviceChecks.copy(src, srcOffset, dst, dstOffset, length);
        boolean f32 = src.dtype() == DType.F32;
        System.arraycopy(f32 ? data(src, "copy source") : bits(src, "copy source"), idx(srcOffset, "offset"),
                f32 ? data(dst, "copy destination") : bits(dst, "copy destination"), idx(dstOffset, "offset"),
                idx(length, "length"));
    }

    @Override
    public synchronized void convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        DeviceChecks.convert(src, srcOffset, dst, dstOffset, length);
        if (src.dtype() == dst.dtype()) {
            copy(src, srcOffset, dst, dstOffset, length);
        } else if (src.dtype() == DType.F32) {
            CpuConvert.narrow(pool, dst.dtype(), data(src, "convert source"), idx(srcOffset, "offset"),
                    bits(dst, "convert destination"), idx(dstOffset, "offset"), idx(length, "length"));
        } else {
            CpuConvert.widen(pool, src.dtype(), bits(src, "convert source"), idx(srcOffset, "offset"),
                    data(dst, "convert destination"), idx(dstOffset, "offset"), idx(length, "length"));
        }
    }

    @Override
    public synchronized void random(Buffer dst, long offset, long length, Distribution dist, float a, float b, long seed) {
        DeviceChecks.random(dst, offset, length);
        float[] d = data(dst, "random destination");
        int o = idx(offset, "offset");
        int n = idx(length, "length");
        optimizers().random.run(pool, d, o, n, dist, a, b, seed);
    }

    @Override
    public void synchronize() {
        DeviceChecks.open(this);    // work on the CPU device is synchronous: nothing to wait for
    }

    /** FMA chains in registers on every thread of the pool ({@link CpuPeak}). */
    @Override
    public Peak measurePeak(double seconds) {
        DeviceChecks.open(this);
        return CpuPeak.measure(pool, seconds);
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     Buffer a, long aOffset, int lda, Buffer b, long bOffset, int ldb,
                     float beta, Buffer c, long cOffset, int ldc) {
        DeviceChecks.gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        float[] cd = data(c, "gemm C");
        int co = idx(cOffset, "offset");
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0 || alpha == 0f) {
            scaleC(m, n, beta, cd, co, ldc);
            return;
        }
        if (a.dtype() == DType.F32) {
            sgemm.gemm(transA, transB, m, n, k, alpha, data(a, "gemm A"), idx(aOffset, "offset"), lda,
                    data(b, "gemm B"), idx(bOffset, "offset"), ldb, beta, cd, co, ldc);
            return;
        }
        // 16-bit A and B: widened exactly to float32, then the SGEMM (products and sums in float32)
        int aRows = transA ? k : m;
        int aCols = transA ? m : k;
        int bRows = transB ? n : k;
        int bCols = transB ? k : n;
        wideA = grown(wideA, (long) aRows * aCols);
        wideB = grown(wideB, (long) bRows * bCols);
        CpuConvert.widenMatrix(pool, a.dtype(), bits(a, "gemm A"), idx(aOffset, "offset"), lda, aRows, aCols, wideA);
        CpuConvert.widenMatrix(pool, b.dtype(), bits(b, "gemm B"), idx(bOffset, "offset"), ldb, bRows, bCols, wideB);
        sgemm.gemm(transA, transB, m, n, k, alpha, wideA, 0, aCols, wideB, 0, bCols, beta, cd, co, ldc);
    }

    private static float[] grown(float[] a, long n) {
        return a.length >= n ? a : new float[idx(n, "widened gemm operand")];
    }

    private static void scaleC(int m, int n, float beta, float[] c, int co, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c[co + i * ldc + j] = beta == 0f ? 0f : beta * c[co + i * ldc + j];
            }
        }
    }

    @Override
    public synchronized void unary(UnaryOp op, float p, int[] shape, Buffer x, long xOffset, long[] xStrides,
                      Buffer out, long outOffset) {
        DeviceChecks.unary(op, shape, x, xOffset, xStrides, out, outOffset);
        elementwise().unary.run(pool, op, p, shape, data(x, op, "input"), idx(xOffset, "offset"), xStrides,
                data(out, op, "output"), idx(outOffset, "offset"));
    }

    @Override
    public synchronized void binary(BinaryOp op, float p, int[] shape, Buffer a, long aOffset, long[] aStrides,
                       Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        DeviceChecks.binary(op, shape, a, aOffset, aStrides, b, bOffset, bStrides, out, outOffset);
        elementwise().binary.run(pool, op, p, shape, data(a, op, "input a"), idx(aOffset, "offset"), aStrides,
                data(b, op, "input b"), idx(bOffset, "offset"), bStrides,
                data(out, op, "output"), idx(outOffset, "offset"));
    }

    @Override
    public synchronized void reduce(ReduceOp op, int outer, int n, int inner, Buffer x, long xOffset, Buffer out, long outOffset) {
        DeviceChecks.reduce(op, outer, n, inner, x, xOffset, out, outOffset);
        reductions().reduce.run(pool, op, outer, n, inner, data(x, op, "input"), idx(xOffset, "offset"),
                data(out, op, "output"), idx(outOffset, "offset"));
    }

    @Override
    public synchronized void softmax(boolean log, int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset) {
        DeviceChecks.softmax(rows, cols, x, xOffset, out, outOffset);
        reductions().softmax.run(pool, log, rows, cols, data(x, "softmax input"), idx(xOffset, "offset"),
                data(out, "softmax output"), idx(outOffset, "offset"));
    }

    @Override
    public synchronized void softmaxBackward(boolean log, int rows, int cols, Buffer y, long yOffset, Buffer gy, long gyOffset,
                                Buffer gx, long gxOffset) {
        DeviceChecks.softmaxBackward(rows, cols, y, yOffset, gy, gyOffset, gx, gxOffset);
        reductions().softmaxBackward.run(pool, log, rows, cols, data(y, "softmax output"), idx(yOffset, "offset"),
                data(gy, "softmax upstream gradient"), idx(gyOffset, "offset"),
                data(gx, "softmax gradient"), idx(gxOffset, "offset"));
    }

    @Override
    public synchronized void im2col(Window window, float fill, Buffer x, long xOffset, Buffer cols, long colsOffset) {
        DeviceChecks.im2col(window, x, xOffset, cols, colsOffset);
        kernels.get().windows().im2col.run(pool, window, fill, data(x, "im2col image"), idx(xOffset, "offset"),
                data(cols, "im2col columns"), idx(colsOffset, "offset"));
    }

    @Override
    public synchronized void col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset) {
        DeviceChecks.col2im(window, cols, colsOffset, x, xOffset);
        kernels.get().windows().col2im.run(pool, window, data(cols, "col2im columns"), idx(colsOffset, "offset"),
                data(x, "col2im image"), idx(xOffset, "offset"));
    }

    private boolean implicit(Window window, int out) {
        return conv != null && window != null && CpuConv.suits(window, out);
    }

    @Override
    public long convWorkspace(Window window, int out) {
        return implicit(window, out) ? 0 : Device.super.convWorkspace(window, out);
    }

    @Override
    public synchronized void conv(Window window, int out, Buffer weight, long weightOffset, Buffer x, long xOffset,
                                  Buffer bias, long biasOffset, Buffer y, long yOffset, Buffer work, long workOffset) {
        if (!implicit(window, out)) {
            Device.super.conv(window, out, weight, weightOffset, x, xOffset, bias, biasOffset, y, yOffset, work,
                    workOffset);
            return;
        }
        DeviceChecks.conv("conv", window, out, weight, weightOffset, x, xOffset, y, yOffset, work, workOffset, this);
        DeviceChecks.convBias(out, bias, biasOffset);
        conv.forward(window, out, data(weight, "conv weight"), idx(weightOffset, "offset"), data(x, "conv image"),
                idx(xOffset, "offset"), bias == null ? null : data(bias, "conv bias"), idx(biasOffset, "offset"),
                data(y, "conv output"), idx(yOffset, "offset"));
    }

    @Override
    public synchronized void convBackwardInput(Window window, int out, Buffer weight, long weightOffset, Buffer gy,
                                               long gyOffset, Buffer gx, long gxOffset, Buffer work, long workOffset) {
        if (!implicit(window, out)) {
            Device.super.convBackwardInput(window, out, weight, weightOffset, gy, gyOffset, gx, gxOffset, work,
                    workOffset);
            return;
        }
        DeviceChecks.conv("convBackwardInput", window, out, weight, weightOffset, gx, gxOffset, gy, gyOffset, work,
                workOffset, this);
        conv.inputGradient(window, out, data(weight, "conv weight"), idx(weightOffset, "offset"),
                data(gy, "conv output gradient"), idx(gyOffset, "offset"), data(gx, "conv image gradient"),
                idx(gxOffset, "offset"));
    }

    @Override
    public synchronized void convBackwardWeight(Window window, int out, Buffer gy, long gyOffset, Buffer x,
                                                long xOffset, Buffer gw, long gwOffset, Buffer work, long workOffset) {
        if (!implicit(window, out)) {
            Device.super.convBackwardWeight(window, out, gy, gyOffset, x, xOffset, gw, gwOffset, work, workOffset);
            return;
        }
        DeviceChecks.conv("convBackwardWeight", window, out, gw, gwOffset, x, xOffset, gy, gyOffset, work,
                workOffset, this);
        conv.weightGradient(window, out, data(gy, "conv output gradient"), idx(gyOffset, "offset"),
                data(x, "conv image"), idx(xOffset, "offset"), data(gw, "conv weight gradient"),
                idx(gwOffset, "offset"));
    }

    @Override
    public synchronized void maxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax,
                                     long argmaxOffset) {
        DeviceChecks.maxPool(window, x, xOffset, out, outOffset, argmax, argmaxOffset);
        kernels.get().windows().maxPool.run(pool, window, data(x, "maxPool image"), idx(xOffset, "offset"),
                data(out, "maxPool output"), idx(outOffset, "offset"), data(argmax, "maxPool arg-max"),
                idx(argmaxOffset, "offset"));
    }

    @Override
    public synchronized void maxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset,
                                             Buffer gx, long gxOffset) {
        DeviceChecks.maxPoolBackward(window, gy, gyOffset, argmax, argmaxOffset, gx, gxOffset);
        kernels.get().windows().maxPoolBackward.run(pool, window, data(gy, "maxPoolBackward upstream gradient"),
                idx(gyOffset, "offset"), data(argmax, "maxPoolBackward arg-max"), idx(argmaxOffset, "offset"),
                data(gx, "maxPoolBackward gradient"), idx(gxOffset, "offset"));
    }

    @Override
    public synchronized void crossEntropy(int rows, int cols, Buffer logits, long logitsOffset, Buffer targets, long targetsOffset,
                             Buffer loss, long lossOffset, Buffer probs, long probsOffset) {
        DeviceChecks.crossEntropy(rows, cols, logits, logitsOffset, targets, targetsOffset, loss, lossOffset,
                probs, probsOffset);
        reductions().crossEntropy.run(pool, rows, cols, data(logits, "cross_entropy logits"), idx(logitsOffset, "offset"),
                data(targets, "cross_entropy targets"), idx(targetsOffset, "offset"),
                data(loss, "cross_entropy loss"), idx(lossOffset, "offset"),
                data(probs, "cross_entropy probabilities"), idx(probsOffset, "offset"));
    }

    @Override
    public synchronized void crossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset, Buffer targets,
                                     long targetsOffset, Buffer gLoss, long gLossOffset, long gLossStride,
                                     Buffer gx, long gxOffset) {
        DeviceChecks.crossEntropyBackward(rows, cols, probs, probsOffset, targets, targetsOffset, gLoss, gLossOffset,
                gLossStride, gx, gxOffset);
        reductions().crossEntropyBackward.run(pool, rows, cols, data(probs, "cross_entropy probabilities"),
                idx(probsOffset, "offset"), data(targets, "cross_entropy targets"), idx(targetsOffset, "offset"),
                data(gLoss, "cross_entropy upstream gradient"), idx(gLossOffset, "offset"),
                idx(gLossStride, "stride"), data(gx, "cross_entropy gradient"), idx(gxOffset, "offset"));
    }

    /** {@inheritDoc} Every index is checked before anything is written: a bad one throws {@link dev.adjoint.device.IndexException}. */
    @Override
    public synchronized void gather(int outer, int n, int inner, int m, Buffer x, long xOffset, Buffer index,
                                    long indexOffset, long[] indexStrides, Buffer out, long outOffset) {
        DeviceChecks.gather(outer, n, inner, m, x, xOffset, index, indexOffset, indexStrides, out, outOffset);
        indexing().gather.run(pool, outer, n, inner, m, data(x, "gather input x"), idx(xOffset, "offset"),
                data(index, "gather index"), idx(indexOffset, "offset"), indexStrides, data(out, "gather output"),
                idx(outOffset, "offset"));
    }

    /** {@inheritDoc} Every index is checked before anything is written: a bad one throws {@link dev.adjoint.device.IndexException}. */
    @Override
    public synchronized void scatterAdd(int outer, int n, int inner, int m, Buffer index, long indexOffset,
                                        long[] indexStrides, Buffer src, long srcOffset, Buffer out, long outOffset) {
        DeviceChecks.scatterAdd(outer, n, inner, m, index, indexOffset, indexStrides, src, srcOffset, out, outOffset);
        indexing().scatterAdd.run(pool, outer, n, inner, m, data(index, "scatterAdd index"), idx(indexOffset, "offset"),
                indexStrides, data(src, "scatterAdd source"), idx(srcOffset, "offset"), data(out, "scatterAdd output"),
                idx(outOffset, "offset"));
    }

    @Override
    public synchronized void select(int[] shape, Buffer cond, long condOffset, long[] condStrides, Buffer a,
                                    long aOffset, long[] aStrides, Buffer b, long bOffset, long[] bStrides,
                                    Buffer out, long outOffset) {
        DeviceChecks.select(shape, cond, condOffset, condStrides, a, aOffset, aStrides, b, bOffset, bStrides, out,
                outOffset);
        indexing().select.run(pool, shape, data(cond, "select condition"), idx(condOffset, "offset"), condStrides,
                data(a, "select input a"), idx(aOffset, "offset"), aStrides, data(b, "select input b"),
                idx(bOffset, "offset"), bStrides, data(out, "select output"), idx(outOffset, "offset"));
    }

    @Override
    public synchronized void sgdStep(Buffer param, Buffer grad, Buffer velocity, long offset, long length, float lr,
                        float momentum, float dampening, float weightDecay, boolean nesterov, boolean firstStep) {
        DeviceChecks.sgdStep(param, grad, velocity, offset, length, momentum);
        optimizers().sgd.run(pool, data(param, "sgd param"), data(grad, "sgd grad"),
                momentum == 0f ? null : data(velocity, "sgd velocity"), idx(offset, "offset"), idx(length, "length"),
                lr, momentum, dampening, weightDecay, nesterov, firstStep);
    }

    @Override
    public synchronized void adamStep(Buffer param, Buffer grad, Buffer m, Buffer v, long offset, long length, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        DeviceChecks.adamStep(param, grad, m, v, offset, length);
        optimizers().adam.run(pool, data(param, "adam param"), data(grad, "adam grad"), data(m, "adam m"),
                data(v, "adam v"), idx(offset, "offset"), idx(length, "length"),
                lr, beta1, beta2, eps, weightDecay, decoupled, step);
    }

    @Override
    public void close() {
        closed = true;
        cache.clear();
        wideA = new float[0];
        wideB = new float[0];
        pool.close();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "cpu(" + pool.threads() + " threads)";
    }
}
