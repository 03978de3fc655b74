package dev.adjoint.graph;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * The device work of a training step (everything up to the optimizer update), captured once per
 * batch shape into a {@link Plan} and replayed for every later batch of that shape. Each plan has
 * its own input slots, made before its capture: a batch is copied into them (one device copy each
 * for x and y, so batches may come from any buffers, e.g. the DataLoader's alternating slots) and
 * the plan replays. The first batch of a shape runs the body under capture, so
 * it is a real step too. The optimizer update stays with the caller, after {@link #run}.
 */
public final class ReplayedStep implements AutoCloseable {
    /** The step's device work: zero gradients, forward, loss, backward, metrics, clipping. */
    @FunctionalInterface
    public interface Body {
        void run(Tensor x, Tensor y, Tensor lossSum, Tensor correct);
    }

    /** Plans kept at once (the batch size, and the short last batch of an epoch, each need one). */
    private static final int MAX_PLANS = 4;

    private final CapturingDevice device;
    private final Body body;
    private final List<Entry> entries = new ArrayList<>();

    /**
     * A plan and its input slots. The slots are raw buffers the entry owns; the tensors over them
     * are made again if a caller's {@code Scope} closed them (closing a wrapping tensor frees nothing).
     */
    private static final class Entry implements AutoCloseable {
        final Buffer xSlot;
        final Buffer ySlot;
        final int[] xShape;
        final int[] yShape;
        final Tensor lossSum;
        final Tensor correct;
        Tensor x;
        Tensor y;
        Plan plan;

        Entry(Device device, Tensor x, Tensor y, Tensor lossSum, Tensor correct) {
            this.xShape = x.shape();
            this.yShape = y.shape();
            this.xSlot = device.allocate(x.numel());
            this.ySlot = device.allocate(y.numel());
            this.lossSum = lossSum;
            this.correct = correct;
            this.x = Tensor.wrap(device, xSlot, 0, xShape);
            this.y = Tensor.wrap(device, ySlot, 0, yShape);
        }

        boolean fits(Tensor bx, Tensor by, Tensor loss, Tensor corr) {
            return lossSum == loss && correct == corr && sameShape(xShape, bx) && sameShape(yShape, by);
        }

        /** Copies the batch into the slots. */
        void load(Device device, Tensor bx, Tensor by) {
            if (x.isClosed()) {
                x = Tensor.wrap(device, xSlot, 0, xShape);
            }
            if (y.isClosed()) {
                y = Tensor.wrap(device, ySlot, 0, yShape);
            }
            InPlace.copy(x, bx);
            InPlace.copy(y, by);
        }

        @Override
        public void close() {
            if (plan != null) {
                plan.close();
            }
            x.close();
            y.close();
            xSlot.close();
            ySlot.close();
        }
    }

    /** {@code device} must be the {@link CapturingDevice} the model and its parameters were made on. */
    public ReplayedStep(Device device, Body body) {
        if (!(device instanceof CapturingDevice c)) {
            throw new IllegalArgumentException("replay: the model is on " + device.name() + " (" + device.getClass()
                    .getSimpleName() + "); create the model, parameters and optimizer on a CapturingDevice to replay");
        }
        this.device = c;
        this.body = body;
    }

    /** Plans captured so far (for tests and reports). */
    public List<Plan> plans() {
        return entries.stream().map(e -> e.plan).toList();
    }

    /**
     * Runs the body's work for this batch: replays the plan for its shapes (capturing it on the
     * first such batch). {@code lossSum} and {@code correct} (either may be null) are part of a
     * plan's identity: a plan writes into the tensors it was captured with.
     */
    public void run(Tensor x, Tensor y, Tensor lossSum, Tensor correct) {
        evictStale();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (e.fits(x, y, lossSum, correct)) {
                e.load(device, x, y);
                e.plan.replay();
                return;
            }
        }
        if (entries.size() == MAX_PLANS) {
            entries.removeFirst().close();
        }
        Entry e = new Entry(device, x, y, lossSum, correct);
        try {
            e.load(device, x, y);
            e.plan = Plan.capture(device, () -> body.run(e.x, e.y, lossSum, correct));
        } catch (RuntimeException | Error ex) {
            e.close();
            throw ex;
        }
        entries.add(e);
    }

    /** Plans that write into accumulators the caller has closed (a finished {@code fit}) are dropped. */
    private void evictStale() {
        for (int i = entries.size() - 1; i >= 0; i--) {
            Entry e = entries.get(i);
            if (e.lossSum != null && e.lossSum.isClosed() || e.correct != null && e.correct.isClosed()) {
                entries.remove(i).close();
            }
        }
    }

    private static boolean sameShape(int[] shape, Tensor b) {
        if (shape.length != b.dim()) {
            return false;
        }
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] != b.size(d)) {
                return false;
            }
        }
        return true;
    }

    /** Frees every plan and its input slots. */
    @Override
    public void close() {
        entries.forEach(Entry::close);
        entries.clear();
    }
}
