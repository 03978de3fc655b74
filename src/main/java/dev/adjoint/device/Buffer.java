package dev.adjoint.device;

/**
 * A block of device memory owned by one {@link Device}, of elements of one {@link DType} (float32
 * unless allocated otherwise). Lengths and offsets count elements.
 * Closing a buffer frees its memory; using it afterwards is an error. Closing it while a call on
 * another thread still uses it is the caller's mistake, which the tensor front end never makes
 * (its tensors hold their buffers for the duration of each call).
 */
public interface Buffer extends AutoCloseable {
    Device device();

    /** Length in elements. */
    long length();

    /** The type of its elements. */
    default DType dtype() {
        return DType.F32;
    }

    boolean isClosed();

    @Override
    void close();
}
