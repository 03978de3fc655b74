package dev.adjoint.device.cuda;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Collectives;
import dev.adjoint.device.DType;
import dev.adjoint.device.DeviceChecks;

/** {@link Collectives} on one CUDA device through NCCL: each sum is queued on the device's stream. */
final class NcclCollectives implements Collectives {
    private final CudaDevice device;
    private final Nccl nccl;
    private final long stream;

    NcclCollectives(CudaDevice device, Nccl nccl, long stream) {
        this.device = device;
        this.nccl = nccl;
        this.stream = stream;
    }

    @Override
    public String describe() {
        return nccl.describe();
    }

    @Override
    public byte[] newId() {
        device.bind();
        return nccl.newId();
    }

    @Override
    public Group join(byte[] id, int rank, int ranks) {
        device.bind();      // NCCL takes the device of the calling thread's current context
        long comm = nccl.join(id, rank, ranks);
        return new Group() {
            private boolean closed;

            @Override
            public void allReduceSum(Buffer buffer, long offset, long length) {
                if (closed) {
                    throw new IllegalStateException("nccl: allReduceSum on a group that was closed");
                }
                CudaBuffer b = DeviceChecks.owned(device, CudaBuffer.class, buffer, "allReduceSum", "buffer");
                if (b.dtype() != DType.F32 || offset < 0 || length < 0 || offset + length > b.length()) {
                    throw new IllegalArgumentException("nccl: allReduceSum of [" + offset + ", " + (offset + length)
                            + ") in a " + b.dtype() + " buffer of " + b.length() + " elements (F32 within it only)");
                }
                device.bind();
                nccl.allReduceSum(comm, b.address(offset), length, stream);
            }

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    device.bind();
                    nccl.destroy(comm);
                }
            }
        };
    }
}
