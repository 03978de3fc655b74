package dev.adjoint.device.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.DeviceException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The NCCL binding called against a stand-in NCCL made of Java upcalls, without a GPU: each downcall's
 * arguments as they arrive on the C side — the 128-byte ncclUniqueId passed by value to
 * ncclCommInitRank, ncclAllReduce in place with ncclFloat32 (7) and ncclSum (0) on the given stream —
 * the version decoded, and a failure named with ncclGetErrorString's text.
 */
@SuppressWarnings("restricted")
class NcclBindingTest {
    private static final long COMM = 0x5678;
    private static final List<List<Object>> CALLS = new ArrayList<>();
    private static int status;
    private static MemorySegment errorText;

    static int getVersion(MemorySegment out) {
        out.reinterpret(4).set(JAVA_INT, 0, 22703);
        return 0;
    }

    static int getUniqueId(MemorySegment out) {
        MemorySegment id = out.reinterpret(Nccl.ID_BYTES);
        for (int i = 0; i < Nccl.ID_BYTES; i++) {
            id.set(JAVA_BYTE, i, (byte) (i * 3 + 1));
        }
        return status;
    }

    static int commInitRank(MemorySegment comm, int nranks, MemorySegment id, int rank) {
        CALLS.add(List.of("ncclCommInitRank", nranks, rank, id.toArray(JAVA_BYTE)));
        comm.reinterpret(8).set(ADDRESS, 0, MemorySegment.ofAddress(COMM));
        return status;
    }

    static int allReduce(MemorySegment send, MemorySegment recv, long count, int type, int op, MemorySegment comm,
                         MemorySegment stream) {
        CALLS.add(List.of("ncclAllReduce", send.address(), recv.address(), count, type, op, comm.address(),
                stream.address()));
        return status;
    }

    static int commDestroy(MemorySegment comm) {
        CALLS.add(List.of("ncclCommDestroy", comm.address()));
        return 0;
    }

    static MemorySegment errorString(int result) {
        return errorText;
    }

    private static MemorySegment upcall(Arena arena, String method, FunctionDescriptor fd)
            throws ReflectiveOperationException {
        return Linker.nativeLinker().upcallStub(
                MethodHandles.lookup().findStatic(NcclBindingTest.class, method, fd.toMethodType()), fd, arena);
    }

    private static SymbolLookup fakeNccl(Arena arena) throws ReflectiveOperationException {
        Map<String, MemorySegment> symbols = new HashMap<>();
        symbols.put("ncclGetVersion", upcall(arena, "getVersion", FunctionDescriptor.of(JAVA_INT, ADDRESS)));
        symbols.put("ncclGetUniqueId", upcall(arena, "getUniqueId", FunctionDescriptor.of(JAVA_INT, ADDRESS)));
        symbols.put("ncclCommInitRank", upcall(arena, "commInitRank",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, Nccl.UNIQUE_ID, JAVA_INT)));
        symbols.put("ncclAllReduce", upcall(arena, "allReduce",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)));
        symbols.put("ncclCommDestroy", upcall(arena, "commDestroy", FunctionDescriptor.of(JAVA_INT, ADDRESS)));
        symbols.put("ncclGetErrorString", upcall(arena, "errorString", FunctionDescriptor.of(ADDRESS, JAVA_INT)));
        errorText = arena.allocateFrom("invalid usage (fake)");
        return name -> Optional.ofNullable(symbols.get(name));
    }

    @BeforeEach
    void reset() {
        CALLS.clear();
        status = 0;
    }

    @Test
    void everyCallArrivesAsNcclDeclaresIt() throws Exception {
        try (Arena arena = Arena.ofShared()) {
            Nccl nccl = new Nccl("libnccl-fake.so", fakeNccl(arena));
            assertEquals("NCCL 2.27.3 (libnccl-fake.so)", nccl.describe());
            byte[] id = nccl.newId();
            assertEquals(128, id.length);
            for (int i = 0; i < id.length; i++) {
                assertEquals((byte) (i * 3 + 1), id[i], "id byte " + i);
            }
            long comm = nccl.join(id, 1, 4);
            assertEquals(COMM, comm);
            List<Object> init = CALLS.getFirst();
            assertEquals(List.of("ncclCommInitRank", 4, 1), init.subList(0, 3));
            assertArrayEquals(id, (byte[]) init.get(3), "the id, passed by value, arrives whole");

            nccl.allReduceSum(comm, 0x10000, 99, 0x2000);
            assertEquals(List.of("ncclAllReduce", 0x10000L, 0x10000L, 99L, 7, 0, COMM, 0x2000L), CALLS.get(1));
            nccl.destroy(comm);
            assertEquals(List.of("ncclCommDestroy", COMM), CALLS.get(2));

            status = 5;
            DeviceException e = assertThrows(DeviceException.class, () -> nccl.allReduceSum(comm, 0x10000, 8, 0x2000));
            assertTrue(e.getMessage().contains("ncclAllReduce(8 floats) failed: NCCL error 5 (invalid usage (fake))"),
                    e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> nccl.join(new byte[16], 0, 1));
        }
    }
}
