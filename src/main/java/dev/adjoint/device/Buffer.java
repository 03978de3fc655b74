package dev.adjoint.device;

/**
 * A block of float32 device memory owned by one {@link Device}. Lengths and offsets count floats.
 * Closing a buffer frees its memory; using it afterwards is an error. Closing it while a call on
 * another thread still uses it is the caller's mistake, which the tensor front end never makes
 * (its tensors hold their buffers for the duration of each call).
 */
public interface Buffer extends AutoCloseable {
    Device device();

    /** Length in floats. */
    long length();

    boolean isClosed();

    @Override
    void close();
}
