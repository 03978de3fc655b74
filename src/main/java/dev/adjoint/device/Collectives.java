package dev.adjoint.device;

/**
 * A device's own collective engine (NCCL on CUDA): sums a buffer over the ranks of a data-parallel job
 * where it lives, on the device's queue, without the host. Offered by {@link Device#collectives()}
 * where the engine is installed; the ranks agree on a group by an id that rank 0 makes
 * ({@link #newId}) and every rank receives by another channel (MPI's broadcast).
 */
public interface Collectives {
    /** The length of a group id. */
    int ID_BYTES = 128;

    /** The engine and its version, e.g. "NCCL 2.27.3 (libnccl.so.2)". */
    String describe();

    /** A new group id of {@link #ID_BYTES} bytes (NCCL's ncclUniqueId), made once, on rank 0. */
    byte[] newId();

    /** Joins group {@code id} as {@code rank} of {@code ranks}; every rank calls it with the same id. */
    Group join(byte[] id, int rank, int ranks);

    /** One rank's membership of a group: the collectives, queued on the device in order with its kernels. */
    interface Group extends AutoCloseable {
        /** buffer[offset, offset + length) ← its sum over the ranks, in place (F32). */
        void allReduceSum(Buffer buffer, long offset, long length);

        @Override
        void close();
    }
}
