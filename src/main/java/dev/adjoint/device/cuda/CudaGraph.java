package dev.adjoint.device.cuda;

import static dev.adjoint.device.cuda.CudaDriver.check;

import dev.adjoint.device.GraphCapable;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * A CUDA graph made by stream capture of a device's one stream, instantiated once and launched
 * with {@code cuGraphLaunch}: a whole captured step costs one host call instead of one per kernel.
 *
 * <p>Capture uses {@code CU_STREAM_CAPTURE_MODE_THREAD_LOCAL}: the driver refuses unsafe calls
 * (cuMemAlloc, synchronous copies) on the capturing thread, and other threads' own work is left
 * alone. On top of that, while a capture runs {@link CudaMemory} refuses allocation and host
 * transfers and {@link CudaDevice} refuses to synchronize, from any thread, with a message that
 * names the call: anything queued on the stream during the capture would be recorded into the
 * graph, and a host copy frozen into a graph would replay stale data.
 */
final class CudaGraph implements GraphCapable.Graph {
    /** System property: {@code false} switches graphs off (plans then replay call by call). Default on. */
    static final String PROPERTY = "adjoint.cuda.graphs";

    private final CudaDevice device;
    private final CudaDriver.Stream stream;
    private final CUgraph graph;
    private final CUgraphExec exec;
    private boolean closed;

    private CudaGraph(CudaDevice device, CudaDriver.Stream stream, CUgraph graph, CUgraphExec exec) {
        this.device = device;
        this.stream = stream;
        this.graph = graph;
        this.exec = exec;
    }

    static boolean enabled() {
        return !System.getProperty(PROPERTY, "true").trim().equalsIgnoreCase("false");
    }

    /** Captures the work {@code work} queues on {@code stream} (the device's context already current). */
    static CudaGraph capture(CudaDevice device, CudaDriver.Stream stream, CudaMemory memory, Runnable work) {
        memory.beginCapture(device.name());
        CUgraph graph = new CUgraph();
        try {
            check(JCudaDriver.cuStreamBeginCapture(stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL),
                    "cuStreamBeginCapture");
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                if (JCudaDriver.cuStreamEndCapture(stream, graph) == CUresult.CUDA_SUCCESS) {
                    JCudaDriver.cuGraphDestroy(graph);
                }
                throw e;
            }
            check(JCudaDriver.cuStreamEndCapture(stream, graph), "cuStreamEndCapture (a call during the capture was "
                    + "not capturable and invalidated it)");
        } finally {
            memory.endCapture();
        }
        CUgraphExec exec = new CUgraphExec();
        int r = JCudaDriver.cuGraphInstantiate(exec, graph, 0);
        if (r != CUresult.CUDA_SUCCESS) {
            JCudaDriver.cuGraphDestroy(graph);
            check(r, "cuGraphInstantiate");
        }
        CudaGraph g = new CudaGraph(device, stream, graph, exec);
        int up = JCudaDriver.cuGraphUpload(exec, stream);
        if (up != CUresult.CUDA_SUCCESS) {
            g.close();
            check(up, "cuGraphUpload");
        }
        return g;
    }

    @Override
    public void launch() {
        if (closed) {
            throw new IllegalStateException(device.name() + ": a CUDA graph was launched after close");
        }
        device.bind();
        check(JCudaDriver.cuGraphLaunch(exec, stream), "cuGraphLaunch");
    }

    /** Waits for the stream (launches still in flight), then destroys the graph; nothing if the device is closed. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (device.isClosed()) {
            return; // the context, and the graph with it, is gone
        }
        device.bind();
        check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize(before destroying a CUDA graph)");
        check(JCudaDriver.cuGraphExecDestroy(exec), "cuGraphExecDestroy");
        check(JCudaDriver.cuGraphDestroy(graph), "cuGraphDestroy");
    }
}
