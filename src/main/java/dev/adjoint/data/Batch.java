package dev.adjoint.data;

import dev.adjoint.tensor.Tensor;

/**
 * One mini-batch on the device: inputs {@code x} [size, dims] and class indices {@code y} [size]
 * (as floats). Tensors from a {@link DataLoader} are views of its preallocated slots, valid until
 * the loader hands out the batch after next; closing them frees nothing.
 */
public record Batch(Tensor x, Tensor y, int size) implements AutoCloseable {
    @Override
    public void close() {
        x.close();
        y.close();
    }
}
