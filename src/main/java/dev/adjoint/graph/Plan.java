package dev.adjoint.graph;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.GraphCapable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * A captured piece of device work — typically one training step's forward, loss, backward and
 * metrics — as a flat list of {@link Call}s over buffers assigned ahead of time, replayed with no
 * allocation, no autograd and no Java bookkeeping.
 *
 * <p><b>Capture.</b> {@link #capture} runs the step once on a {@link CapturingDevice} (so the
 * captured step is a real step) and records every primitive it issues. Memory the step allocates
 * comes from the plan's arena: a buffer the step closes goes back to a free list, and a later
 * allocation of the same capture reuses it (liveness), so the activations of a step live in a few
 * device buffers that stay allocated for the plan's lifetime. Buffers still open when the step
 * returns (outputs the caller holds) keep their place; replay overwrites them.
 *
 * <p><b>Replay.</b> {@link #replay} issues the recorded calls, in order, on the device underneath:
 * nothing is allocated or freed on the device, and nothing on the Java heap by the plan itself.
 * Inputs live in fixed buffers made before the capture (upload or copy the next batch into them
 * before each replay); whatever changes from step to step on the host side (the optimizer's step
 * count and learning rate, dropout seeds) cannot be frozen into a plan and is refused at capture
 * (see {@link CapturingDevice}): run the optimizer update live after {@code replay()}.
 *
 * <p><b>Device graphs.</b> When the device underneath is {@link GraphCapable} (CUDA) and has graphs
 * enabled, the first {@link #replay} records the calls into a device graph instead of issuing
 * them, and launches it; every later replay is that one launch. The graph is valid because
 * nothing it refers to moves: arena buffers stay put until {@link #close}, and buffers from
 * outside the arena must outlive the plan anyway. Closing the plan destroys the graph. The
 * calls ({@link #calls}) stay plain data either way.
 */
public final class Plan implements AutoCloseable {
    private final Device inner;
    private final List<Call> recording = new ArrayList<>();
    private final List<Slot> slots = new ArrayList<>();
    private final List<Slot> free = new ArrayList<>();
    private final Set<Buffer> external = Collections.newSetFromMap(new IdentityHashMap<>());
    private Call[] calls = new Call[0];
    private GraphCapable.Graph graph;
    private boolean graphDecided;
    private long requestedFloats;
    private int allocations;
    private boolean capturing;
    private boolean closed;

    private Plan(Device inner) {
        this.inner = inner;
    }

    /**
     * Runs {@code step} once on {@code device}, recording its device work, and returns the plan.
     * If the step throws (or makes a call a plan cannot replay), the arena is freed and the
     * exception propagates.
     */
    public static Plan capture(CapturingDevice device, Runnable step) {
        Plan plan = new Plan(device.inner());
        device.begin(plan);
        boolean ok = false;
        try {
            step.run();
            ok = true;
        } finally {
            device.end(plan);
            plan.capturing = false;
            if (!ok) {
                plan.close();
            }
        }
        plan.seal();
        return plan;
    }

    /**
     * Issues the recorded calls in order on the device underneath (asynchronously where it is),
     * or launches them as one device graph (captured at the first replay; see the class comment).
     * If capturing the graph fails, the exception propagates, nothing has run, and later
     * replays issue the calls one by one.
     */
    public void replay() {
        if (closed) {
            throw new IllegalStateException("replay: the plan was closed (its arena is freed)");
        }
        if (graph != null) {
            graph.launch();
            return;
        }
        if (!graphDecided) {
            graphDecided = true;
            if (inner instanceof GraphCapable g && g.graphsEnabled()) {
                graph = g.capture(this::issue);
                graph.launch();
                return;
            }
        }
        issue();
    }

    private void issue() {
        Device d = inner;
        for (Call c : calls) {
            c.run(d);
        }
    }

    /** Whether replays launch a device graph (known after the first replay). */
    public boolean graphed() {
        return graph != null;
    }

    /** The recorded calls, in order. */
    public List<Call> calls() {
        return List.of(calls);
    }

    /** Floats held by the arena: what the step's own buffers cost after reuse by liveness. */
    public long arenaFloats() {
        long n = 0;
        for (Slot s : slots) {
            n += s.length;
        }
        return n;
    }

    /** Device buffers in the arena. */
    public int arenaBuffers() {
        return slots.size();
    }

    /** Floats the step asked for during capture, summed over all its allocations (without reuse). */
    public long requestedFloats() {
        return requestedFloats;
    }

    /** Allocations the step made during capture. */
    public int allocations() {
        return allocations;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Frees the arena. Tensors still holding arena buffers must not be used afterwards. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (graph != null) {
            graph.close();
            graph = null;
        }
        for (Slot s : slots) {
            s.buffer.close();
        }
        free.clear();
        external.clear();
    }

    @Override
    public String toString() {
        return "Plan[" + calls.length + " calls" + (graph != null ? " as a device graph" : "") + ", arena "
                + slots.size() + " buffers / " + arenaFloats()
                + " floats for " + allocations + " allocations / " + requestedFloats + " floats"
                + (closed ? ", closed]" : "]");
    }

    // ------------------------------------------------------------------ capture side (CapturingDevice)

    void begin() {
        capturing = true;
    }

    void record(Call call) {
        recording.add(call);
    }

    /**
     * A buffer for the step: the smallest free arena buffer of its dtype that fits (not over twice
     * the size), else a new one.
     */
    Buffer allocate(CapturingDevice device, long length, DType dtype) {
        requestedFloats += length;
        allocations++;
        Slot best = null;
        for (Slot s : free) {
            if (s.buffer.dtype() == dtype && s.length >= length && s.length <= 2 * length + 64
                    && (best == null || s.length < best.length)) {
                best = s;
            }
        }
        if (best == null) {
            best = new Slot(inner.allocate(length, dtype), length);
            slots.add(best);
        } else {
            free.remove(best);
        }
        return new ArenaBuffer(device, this, best, length);
    }

    /** The buffer underneath; notes buffers from outside the arena, which must outlive the plan. */
    Buffer resolve(Buffer b) {
        if (b instanceof ArenaBuffer a) {
            Buffer under = a.underlying();
            if (capturing && a.plan != this) {
                external.add(under);
            }
            return under;
        }
        if (capturing && b != null) {
            external.add(b);
        }
        return b;
    }

    private void seal() {
        for (Buffer b : external) {
            if (b.isClosed()) {
                close();
                throw new IllegalStateException("capture: the step closed a buffer of " + b.length() + " floats that "
                        + "was made before the capture, and its calls use it; a replay would read freed memory "
                        + "(keep tensors made outside the step open while the plan is in use)");
            }
        }
        external.clear();
        calls = recording.toArray(Call[]::new);
        recording.clear();
    }

    /** One device buffer of the arena. */
    private static final class Slot {
        final Buffer buffer;
        final long length;

        Slot(Buffer buffer, long length) {
            this.buffer = buffer;
            this.length = length;
        }
    }

    /**
     * What the step sees for an arena allocation: closing it during the capture returns the arena
     * buffer to the free list; after the capture it only marks the handle closed (the plan owns
     * the memory until {@link #close}).
     */
    static final class ArenaBuffer implements Buffer {
        private final CapturingDevice device;
        private final Plan plan;
        private final Slot slot;
        private final long length;
        private boolean closed;

        ArenaBuffer(CapturingDevice device, Plan plan, Slot slot, long length) {
            this.device = device;
            this.plan = plan;
            this.slot = slot;
            this.length = length;
        }

        Buffer underlying() {
            if (closed) {
                throw new IllegalStateException("a buffer of " + length + " floats of a captured step was used after "
                        + "close");
            }
            return slot.buffer;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public long length() {
            return length;
        }

        @Override
        public DType dtype() {
            return slot.buffer.dtype();
        }

        @Override
        public boolean isClosed() {
            return closed || plan.closed;
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (plan.capturing && !plan.closed) {
                plan.free.add(slot);
            }
        }

        @Override
        public String toString() {
            return "ArenaBuffer[" + length + " of " + slot.length + (isClosed() ? ", closed]" : "]");
        }
    }
}
