package dev.adjoint.device.cuda;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;

/** Device memory for {@code length} floats; closing it returns the block to the device's cache. */
final class CudaBuffer implements Buffer {
    private final CudaDevice device;
    private final CudaMemory.Block block;
    private final long length;
    private volatile boolean closed;

    CudaBuffer(CudaDevice device, CudaMemory.Block block, long length) {
        this.device = device;
        this.block = block;
        this.length = length;
    }

    /** The device address of float {@code offset}. */
    long address(long offset) {
        if (closed) {
            throw new IllegalStateException("cuda buffer of " + length + " floats used after close");
        }
        return block.address() + offset * Float.BYTES;
    }

    /** A JCuda pointer to float {@code offset}, for the driver's copy and memset calls. */
    jcuda.driver.CUdeviceptr pointer(long offset) {
        address(offset);
        return block.pointer().withByteOffset(offset * Float.BYTES);
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
        return closed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.memory().release(block);
        }
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + length + (closed ? ", closed]" : "]");
    }
}
