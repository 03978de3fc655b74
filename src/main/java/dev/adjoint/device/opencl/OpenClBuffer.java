package dev.adjoint.device.opencl;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;

/**
 * A cl_mem of {@code length} elements of one {@link DType}: float32, or BF16 / F16 bits (ushort in
 * the kernels). Closing releases it; the device closes any still open when it closes.
 */
final class OpenClBuffer implements Buffer {
    private final OpenClDevice device;
    private final long length;
    private final DType dtype;
    private long mem;

    OpenClBuffer(OpenClDevice device, long mem, long length, DType dtype) {
        this.device = device;
        this.mem = mem;
        this.length = length;
        this.dtype = dtype;
    }

    /** The cl_mem handle. */
    long mem() {
        long m = mem;
        if (m == 0) {
            throw new IllegalStateException("opencl buffer of " + length + " " + elements() + " used after close");
        }
        return m;
    }

    /** The bytes it holds: OpenCL has no empty buffers, so an empty one holds one element. */
    long bytes() {
        return Math.max(1, length) * dtype.bytes();
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
        return dtype;
    }

    @Override
    public boolean isClosed() {
        return mem == 0;
    }

    @Override
    public void close() {
        long m;
        synchronized (this) {
            m = mem;
            mem = 0;
        }
        if (m != 0) {
            device.release(this, m);
        }
    }

    private String elements() {
        return dtype == DType.F32 ? "floats" : dtype + " elements";
    }

    @Override
    public String toString() {
        return "OpenClBuffer[" + length + (dtype == DType.F32 ? "" : " " + dtype) + (mem == 0 ? ", closed]" : "]");
    }
}
