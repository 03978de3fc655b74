package dev.adjoint.testing;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.GraphCapable;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link GraphCapable} device over another device, behaving as CUDA stream capture does: during
 * {@link #capture} every call is recorded, not run; {@link Graph#launch} runs the recording.
 * Allocation, host transfers and synchronize during a capture throw a {@link DeviceException}.
 * Counts captures, launches and destroyed graphs, for the plan's tests.
 */
public final class FakeGraphDevice implements Device, GraphCapable {
    private final Device inner;
    private List<Runnable> recording;
    private boolean enabled = true;
    private RuntimeException failNextCapture;
    private int captures;
    private int launches;
    private int destroyed;

    public FakeGraphDevice(Device inner) {
        this.inner = inner;
    }

    public FakeGraphDevice enabled(boolean on) {
        enabled = on;
        return this;
    }

    /** The next capture throws {@code e} from inside the captured work, as a refused call would. */
    public void failNextCapture(RuntimeException e) {
        failNextCapture = e;
    }

    public int captures() {
        return captures;
    }

    public int launches() {
        return launches;
    }

    public int destroyed() {
        return destroyed;
    }

    @Override
    public boolean graphsEnabled() {
        return enabled;
    }

    @Override
    public Graph capture(Runnable work) {
        if (recording != null) {
            throw new IllegalStateException("fake: capture within a capture");
        }
        List<Runnable> calls = new ArrayList<>();
        recording = calls;
        try {
            work.run();
            if (failNextCapture != null) {
                RuntimeException e = failNextCapture;
                failNextCapture = null;
                throw e;
            }
        } finally {
            recording = null;
        }
        captures++;
        return new Graph() {
            private boolean closed;

            @Override
            public void launch() {
                if (closed) {
                    throw new IllegalStateException("fake: graph launched after close");
                }
                launches++;
                calls.forEach(Runnable::run);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    destroyed++;
                }
            }
        };
    }

    private void queue(Runnable call) {
        if (recording != null) {
            recording.add(call);
        } else {
            call.run();
        }
    }

    private void refuse(String op) {
        if (recording != null) {
            throw new DeviceException("fake: " + op + " during graph capture");
        }
    }

    @Override public String name() { return inner.name(); }
    @Override public String description() { return "fake graphs over " + inner.description(); }

    @Override
    public Buffer allocate(long length, DType dtype) {
        refuse("allocate");
        return inner.allocate(length, dtype);
    }

    @Override
    public void upload(float[] src, int srcOffset, Buffer dst, long dstOffset, int length) {
        refuse("upload");
        inner.upload(src, srcOffset, dst, dstOffset, length);
    }

    @Override
    public void download(Buffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        refuse("download");
        inner.download(src, srcOffset, dst, dstOffset, length);
    }

    @Override
    public void synchronize() {
        refuse("synchronize");
        inner.synchronize();
    }

    @Override
    public void fill(Buffer dst, long offset, long length, float value) {
        queue(() -> inner.fill(dst, offset, length, value));
    }

    @Override
    public void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        queue(() -> inner.copy(src, srcOffset, dst, dstOffset, length));
    }

    @Override
    public void convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        queue(() -> inner.convert(src, srcOffset, dst, dstOffset, length));
    }

    @Override
    public void random(Buffer dst, long offset, long length, Distribution dist, float a, float b, long seed) {
        queue(() -> inner.random(dst, offset, length, dist, a, b, seed));
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Buffer a, long aOffset, int lda,
                     Buffer b, long bOffset, int ldb, float beta, Buffer c, long cOffset, int ldc) {
        queue(() -> inner.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc));
    }

    @Override
    public void unary(UnaryOp op, float p, int[] shape, Buffer x, long xOffset, long[] xStrides, Buffer out,
                      long outOffset) {
        queue(() -> inner.unary(op, p, shape, x, xOffset, xStrides, out, outOffset));
    }

    @Override
    public void binary(BinaryOp op, float p, int[] shape, Buffer a, long aOffset, long[] aStrides, Buffer b,
                       long bOffset, long[] bStrides, Buffer out, long outOffset) {
        queue(() -> inner.binary(op, p, shape, a, aOffset, aStrides, b, bOffset, bStrides, out, outOffset));
    }

    @Override
    public void reduce(ReduceOp op, int outer, int n, int innerSize, Buffer x, long xOffset, Buffer out,
                       long outOffset) {
        queue(() -> inner.reduce(op, outer, n, innerSize, x, xOffset, out, outOffset));
    }

    @Override
    public void softmax(boolean log, int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset) {
        queue(() -> inner.softmax(log, rows, cols, x, xOffset, out, outOffset));
    }

    @Override
    public void softmaxBackward(boolean log, int rows, int cols, Buffer y, long yOffset, Buffer gy, long gyOffset,
                                Buffer gx, long gxOffset) {
        queue(() -> inner.softmaxBackward(log, rows, cols, y, yOffset, gy, gyOffset, gx, gxOffset));
    }

    @Override
    public void im2col(Window window, float fill, Buffer x, long xOffset, Buffer cols, long colsOffset) {
        queue(() -> inner.im2col(window, fill, x, xOffset, cols, colsOffset));
    }

    @Override
    public void col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset) {
        queue(() -> inner.col2im(window, cols, colsOffset, x, xOffset));
    }

    @Override
    public void maxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax, long argmaxOffset) {
        queue(() -> inner.maxPool(window, x, xOffset, out, outOffset, argmax, argmaxOffset));
    }

    @Override
    public void maxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset, Buffer gx,
                                long gxOffset) {
        queue(() -> inner.maxPoolBackward(window, gy, gyOffset, argmax, argmaxOffset, gx, gxOffset));
    }

    @Override
    public void crossEntropy(int rows, int cols, Buffer logits, long logitsOffset, Buffer targets, long targetsOffset,
                             Buffer loss, long lossOffset, Buffer probs, long probsOffset) {
        queue(() -> inner.crossEntropy(rows, cols, logits, logitsOffset, targets, targetsOffset, loss, lossOffset,
                probs, probsOffset));
    }

    @Override
    public void crossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset, Buffer targets,
                                     long targetsOffset, Buffer gLoss, long gLossOffset, long gLossStride, Buffer gx,
                                     long gxOffset) {
        queue(() -> inner.crossEntropyBackward(rows, cols, probs, probsOffset, targets, targetsOffset, gLoss,
                gLossOffset, gLossStride, gx, gxOffset));
    }

    @Override
    public void gather(int outer, int n, int in, int m, Buffer x, long xo, Buffer i, long io, long[] is, Buffer o, long oo) {
        queue(() -> inner.gather(outer, n, in, m, x, xo, i, io, is, o, oo));
    }

    @Override
    public void scatterAdd(int outer, int n, int in, int m, Buffer i, long io, long[] is, Buffer s, long so, Buffer o,
                           long oo) {
        queue(() -> inner.scatterAdd(outer, n, in, m, i, io, is, s, so, o, oo));
    }

    @Override
    public void select(int[] shape, Buffer c, long co, long[] cs, Buffer a, long ao, long[] as, Buffer b, long bo,
                       long[] bs, Buffer o, long oo) {
        queue(() -> inner.select(shape, c, co, cs, a, ao, as, b, bo, bs, o, oo));
    }

    @Override
    public void sgdStep(Buffer param, Buffer grad, Buffer velocity, long offset, long length, float lr, float momentum,
                        float dampening, float weightDecay, boolean nesterov, boolean firstStep) {
        queue(() -> inner.sgdStep(param, grad, velocity, offset, length, lr, momentum, dampening, weightDecay,
                nesterov, firstStep));
    }

    @Override
    public void adamStep(Buffer param, Buffer grad, Buffer m, Buffer v, long offset, long length, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        queue(() -> inner.adamStep(param, grad, m, v, offset, length, lr, beta1, beta2, eps, weightDecay, decoupled,
                step));
    }

    /** Leaves the device underneath open (it is shared). */
    @Override
    public void close() {}

    @Override
    public boolean isClosed() {
        return inner.isClosed();
    }
}
