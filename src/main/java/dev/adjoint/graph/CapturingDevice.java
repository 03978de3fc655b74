package dev.adjoint.graph;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Collectives;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceChecks;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;

/**
 * A device that can record what runs on it into a {@link Plan}. Create the model, its parameters,
 * the optimizer state and the input slots on it from the start; it passes every call through to
 * the device underneath, and while {@link Plan#capture} runs it also records the call and serves
 * allocations from the plan's arena.
 *
 * <p>A capture refuses, with an {@link IllegalStateException} naming the call, what a replay could
 * not reproduce: host transfers ({@code upload}, {@code download}: e.g. {@code item()} in the step),
 * random fills (the seed would be frozen: dropout) and optimizer updates (the step count and
 * learning rate change every step: run the optimizer after {@link Plan#replay}). One capture at a
 * time, and it belongs to the thread that runs it: a call from another thread meanwhile is refused
 * too (recorded, it would be replayed with every step; served from the arena, its memory would be
 * overwritten by every replay).
 *
 * <p>Every call is checked ({@link DeviceChecks}) against the buffers the caller passed, before
 * it is resolved, run or recorded. The backend underneath checks too, but only against the
 * arena buffer that serves an allocation, which may be larger than what was asked for (a freed
 * buffer is reused for a request down to about half its size): a call running past the end of
 * the caller's buffer would pass there, silently use stale floats, and be replayed every step.
 */
public final class CapturingDevice implements Device {
    private final Device inner;
    /** The capture in progress, or null: its plan and the one thread whose calls it records. */
    private volatile Capture capture;

    private record Capture(Plan plan, Thread thread) {}

    public CapturingDevice(Device inner) {
        if (inner instanceof CapturingDevice) {
            throw new IllegalArgumentException("CapturingDevice: the device is already a CapturingDevice");
        }
        this.inner = inner;
    }

    /** The device underneath, which runs the calls (and a plan's replays). */
    public Device inner() {
        return inner;
    }

    /** Whether a capture is in progress. */
    public boolean capturing() {
        return capture != null;
    }

    synchronized void begin(Plan p) {
        if (capture != null) {
            throw new IllegalStateException("capture: another capture is in progress on " + name());
        }
        p.begin();
        capture = new Capture(p, Thread.currentThread());
    }

    synchronized void end(Plan p) {
        if (capture != null && capture.plan() == p) {
            capture = null;
        }
    }

    /**
     * The plan that call {@code op} records into, read once per call: null when no capture runs.
     * A call from a thread other than the capturing one is refused.
     */
    private Plan plan(String op) {
        Capture c = capture;
        if (c == null) {
            return null;
        }
        if (c.thread() != Thread.currentThread()) {
            throw new IllegalStateException(op + " during a capture on " + name() + ": the capture belongs to thread '"
                    + c.thread().getName() + "', and this call comes from thread '" + Thread.currentThread().getName()
                    + "' (it would be recorded into that step and replayed with it); make it before or after the "
                    + "capture");
        }
        return c.plan();
    }

    private static Buffer in(Plan p, Buffer b) {
        return p != null ? p.resolve(b) : unwrapped(b);
    }

    /** The buffer the device underneath knows: an arena slot's own, else {@code b} itself. */
    private static Buffer unwrapped(Buffer b) {
        return b instanceof Plan.ArenaBuffer a ? a.underlying() : b;
    }

    /** Refuses {@code op} while a capture is under way: a replay could not repeat it ({@code why}). */
    private void refuse(String op, String why) {
        if (plan(op) != null) {
            throw new IllegalStateException(op + " during a capture on " + name() + ": " + why);
        }
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String description() {
        return inner.description();
    }

    @Override
    public Buffer allocate(long length, DType dtype) {
        Plan plan = plan("allocate");
        return plan != null ? plan.allocate(this, length, dtype) : inner.allocate(length, dtype);
    }

    @Override
    public void upload(float[] src, int srcOffset, Buffer dst, long dstOffset, int length) {
        refuse("upload", "a replay would not send new host values; upload inputs into their slots before each "
                + "replay, and make constants before the capture");
        DeviceChecks.upload(src, srcOffset, dst, dstOffset, length);
        inner.upload(src, srcOffset, unwrapped(dst), dstOffset, length);
    }

    @Override
    public void download(Buffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        refuse("download", "a replayed step cannot hand values back to Java code (item(), toArray(), get()); "
                + "accumulate on the device and read after the replay");
        DeviceChecks.download(src, srcOffset, dst, dstOffset, length);
        inner.download(unwrapped(src), srcOffset, dst, dstOffset, length);
    }

    @Override
    public void fill(Buffer dst, long offset, long length, float value) {
        Plan plan = plan("fill");
        DeviceChecks.fill(dst, offset, length);
        Buffer d = in(plan, dst);
        inner.fill(d, offset, length, value);
        if (plan != null) {
            plan.record(new Call.Fill(d, offset, length, value));
        }
    }

    @Override
    public void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        Plan plan = plan("copy");
        DeviceChecks.copy(src, srcOffset, dst, dstOffset, length);
        Buffer s = in(plan, src);
        Buffer d = in(plan, dst);
        inner.copy(s, srcOffset, d, dstOffset, length);
        if (plan != null) {
            plan.record(new Call.Copy(s, srcOffset, d, dstOffset, length));
        }
    }

    @Override
    public void convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        Plan plan = plan("convert");
        DeviceChecks.convert(src, srcOffset, dst, dstOffset, length);
        Buffer s = in(plan, src);
        Buffer d = in(plan, dst);
        inner.convert(s, srcOffset, d, dstOffset, length);
        if (plan != null) {
            plan.record(new Call.Convert(s, srcOffset, d, dstOffset, length));
        }
    }

    @Override
    public void random(Buffer dst, long offset, long length, Distribution dist, float a, float b, long seed) {
        refuse("random", "a replay would draw the same numbers every step (dropout); capture without random "
                + "layers, or train define-by-run");
        DeviceChecks.random(dst, offset, length);
        inner.random(unwrapped(dst), offset, length, dist, a, b, seed);
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Buffer a, long aOffset, int lda,
                     Buffer b, long bOffset, int ldb, float beta, Buffer c, long cOffset, int ldc) {
        Plan plan = plan("gemm");
        DeviceChecks.gemm(transA, transB, m, n, k, a, aOffset, lda, b, bOffset, ldb, c, cOffset, ldc);
        Buffer ia = in(plan, a);
        Buffer ib = in(plan, b);
        Buffer ic = in(plan, c);
        inner.gemm(transA, transB, m, n, k, alpha, ia, aOffset, lda, ib, bOffset, ldb, beta, ic, cOffset, ldc);
        if (plan != null) {
            plan.record(new Call.Gemm(transA, transB, m, n, k, alpha, ia, aOffset, lda, ib, bOffset, ldb, beta, ic,
                    cOffset, ldc));
        }
    }

    @Override
    public void unary(UnaryOp op, float p, int[] shape, Buffer x, long xOffset, long[] xStrides,
                      Buffer out, long outOffset) {
        Plan plan = plan("unary");
        DeviceChecks.unary(op, shape, x, xOffset, xStrides, out, outOffset);
        Buffer ix = in(plan, x);
        Buffer io = in(plan, out);
        inner.unary(op, p, shape, ix, xOffset, xStrides, io, outOffset);
        if (plan != null) {
            plan.record(new Call.Unary(op, p, shape.clone(), ix, xOffset, xStrides.clone(), io, outOffset));
        }
    }

    @Override
    public void binary(BinaryOp op, float p, int[] shape, Buffer a, long aOffset, long[] aStrides,
                       Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        Plan plan = plan("binary");
        DeviceChecks.binary(op, shape, a, aOffset, aStrides, b, bOffset, bStrides, out, outOffset);
        Buffer ia = in(plan, a);
        Buffer ib = in(plan, b);
        Buffer io = in(plan, out);
        inner.binary(op, p, shape, ia, aOffset, aStrides, ib, bOffset, bStrides, io, outOffset);
        if (plan != null) {
            plan.record(new Call.Binary(op, p, shape.clone(), ia, aOffset, aStrides.clone(), ib, bOffset,
                    bStrides.clone(), io, outOffset));
        }
    }

    @Override
    public void reduce(ReduceOp op, int outer, int n, int innerSize, Buffer x, long xOffset, Buffer out, long outOffset) {
        Plan plan = plan("reduce");
        DeviceChecks.reduce(op, outer, n, innerSize, x, xOffset, out, outOffset);
        Buffer ix = in(plan, x);
        Buffer io = in(plan, out);
        inner.reduce(op, outer, n, innerSize, ix, xOffset, io, outOffset);
        if (plan != null) {
            plan.record(new Call.Reduce(op, outer, n, innerSize, ix, xOffset, io, outOffset));
        }
    }

    @Override
    public void softmax(boolean log, int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset) {
        Plan plan = plan("softmax");
        DeviceChecks.softmax(rows, cols, x, xOffset, out, outOffset);
        Buffer ix = in(plan, x);
        Buffer io = in(plan, out);
        inner.softmax(log, rows, cols, ix, xOffset, io, outOffset);
        if (plan != null) {
            plan.record(new Call.Softmax(log, rows, cols, ix, xOffset, io, outOffset));
        }
    }

    @Override
    public void softmaxBackward(boolean log, int rows, int cols, Buffer y, long yOffset, Buffer gy, long gyOffset,
                                Buffer gx, long gxOffset) {
        Plan plan = plan("softmaxBackward");
        DeviceChecks.softmaxBackward(rows, cols, y, yOffset, gy, gyOffset, gx, gxOffset);
        Buffer iy = in(plan, y);
        Buffer igy = in(plan, gy);
        Buffer igx = in(plan, gx);
        inner.softmaxBackward(log, rows, cols, iy, yOffset, igy, gyOffset, igx, gxOffset);
        if (plan != null) {
            plan.record(new Call.SoftmaxBackward(log, rows, cols, iy, yOffset, igy, gyOffset, igx, gxOffset));
        }
    }

    @Override
    public void im2col(Window window, float fill, Buffer x, long xOffset, Buffer cols, long colsOffset) {
        Plan plan = plan("im2col");
        DeviceChecks.im2col(window, x, xOffset, cols, colsOffset);
        Buffer ix = in(plan, x);
        Buffer ic = in(plan, cols);
        inner.im2col(window, fill, ix, xOffset, ic, colsOffset);
        if (plan != null) {
            plan.record(new Call.Im2col(window, fill, ix, xOffset, ic, colsOffset));
        }
    }

    @Override
    public void col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset) {
        Plan plan = plan("col2im");
        DeviceChecks.col2im(window, cols, colsOffset, x, xOffset);
        Buffer ic = in(plan, cols);
        Buffer ix = in(plan, x);
        inner.col2im(window, ic, colsOffset, ix, xOffset);
        if (plan != null) {
            plan.record(new Call.Col2im(window, ic, colsOffset, ix, xOffset));
        }
    }

    @Override
    public long convWorkspace(Window window, int out) {
        return inner.convWorkspace(window, out);
    }

    @Override
    public void conv(Window window, int out, Buffer weight, long weightOffset, Buffer x, long xOffset, Buffer bias,
                     long biasOffset, Buffer y, long yOffset, Buffer work, long workOffset) {
        Plan plan = plan("conv");
        DeviceChecks.conv("conv", window, out, weight, weightOffset, x, xOffset, y, yOffset, work, workOffset,
                inner);
        DeviceChecks.convBias(out, bias, biasOffset);
        Buffer iw = in(plan, weight);
        Buffer ix = in(plan, x);
        Buffer ib = in(plan, bias);
        Buffer iy = in(plan, y);
        Buffer ik = in(plan, work);
        inner.conv(window, out, iw, weightOffset, ix, xOffset, ib, biasOffset, iy, yOffset, ik, workOffset);
        if (plan != null) {
            plan.record(new Call.Conv(window, out, iw, weightOffset, ix, xOffset, ib, biasOffset, iy, yOffset, ik,
                    workOffset));
        }
    }

    @Override
    public void convBackwardInput(Window window, int out, Buffer weight, long weightOffset, Buffer gy, long gyOffset,
                                  Buffer gx, long gxOffset, Buffer work, long workOffset) {
        Plan plan = plan("convBackwardInput");
        DeviceChecks.conv("convBackwardInput", window, out, weight, weightOffset, gx, gxOffset, gy, gyOffset, work,
                workOffset, inner);
        Buffer iw = in(plan, weight);
        Buffer igy = in(plan, gy);
        Buffer igx = in(plan, gx);
        Buffer ik = in(plan, work);
        inner.convBackwardInput(window, out, iw, weightOffset, igy, gyOffset, igx, gxOffset, ik, workOffset);
        if (plan != null) {
            plan.record(new Call.ConvBackwardInput(window, out, iw, weightOffset, igy, gyOffset, igx, gxOffset, ik,
                    workOffset));
        }
    }

    @Override
    public void convBackwardWeight(Window window, int out, Buffer gy, long gyOffset, Buffer x, long xOffset,
                                   Buffer gw, long gwOffset, Buffer work, long workOffset) {
        Plan plan = plan("convBackwardWeight");
        DeviceChecks.conv("convBackwardWeight", window, out, gw, gwOffset, x, xOffset, gy, gyOffset, work,
                workOffset, inner);
        Buffer igy = in(plan, gy);
        Buffer ix = in(plan, x);
        Buffer igw = in(plan, gw);
        Buffer ik = in(plan, work);
        inner.convBackwardWeight(window, out, igy, gyOffset, ix, xOffset, igw, gwOffset, ik, workOffset);
        if (plan != null) {
            plan.record(new Call.ConvBackwardWeight(window, out, igy, gyOffset, ix, xOffset, igw, gwOffset, ik,
                    workOffset));
        }
    }

    @Override
    public void maxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax, long argmaxOffset) {
        Plan plan = plan("maxPool");
        DeviceChecks.maxPool(window, x, xOffset, out, outOffset, argmax, argmaxOffset);
        Buffer ix = in(plan, x);
        Buffer io = in(plan, out);
        Buffer ia = in(plan, argmax);
        inner.maxPool(window, ix, xOffset, io, outOffset, ia, argmaxOffset);
        if (plan != null) {
            plan.record(new Call.MaxPool(window, ix, xOffset, io, outOffset, ia, argmaxOffset));
        }
    }

    @Override
    public void maxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset, Buffer gx,
                                long gxOffset) {
        Plan plan = plan("maxPoolBackward");
        DeviceChecks.maxPoolBackward(window, gy, gyOffset, argmax, argmaxOffset, gx, gxOffset);
        Buffer igy = in(plan, gy);
        Buffer ia = in(plan, argmax);
        Buffer igx = in(plan, gx);
        inner.maxPoolBackward(window, igy, gyOffset, ia, argmaxOffset, igx, gxOffset);
        if (plan != null) {
            plan.record(new Call.MaxPoolBackward(window, igy, gyOffset, ia, argmaxOffset, igx, gxOffset));
        }
    }

    @Override
    public void crossEntropy(int rows, int cols, Buffer logits, long logitsOffset, Buffer targets, long targetsOffset,
                             Buffer loss, long lossOffset, Buffer probs, long probsOffset) {
        Plan plan = plan("crossEntropy");
        DeviceChecks.crossEntropy(rows, cols, logits, logitsOffset, targets, targetsOffset, loss, lossOffset,
                probs, probsOffset);
        Buffer il = in(plan, logits);
        Buffer it = in(plan, targets);
        Buffer iloss = in(plan, loss);
        Buffer ip = in(plan, probs);
        inner.crossEntropy(rows, cols, il, logitsOffset, it, targetsOffset, iloss, lossOffset, ip, probsOffset);
        if (plan != null) {
            plan.record(new Call.CrossEntropy(rows, cols, il, logitsOffset, it, targetsOffset, iloss, lossOffset, ip,
                    probsOffset));
        }
    }

    @Override
    public void crossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset, Buffer targets,
                                     long targetsOffset, Buffer gLoss, long gLossOffset, long gLossStride,
                                     Buffer gx, long gxOffset) {
        Plan plan = plan("crossEntropyBackward");
        DeviceChecks.crossEntropyBackward(rows, cols, probs, probsOffset, targets, targetsOffset, gLoss, gLossOffset,
                gLossStride, gx, gxOffset);
        Buffer ip = in(plan, probs);
        Buffer it = in(plan, targets);
        Buffer ig = in(plan, gLoss);
        Buffer igx = in(plan, gx);
        inner.crossEntropyBackward(rows, cols, ip, probsOffset, it, targetsOffset, ig, gLossOffset, gLossStride,
                igx, gxOffset);
        if (plan != null) {
            plan.record(new Call.CrossEntropyBackward(rows, cols, ip, probsOffset, it, targetsOffset, ig, gLossOffset,
                    gLossStride, igx, gxOffset));
        }
    }

    @Override
    public void gather(int outer, int n, int innerSize, int m, Buffer x, long xOffset, Buffer index, long indexOffset,
                       long[] indexStrides, Buffer out, long outOffset) {
        Plan plan = plan("gather");
        DeviceChecks.gather(outer, n, innerSize, m, x, xOffset, index, indexOffset, indexStrides, out, outOffset);
        Buffer ix = in(plan, x);
        Buffer ii = in(plan, index);
        Buffer io = in(plan, out);
        inner.gather(outer, n, innerSize, m, ix, xOffset, ii, indexOffset, indexStrides, io, outOffset);
        if (plan != null) {
            plan.record(new Call.Gather(outer, n, innerSize, m, ix, xOffset, ii, indexOffset, indexStrides.clone(), io,
                    outOffset));
        }
    }

    @Override
    public void scatterAdd(int outer, int n, int innerSize, int m, Buffer index, long indexOffset, long[] indexStrides,
                           Buffer src, long srcOffset, Buffer out, long outOffset) {
        Plan plan = plan("scatterAdd");
        DeviceChecks.scatterAdd(outer, n, innerSize, m, index, indexOffset, indexStrides, src, srcOffset, out,
                outOffset);
        Buffer ii = in(plan, index);
        Buffer is = in(plan, src);
        Buffer io = in(plan, out);
        inner.scatterAdd(outer, n, innerSize, m, ii, indexOffset, indexStrides, is, srcOffset, io, outOffset);
        if (plan != null) {
            plan.record(new Call.ScatterAdd(outer, n, innerSize, m, ii, indexOffset, indexStrides.clone(), is,
                    srcOffset, io, outOffset));
        }
    }

    @Override
    public void select(int[] shape, Buffer cond, long condOffset, long[] condStrides, Buffer a, long aOffset,
                       long[] aStrides, Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        Plan plan = plan("select");
        DeviceChecks.select(shape, cond, condOffset, condStrides, a, aOffset, aStrides, b, bOffset, bStrides, out,
                outOffset);
        Buffer ic = in(plan, cond);
        Buffer ia = in(plan, a);
        Buffer ib = in(plan, b);
        Buffer io = in(plan, out);
        inner.select(shape, ic, condOffset, condStrides, ia, aOffset, aStrides, ib, bOffset, bStrides, io, outOffset);
        if (plan != null) {
            plan.record(new Call.Select(shape.clone(), ic, condOffset, condStrides.clone(), ia, aOffset,
                    aStrides.clone(), ib, bOffset, bStrides.clone(), io, outOffset));
        }
    }

    @Override
    public void sgdStep(Buffer param, Buffer grad, Buffer velocity, long offset, long length, float lr,
                        float momentum, float dampening, float weightDecay, boolean nesterov, boolean firstStep) {
        refuse("sgdStep", "the learning rate and first-step flag change every step; run optimizer.step() after "
                + "plan.replay()");
        DeviceChecks.sgdStep(param, grad, velocity, offset, length, momentum);
        inner.sgdStep(unwrapped(param), unwrapped(grad), unwrapped(velocity), offset, length, lr, momentum, dampening,
                weightDecay, nesterov, firstStep);
    }

    @Override
    public void adamStep(Buffer param, Buffer grad, Buffer m, Buffer v, long offset, long length, float lr,
                         float beta1, float beta2, float eps, float weightDecay, boolean decoupled, long step) {
        refuse("adamStep", "the step count and learning rate change every step; run optimizer.step() after "
                + "plan.replay()");
        DeviceChecks.adamStep(param, grad, m, v, offset, length);
        inner.adamStep(unwrapped(param), unwrapped(grad), unwrapped(m), unwrapped(v), offset, length, lr, beta1, beta2, eps,
                weightDecay, decoupled, step);
    }

    /** Closes the device underneath. */
    @Override
    public void close() {
        inner.close();
    }

    @Override
    public boolean isClosed() {
        return inner.isClosed();
    }

    /**
     * The inner device's collective engine, for the steps between replays (a data-parallel step sums its
     * gradients after the replayed backward); a collective during a capture is refused: the plan replays
     * kernels, not another rank's data.
     */
    @Override
    public Collectives collectives() {
        Collectives c = inner.collectives();
        return c == null ? null : new Collectives() {
            @Override
            public String describe() {
                return c.describe();
            }

            @Override
            public byte[] newId() {
                return c.newId();
            }

            @Override
            public Group join(byte[] id, int rank, int ranks) {
                Group g = c.join(id, rank, ranks);
                return new Group() {
                    @Override
                    public void allReduceSum(Buffer buffer, long offset, long length) {
                        refuse("allReduceSum", "a collective sums other ranks' values, which a replay cannot repeat;"
                                + " sum after the replayed step");
                        g.allReduceSum(unwrapped(buffer), offset, length);
                    }

                    @Override
                    public void close() {
                        g.close();
                    }
                };
            }
        };
    }

    @Override
    public String toString() {
        return "capturing(" + inner + ")";
    }
}
