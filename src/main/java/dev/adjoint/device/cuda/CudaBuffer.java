package dev.adjoint.device.cuda;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;

/**
 * Device memory for {@code length} elements of one {@link DType}; offsets count elements, so the
 * byte offset of element {@code i} is {@code i × dtype.bytes()}. Closing it returns the block to
 * the device's cache.
 */
final class CudaBuffer implements Buffer {
    private final CudaDevice device;
    private final CudaMemory.Block block;
    private final long length;
    private final DType dtype;
    private volatile boolean closed;

    CudaBuffer(CudaDevice device, CudaMemory.Block block, long length, DType dtype) {
        this.device = device;
        this.block = block;
        this.length = length;
        this.dtype = dtype;
    }

    /** The device address of element {@code offset}. */
    long address(long offset) {
        if (closed) {
            throw new IllegalStateException("cuda buffer of " + length + " " + dtype + " elements used after close");
        }
        return block.address() + offset * dtype.bytes();
    }

    /** A JCuda pointer to element {@code offset}, for the driver's copy and memset calls. */
    jcuda.driver.CUdeviceptr pointer(long offset) {
        address(offset);
        return block.pointer().withByteOffset(offset * dtype.bytes());
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
        if (!closed) {
            closed = true;
            device.memory().release(block);
        }
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + length + (dtype == DType.F32 ? "" : " " + dtype) + (closed ? ", closed]" : "]");
    }
}
