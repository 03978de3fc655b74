package dev.adjoint.device.cpu;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;

/** CPU memory: a Java float array. */
final class CpuBuffer implements Buffer {
    private final CpuDevice device;
    private float[] data;
    private final int length;

    /** {@code data} may hold stale values: a buffer's memory is uninitialised, as on every device. */
    CpuBuffer(CpuDevice device, float[] data) {
        this.device = device;
        this.length = data.length;
        this.data = data;
    }

    float[] data() {
        float[] d = data;
        if (d == null) {
            throw new IllegalStateException("cpu buffer of " + length + " floats used after close");
        }
        return d;
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
        return data == null;
    }

    @Override
    public void close() {
        float[] d = data;
        if (d != null) {
            data = null;
            device.recycle(d);
        }
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + length + (data == null ? ", closed]" : "]");
    }
}
