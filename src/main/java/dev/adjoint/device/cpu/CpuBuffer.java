package dev.adjoint.device.cpu;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;

/** CPU memory: a Java float array, or for BF16 and F16 a short array of their bits. */
final class CpuBuffer implements Buffer {
    private final CpuDevice device;
    private final DType dtype;
    private final int length;
    private float[] data;
    private short[] bits;
    private boolean closed;

    /** {@code data} may hold stale values: a buffer's memory is uninitialised, as on every device. */
    CpuBuffer(CpuDevice device, float[] data) {
        this.device = device;
        this.dtype = DType.F32;
        this.length = data.length;
        this.data = data;
    }

    /** A BF16 or F16 buffer over {@code bits}. */
    CpuBuffer(CpuDevice device, short[] bits, DType dtype) {
        if (dtype.bytes() != Short.BYTES) {
            throw new IllegalArgumentException("a short array holds 16-bit elements, not " + dtype);
        }
        this.device = device;
        this.dtype = dtype;
        this.length = bits.length;
        this.bits = bits;
    }

    /** The floats of an F32 buffer. */
    float[] data() {
        float[] d = data;
        if (d == null) {
            throw new IllegalStateException(closed ? "cpu buffer of " + length + " floats used after close"
                    : "cpu buffer of " + length + " " + dtype + " elements used as F32 (a bug: DeviceChecks passed it)");
        }
        return d;
    }

    /** The bits of a BF16 or F16 buffer. */
    short[] bits() {
        short[] b = bits;
        if (b == null) {
            throw new IllegalStateException(closed ? "cpu buffer of " + length + " " + dtype + " elements used after close"
                    : "cpu buffer of " + length + " floats used as 16-bit (a bug)");
        }
        return b;
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
        return closed;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        float[] d = data;
        data = null;
        bits = null;
        if (d != null) {
            device.recycle(d);
        }
    }

    @Override
    public String toString() {
        return "CpuBuffer[" + length + (dtype == DType.F32 ? "" : " " + dtype) + (closed ? ", closed]" : "]");
    }
}
