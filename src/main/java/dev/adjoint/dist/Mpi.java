package dev.adjoint.dist;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Open MPI's C API ({@code libmpi.so.40}) through {@code java.lang.foreign} downcalls: the few calls
 * data parallelism needs, on {@code MPI_COMM_WORLD}. Open MPI's handles are addresses of its
 * predefined globals ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world}, {@code MPI_FLOAT}
 * {@code &ompi_mpi_float}, {@code MPI_SUM} {@code &ompi_mpi_op_sum}; {@code MPI_IN_PLACE} is
 * {@code (void *) 1}), so the symbols are looked up, not numbers copied; an MPI whose library lacks
 * them (MPICH's handles are ints) is reported as not Open MPI. The library is opened with
 * {@code RTLD_GLOBAL} first, as mpi4py does, so Open MPI's plugins find its symbols.
 *
 * <p>Initialised with {@code MPI_THREAD_SERIALIZED}: any thread may call, one at a time (every call
 * here is synchronized). Every call's status is checked; Open MPI's default error handler aborts
 * the job on a failed call before that, so a failure never goes on silently.
 */
@SuppressWarnings("restricted")
final class Mpi {
    /** Tried in this order. */
    static final String[] LIBRARIES = {"libmpi.so.40", "libmpi.so"};
    private static final Linker LINKER = Linker.nativeLinker();
    private static final int RTLD_NOW = 0x2;
    private static final int RTLD_GLOBAL = 0x100;
    private static final int MPI_THREAD_SERIALIZED = 2;
    private static final int MPI_MAX_LIBRARY_VERSION_STRING = 256;

    private final Arena arena = Arena.ofShared();
    private final String library;
    private final MemorySegment world;
    private final MemorySegment floatType;
    private final MemorySegment doubleType;
    private final MemorySegment longType;
    private final MemorySegment byteType;
    private final MemorySegment sum;
    private final MemorySegment min;
    private final MemorySegment max;
    private final MethodHandle allreduce;
    private final MethodHandle iallreduce;
    private final MethodHandle test;
    private final MethodHandle waitCall;
    private final MethodHandle allgather;
    private final MethodHandle bcast;
    private final MethodHandle abort;
    private final MethodHandle finalizeCall;
    private final MethodHandle finalized;
    private final int rank;
    private final int size;
    private final String version;
    private MemorySegment scratch;
    /** {@link #startAllReduceSum}'s native mirror of the caller's array: a sum in flight works on its range here. */
    private MemorySegment mirror;
    private int inFlight;

    private Mpi(String library, SymbolLookup lookup) {
        this.library = library;
        world = symbol(lookup, "ompi_mpi_comm_world");
        floatType = symbol(lookup, "ompi_mpi_float");
        doubleType = symbol(lookup, "ompi_mpi_double");
        longType = symbol(lookup, "ompi_mpi_long");
        byteType = symbol(lookup, "ompi_mpi_byte");
        sum = symbol(lookup, "ompi_mpi_op_sum");
        min = symbol(lookup, "ompi_mpi_op_min");
        max = symbol(lookup, "ompi_mpi_op_max");
        MethodHandle initialized = downcall(lookup, "MPI_Initialized", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle initThread = downcall(lookup, "MPI_Init_thread",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS));
        MethodHandle commRank = downcall(lookup, "MPI_Comm_rank", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle commSize = downcall(lookup, "MPI_Comm_size", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        MethodHandle libraryVersion = downcall(lookup, "MPI_Get_library_version",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm)
        allreduce = downcall(lookup, "MPI_Allreduce",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        // MPI_Iallreduce(sendbuf, recvbuf, count, datatype, op, comm, &request)
        iallreduce = downcall(lookup, "MPI_Iallreduce",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        // MPI_Test(&request, &flag, status), MPI_Wait(&request, status): Open MPI's MPI_STATUS_IGNORE is NULL
        test = downcall(lookup, "MPI_Test", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        waitCall = downcall(lookup, "MPI_Wait", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        // MPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
        allgather = downcall(lookup, "MPI_Allgather",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        // MPI_Bcast(buffer, count, datatype, root, comm)
        bcast = downcall(lookup, "MPI_Bcast", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        abort = downcall(lookup, "MPI_Abort", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        finalizeCall = downcall(lookup, "MPI_Finalize", FunctionDescriptor.of(JAVA_INT));
        finalized = downcall(lookup, "MPI_Finalized", FunctionDescriptor.of(JAVA_INT, ADDRESS));

        MemorySegment flag = arena.allocate(JAVA_INT);
        check(call(initialized, flag), "MPI_Initialized");
        if (flag.get(JAVA_INT, 0) == 0) {
            check(call(initThread, MemorySegment.NULL, MemorySegment.NULL, MPI_THREAD_SERIALIZED, flag), "MPI_Init_thread");
            if (flag.get(JAVA_INT, 0) < MPI_THREAD_SERIALIZED) {
                throw new IllegalStateException("MPI: " + library + " provides thread level " + flag.get(JAVA_INT, 0)
                        + ", and Adjoint needs MPI_THREAD_SERIALIZED (" + MPI_THREAD_SERIALIZED + ")");
            }
        }
        check(call(commRank, world, flag), "MPI_Comm_rank");
        rank = flag.get(JAVA_INT, 0);
        check(call(commSize, world, flag), "MPI_Comm_size");
        size = flag.get(JAVA_INT, 0);
        MemorySegment text = arena.allocate(MPI_MAX_LIBRARY_VERSION_STRING);
        check(call(libraryVersion, text, flag), "MPI_Get_library_version");
        version = text.getString(0).lines().findFirst().orElse("").strip();
    }

    /** Opens the first of {@link #LIBRARIES} found and initialises MPI; the reason it cannot, as an exception. */
    static Mpi open() {
        String why = "";
        for (String name : LIBRARIES) {
            Optional<SymbolLookup> lookup = load(name);
            if (lookup.isEmpty()) {
                why += (why.isEmpty() ? "" : ", ") + name + " not found";
                continue;
            }
            if (lookup.get().find("ompi_mpi_comm_world").isEmpty()) {
                throw new IllegalStateException("MPI: " + name + " is not Open MPI (no ompi_mpi_comm_world); Adjoint "
                        + "binds Open MPI's C API (Debian: apt-get install openmpi-bin libopenmpi-dev)");
            }
            return new Mpi(name, lookup.get());
        }
        throw new IllegalStateException("MPI: " + why + " (Debian: apt-get install openmpi-bin libopenmpi-dev)");
    }

    /** The library's lookup after a global dlopen, or empty where the loader finds no such library. */
    private static Optional<SymbolLookup> load(String name) {
        try (Arena a = Arena.ofConfined()) {
            MethodHandle dlopen = LINKER.downcallHandle(LINKER.defaultLookup().find("dlopen").orElseThrow(),
                    FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT));
            MemorySegment handle = (MemorySegment) dlopen.invokeExact(a.allocateFrom(name), RTLD_NOW | RTLD_GLOBAL);
            if (handle.address() == 0) {
                return Optional.empty();
            }
        } catch (Throwable t) {
            return Optional.empty();
        }
        try {
            return Optional.of(SymbolLookup.libraryLookup(name, Arena.global()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    int rank() {
        return rank;
    }

    int size() {
        return size;
    }

    /** The library file and MPI_Get_library_version's first line, e.g. "Open MPI v4.1.4, ...". */
    String describe() {
        return version + " (" + library + ")";
    }

    /** data[from, from + n) ← the element-wise sum of every rank's {@code data[from, from + n)}. */
    synchronized void allReduceSum(float[] data, int from, int n) {
        MemorySegment b = scratch((long) n * Float.BYTES);
        MemorySegment.copy(data, from, b, JAVA_FLOAT, 0, n);
        check(call(allreduce, MemorySegment.ofAddress(1), b, n, floatType, sum, world), "MPI_Allreduce(MPI_FLOAT, MPI_SUM)");
        MemorySegment.copy(b, JAVA_FLOAT, 0, data, from, n);
    }

    /**
     * Starts data[from, from + n) ← the element-wise sum over ranks, without waiting (MPI_Iallreduce, in
     * place): the range is copied to the same range of a native mirror, summed there, and copied back by
     * {@link Pending#await}. Sums in flight together must cover disjoint ranges of one array.
     */
    synchronized Pending startAllReduceSum(float[] data, int from, int n) {
        long bytes = (long) data.length * Float.BYTES;
        if (mirror == null || mirror.byteSize() < bytes) {
            if (inFlight > 0) {
                throw new IllegalStateException("MPI: a sum over a larger array started while " + inFlight
                        + " sum(s) are in flight");
            }
            mirror = arena.allocate(Math.max(bytes, 64), 64);
        }
        MemorySegment range = mirror.asSlice((long) from * Float.BYTES, (long) n * Float.BYTES);
        MemorySegment.copy(data, from, range, JAVA_FLOAT, 0, n);
        MemorySegment request = Arena.ofAuto().allocate(ADDRESS);     // freed with its Pending
        check(call(iallreduce, MemorySegment.ofAddress(1), range, n, floatType, sum, world, request),
                "MPI_Iallreduce(MPI_FLOAT, MPI_SUM)");
        inFlight++;
        return new Pending(request, range, data, from, n);
    }

    /** A sum started by {@link #startAllReduceSum}. */
    final class Pending {
        private final MemorySegment request;
        private final MemorySegment range;
        private final float[] data;
        private final int from;
        private final int n;
        private boolean done;

        private Pending(MemorySegment request, MemorySegment range, float[] data, int from, int n) {
            this.request = request;
            this.range = range;
            this.data = data;
            this.from = from;
            this.n = n;
        }

        /** Lets MPI move the transfer along (MPI_Test); whether it has finished. The result is not copied back yet. */
        boolean progress() {
            synchronized (Mpi.this) {
                if (!done) {
                    MemorySegment flag = scratch(Integer.BYTES);
                    check(call(test, request, flag, MemorySegment.NULL), "MPI_Test");
                    done = flag.get(JAVA_INT, 0) != 0;
                }
                return done;
            }
        }

        /** Waits for the sum (MPI_Wait) and copies it back into the caller's array. */
        void await() {
            synchronized (Mpi.this) {
                if (!done) {
                    check(call(waitCall, request, MemorySegment.NULL), "MPI_Wait");
                    done = true;
                }
                MemorySegment.copy(range, JAVA_FLOAT, 0, data, from, n);
                inFlight--;     // the mirror's range is free once its sum is copied back, not when it is done
            }
        }
    }

    /** data ← the element-wise sum of every rank's {@code data}. */
    synchronized void allReduceSum(double[] data) {
        MemorySegment b = scratch((long) data.length * Double.BYTES);
        MemorySegment.copy(data, 0, b, JAVA_DOUBLE, 0, data.length);
        check(call(allreduce, MemorySegment.ofAddress(1), b, data.length, doubleType, sum, world),
                "MPI_Allreduce(MPI_DOUBLE, MPI_SUM)");
        MemorySegment.copy(b, JAVA_DOUBLE, 0, data, 0, data.length);
    }

    /** Every rank's {@code value}, by rank. */
    synchronized long[] allGather(long value) {
        MemorySegment b = scratch((long) (size + 1) * Long.BYTES);
        b.set(JAVA_LONG, (long) size * Long.BYTES, value);
        check(call(allgather, b.asSlice((long) size * Long.BYTES), 1, longType, b, 1, longType, world),
                "MPI_Allgather(MPI_LONG)");
        long[] out = new long[size];
        MemorySegment.copy(b, JAVA_LONG, 0, out, 0, size);
        return out;
    }

    /** Rank {@code root}'s bytes, on every rank ({@code bytes} has the same length everywhere). */
    synchronized void broadcast(byte[] bytes, int root) {
        MemorySegment b = scratch(bytes.length);
        MemorySegment.copy(bytes, 0, b, JAVA_BYTE, 0, bytes.length);
        check(call(bcast, b, bytes.length, byteType, root, world), "MPI_Bcast(MPI_BYTE)");
        MemorySegment.copy(b, JAVA_BYTE, 0, bytes, 0, bytes.length);
    }

    /** Ends every rank of the job (MPI_Abort on MPI_COMM_WORLD): a rank that fails must not leave the others waiting. */
    void abort(int code) {
        call(abort, world, code);
    }

    /** MPI_Finalize, once; later calls do nothing. */
    synchronized void finish() {
        MemorySegment flag = arena.allocate(JAVA_INT);
        check(call(finalized, flag), "MPI_Finalized");
        if (flag.get(JAVA_INT, 0) == 0) {
            check(call(finalizeCall), "MPI_Finalize");
        }
    }

    private MemorySegment scratch(long bytes) {
        if (scratch == null || scratch.byteSize() < bytes) {
            scratch = arena.allocate(Math.max(bytes, 64), 64);
        }
        return scratch;
    }

    private static MemorySegment symbol(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalStateException("MPI: the library has no symbol " + name
                + " (not the Open MPI C API Adjoint binds)"));
    }

    private static MethodHandle downcall(SymbolLookup lookup, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(lookup, name), fd);
    }

    private static int call(MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("MPI: a downcall failed: " + t, t);
        }
    }

    private void check(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException("MPI: " + what + " returned error " + status + " (" + library + ")");
        }
    }
}
