package dev.adjoint.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.adjoint.device.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * NCCL ({@code libnccl.so.2}, as NVIDIA's packages and PyTorch's wheels install it) through
 * {@code java.lang.foreign}: a group id, joining a group, an in-place F32 sum on a CUDA stream. The
 * id is {@code ncclUniqueId}, a struct of {@value #ID_BYTES} bytes passed <em>by value</em> to
 * {@code ncclCommInitRank}; the enums are C ints ({@code ncclFloat32} = 7, {@code ncclSum} = 0).
 */
@SuppressWarnings("restricted")
final class Nccl {
    static final String[] LIBRARIES = {"libnccl.so.2", "libnccl.so"};
    static final int ID_BYTES = dev.adjoint.device.Collectives.ID_BYTES;
    static final int NCCL_FLOAT32 = 7;
    static final int NCCL_SUM = 0;
    /** {@code ncclUniqueId}: {@code struct { char internal[128]; }}. */
    static final StructLayout UNIQUE_ID = MemoryLayout.structLayout(MemoryLayout.sequenceLayout(ID_BYTES, JAVA_BYTE));

    private final String library;
    private final MethodHandle getUniqueId;
    private final MethodHandle commInitRank;
    private final MethodHandle allReduce;
    private final MethodHandle commDestroy;
    private final MethodHandle errorString;
    private final int version;

    /** Binds {@code lookup}'s symbols (package-private: the binding test passes an NCCL made of upcalls). */
    Nccl(String library, SymbolLookup lookup) {
        this.library = library;
        MethodHandle getVersion = downcall(lookup, "ncclGetVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        getUniqueId = downcall(lookup, "ncclGetUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        // ncclCommInitRank(ncclComm_t *comm, int nranks, ncclUniqueId commId, int rank)
        commInitRank = downcall(lookup, "ncclCommInitRank",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, UNIQUE_ID, JAVA_INT));
        // ncclAllReduce(sendbuff, recvbuff, size_t count, ncclDataType_t, ncclRedOp_t, ncclComm_t, cudaStream_t)
        allReduce = downcall(lookup, "ncclAllReduce",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
        commDestroy = downcall(lookup, "ncclCommDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        errorString = downcall(lookup, "ncclGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment v = a.allocate(JAVA_INT);
            check(invoke(getVersion, v), "ncclGetVersion");
            version = v.get(JAVA_INT, 0);
        }
    }

    /** The first of {@link #LIBRARIES} the loader finds, bound; null where there is none. */
    static Nccl open() {
        for (String name : LIBRARIES) {
            SymbolLookup lookup;
            try {
                lookup = SymbolLookup.libraryLookup(name, Arena.global());
            } catch (IllegalArgumentException e) {
                continue;
            }
            return new Nccl(name, lookup);
        }
        return null;
    }

    /** "NCCL 2.27.3 (libnccl.so.2)": the version code is major·10000 + minor·100 + patch since NCCL 2.9. */
    String describe() {
        return "NCCL " + version / 10000 + "." + version / 100 % 100 + "." + version % 100 + " (" + library + ")";
    }

    byte[] newId() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment id = a.allocate(UNIQUE_ID);
            check(invoke(getUniqueId, id), "ncclGetUniqueId");
            return id.toArray(JAVA_BYTE);
        }
    }

    /** ncclCommInitRank: this process as {@code rank} of {@code ranks} in group {@code id}; the communicator's address. */
    long join(byte[] id, int rank, int ranks) {
        if (id.length != ID_BYTES) {
            throw new IllegalArgumentException("nccl: a group id has " + ID_BYTES + " bytes, got " + id.length);
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment comm = a.allocate(ADDRESS);
            MemorySegment byValue = a.allocate(UNIQUE_ID);
            MemorySegment.copy(id, 0, byValue, JAVA_BYTE, 0, ID_BYTES);
            check(invoke(commInitRank, comm, ranks, byValue, rank), "ncclCommInitRank(rank " + rank + " of " + ranks + ")");
            return comm.get(ADDRESS, 0).address();
        }
    }

    /** In place: {@code count} floats at device address {@code data}, summed over the group, queued on {@code stream}. */
    void allReduceSum(long comm, long data, long count, long stream) {
        MemorySegment p = MemorySegment.ofAddress(data);
        check(invoke(allReduce, p, p, count, NCCL_FLOAT32, NCCL_SUM, MemorySegment.ofAddress(comm),
                MemorySegment.ofAddress(stream)), "ncclAllReduce(" + count + " floats)");
    }

    void destroy(long comm) {
        check(invoke(commDestroy, MemorySegment.ofAddress(comm)), "ncclCommDestroy");
    }

    private void check(int result, String op) {
        if (result != 0) {
            String text;
            try {
                text = ((MemorySegment) errorString.invokeExact(result)).reinterpret(1024).getString(0);
            } catch (Throwable t) {
                text = "?";
            }
            throw new DeviceException("cuda: " + op + " failed: NCCL error " + result + " (" + text + ")");
        }
    }

    private static MethodHandle downcall(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        return Downcalls.bind(lookup, "NCCL", name, fd);
    }

    private static int invoke(MethodHandle h, Object... args) {
        return Downcalls.call("NCCL", h, args);
    }
}
