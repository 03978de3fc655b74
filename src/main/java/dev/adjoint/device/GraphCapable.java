package dev.adjoint.device;

/**
 * An optional ability of a {@link Device}: recording the work a piece of code queues into a graph
 * that is then launched as a whole, in one host call (CUDA stream capture and graph launch). Not
 * a {@link Device} method, because most backends have no such thing; callers test with
 * {@code instanceof} and fall back to issuing the calls one by one.
 *
 * <p>A graph refers to device memory by address: every buffer its work touches must stay
 * allocated, at the same place, for as long as the graph is launched. Scalars (sizes, alpha and
 * beta, a learning rate) are frozen into it at capture.
 */
public interface GraphCapable {
    /**
     * Whether {@link #capture} may be used now: false when the backend has graphs switched off
     * (on CUDA, {@code -Dadjoint.cuda.graphs=false}), so that callers issue their calls instead.
     */
    boolean graphsEnabled();

    /**
     * Runs {@code work} on the calling thread with the device's work queue under capture: the
     * device calls it makes are recorded into the returned graph, <em>not</em> executed. Anything
     * that cannot be recorded — allocation, host transfers, waiting for the device — throws a
     * {@link DeviceException} naming the call; the capture is then abandoned (nothing was
     * recorded, nothing has run) and the exception propagates.
     */
    Graph capture(Runnable work);

    /** A captured graph, ready to launch. Closing it frees the graph; it must not be launched afterwards. */
    interface Graph extends AutoCloseable {
        /** Queues the whole recorded work on the device, asynchronously, as one launch. */
        void launch();

        /** Frees the graph, once work already queued from it has finished. Idempotent. */
        @Override
        void close();
    }
}
