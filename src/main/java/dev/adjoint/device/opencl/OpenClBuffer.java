package dev.adjoint.device.opencl;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;

/** A cl_mem of float32s. Closing releases it; the device closes any still open when it closes. */
final class OpenClBuffer implements Buffer {
    private final OpenClDevice device;
    private final long length;
    private long mem;

    OpenClBuffer(OpenClDevice device, long mem, long length) {
        this.device = device;
        this.mem = mem;
        this.length = length;
    }

    /** The cl_mem handle. */
    long mem() {
        long m = mem;
        if (m == 0) {
            throw new IllegalStateException("opencl buffer of " + length + " floats used after close");
        }
        return m;
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

    @Override
    public String toString() {
        return "OpenClBuffer[" + length + (mem == 0 ? ", closed]" : "]");
    }
}
