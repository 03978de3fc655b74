package dev.adjoint.device.cpu;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;

/** CPU memory: a Java float array. */
final class CpuBuffer implements Buffer {
    private final CpuDevice device;
    private float[] data;
    private final int length;

    CpuBuffer(CpuDevice device, int length) {
        this.device = device;
        this.length = length;
        this.data = new float[length];
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
        data = null;
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + length + (data == null ? ", closed]" : "]");
    }
}
