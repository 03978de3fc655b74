package dev.adjoint.device;

/**
 * A block of float32 device memory owned by one {@link Device}. Lengths and offsets count floats.
 * Closing a buffer frees its memory; using it afterwards is an error.
 */
public interface Buffer extends AutoCloseable {
    Device device();

    /** Length in floats. */
    long length();

    boolean isClosed();

    @Override
    void close();
}
