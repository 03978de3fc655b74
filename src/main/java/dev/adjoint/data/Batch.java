package dev.adjoint.data;

import dev.adjoint.tensor.Tensor;

/**
 * One mini-batch on the device: inputs {@code x} [size, dims] and class indices {@code y} [size]
 * (as floats). Tensors from a {@link DataLoader} are views of its preallocated slots, valid until
 * the loader hands out the batch after next; closing them frees nothing. {@code globalSize} is the
 * rows of the whole step when the loader serves one rank's share of it ({@link DataLoader#shard}),
 * else {@code size}.
 */
public record Batch(Tensor x, Tensor y, int size, int globalSize) implements AutoCloseable {
    /** This batch's fraction of its step's rows over every rank: 1 unless sharded. */
    public double share() {
        return (double) size / globalSize;
    }

    @Override
    public void close() {
        x.close();
        y.close();
    }
}
