package dev.adjoint.bench;

/**
 * What a benchmark times: {@link #run} queues one call (a GEMM, a training step, a forward pass)
 * on a device, and {@link #synchronize} waits until everything queued has finished. Closing frees
 * what the workload allocated.
 */
interface Workload extends AutoCloseable {
    void run();

    void synchronize();

    @Override
    void close();
}
