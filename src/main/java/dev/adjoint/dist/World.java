package dev.adjoint.dist;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * This process's place among the processes of one data-parallel job: its rank, the number of
 * ranks, its rank and rank count on this host, and the engine that connects them. A process that
 * {@code mpirun} started (Open MPI sets {@code OMPI_COMM_WORLD_SIZE}) joins the MPI job on
 * {@link #current()}; any other process is a world of one, with no engine, and every collective is
 * the identity.
 *
 * <p>Collectives run on {@code MPI_COMM_WORLD}; every rank must call the same collectives in the
 * same order, as with MPI itself. {@link #agree} is how a job checks that its ranks were started
 * alike (same settings, same data, same initial weights) and ends with a named error if not.
 */
public final class World implements AutoCloseable {
    /** The environment variables Open MPI's launcher sets on every rank. */
    static final String SIZE_ENV = "OMPI_COMM_WORLD_SIZE";
    static final String LOCAL_RANK_ENV = "OMPI_COMM_WORLD_LOCAL_RANK";
    static final String LOCAL_SIZE_ENV = "OMPI_COMM_WORLD_LOCAL_SIZE";

    private static World current;

    private final Mpi mpi;
    private final int rank;
    private final int size;
    private final int localRank;
    private final int localSize;

    private World(Mpi mpi, int rank, int size, int localRank, int localSize) {
        this.mpi = mpi;
        this.rank = rank;
        this.size = size;
        this.localRank = localRank;
        this.localSize = localSize;
    }

    /** A world of one process: no engine, collectives are the identity. */
    public static World single() {
        return new World(null, 0, 1, 0, 1);
    }

    /** Whether {@code mpirun} (Open MPI) started this process, by its environment. */
    public static boolean launched(Map<String, String> env) {
        return env.containsKey(SIZE_ENV);
    }

    /**
     * The world of this process, made once: joined over Open MPI when {@code mpirun} started it,
     * else {@link #single()}. A process that {@code mpirun} started but whose MPI cannot be opened is
     * an error with the reason, never a silent run of one.
     */
    public static synchronized World current() {
        if (current == null) {
            Map<String, String> env = System.getenv();
            if (!launched(env)) {
                current = single();
            } else {
                Mpi mpi = Mpi.open();
                current = new World(mpi, mpi.rank(), mpi.size(), intEnv(env, LOCAL_RANK_ENV, 0),
                        intEnv(env, LOCAL_SIZE_ENV, 1));
                Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(current::close));
            }
        }
        return current;
    }

    /** The world {@link #current()} made, or null where no one asked for it yet (it joins no job). */
    public static synchronized World joined() {
        return current;
    }

    /**
     * Whether an MPI library can be opened here, and which, or why not, without joining a job: for
     * {@code adjoint devices}. Only a process that mpirun started opens it (MPI_Init outside a job
     * would start a job of one).
     */
    public static String probe() {
        if (!launched(System.getenv())) {
            for (String name : Mpi.LIBRARIES) {
                if (libraryFound(name)) {
                    return "found " + name + " (Open MPI's C API; ranks join when started by mpirun -np N)";
                }
            }
            return "unavailable: no " + String.join(" or ", Mpi.LIBRARIES)
                    + " (Debian: apt-get install openmpi-bin libopenmpi-dev)";
        }
        try {
            World w = current();
            return "joined: " + w;
        } catch (RuntimeException e) {
            return "unavailable: " + e.getMessage();
        }
    }

    /** The NCCL library names tried: the one PyTorch's NVIDIA wheels and NVIDIA's packages install. */
    static final String[] NCCL_LIBRARIES = {"libnccl.so.2", "libnccl.so"};

    /**
     * Each collective engine and whether it is here: {@code mpi} ({@link #probe()}), and {@code nccl}, the
     * CUDA devices' own ({@link DataParallel}), found on the loader's path or not.
     */
    public static Map<String, String> engines() {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("mpi", probe());
        String nccl = null;
        for (String name : NCCL_LIBRARIES) {
            if (nccl == null && libraryFound(name)) {
                nccl = name;
            }
        }
        m.put("nccl", nccl == null ? "unavailable: no " + String.join(" or ", NCCL_LIBRARIES) + " on the loader's path"
                + " (CUDA ranks then sum gradients through the host, over MPI)"
                : "found " + nccl + " (CUDA ranks sum gradients on the GPU; -D" + DataParallel.ENGINE_PROPERTY
                        + "=mpi sums through the host)");
        return m;
    }

    @SuppressWarnings("restricted")
    private static boolean libraryFound(String name) {
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.SymbolLookup.libraryLookup(name, arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static int intEnv(Map<String, String> env, String name, int fallback) {
        String v = env.get(name);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("MPI: " + name + "=" + v + " is not a number");
        }
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    /** This process's rank among the ranks on its host: the GPU it takes is {@code cuda:<localRank>}. */
    public int localRank() {
        return localRank;
    }

    /** How many ranks share this host (and its cores). */
    public int localSize() {
        return localSize;
    }

    /** More than one rank. */
    public boolean distributed() {
        return size > 1;
    }

    /** Rank 0, the one that writes checkpoints, run files and progress. */
    public boolean leader() {
        return rank == 0;
    }

    /** "mpi" for a job over Open MPI, "none" for a process on its own. */
    public String engine() {
        return mpi == null ? "none" : "mpi";
    }

    /** The engine's own description (Open MPI's version and library), or "none". */
    public String engineDescription() {
        return mpi == null ? "none" : mpi.describe();
    }

    /**
     * This rank's rows of a global batch of {@code globalBatch} split evenly, or an IllegalArgumentException
     * naming {@code what} when the ranks do not divide it.
     */
    public int evenShare(String what, int globalBatch) {
        if (globalBatch % size != 0) {
            throw new IllegalArgumentException(what + ": under mpirun, --batch " + globalBatch + " is split evenly over "
                    + size + " ranks (give a multiple)");
        }
        return globalBatch / size;
    }

    /** Ranks other than 0 print nothing on standard output from now on (their errors still go to standard error). */
    public void silenceFollowers() {
        if (!leader()) {
            System.setOut(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        }
    }

    /** data[from, from + n) ← the element-wise sum over ranks (every rank gets the same bits). */
    public void allReduceSum(float[] data, int from, int n) {
        checkRange("allReduceSum", data, from, n);
        if (mpi != null && size > 1) {
            mpi.allReduceSum(data, from, n);
        }
    }

    /**
     * Starts {@link #allReduceSum(float[], int, int)} without waiting (MPI_Iallreduce): the range is
     * summed while the caller works, and is in {@code data} once {@link PendingSum#await} returns. Every
     * rank must start its sums in the same order; sums in flight together cover disjoint ranges of one array.
     */
    public PendingSum startAllReduceSum(float[] data, int from, int n) {
        checkRange("startAllReduceSum", data, from, n);
        if (mpi == null || size == 1) {
            return new PendingSum(null);
        }
        return new PendingSum(mpi.startAllReduceSum(data, from, n));
    }

    private static void checkRange(String what, float[] data, int from, int n) {
        if (from < 0 || n < 0 || from > data.length - n) {
            throw new IllegalArgumentException(what + ": elements [" + from + ", " + ((long) from + n)
                    + ") of an array of " + data.length);
        }
    }

    /** A sum over ranks in flight ({@link #startAllReduceSum}). */
    public static final class PendingSum {
        private final Mpi.Pending pending;

        private PendingSum(Mpi.Pending pending) {
            this.pending = pending;
        }

        /** Lets the engine move the transfer along; whether it has finished (the array is written by {@link #await}). */
        public boolean progress() {
            return pending == null || pending.progress();
        }

        /** Waits for the sum and writes it into the array's range. */
        public void await() {
            if (pending != null) {
                pending.await();
            }
        }
    }

    /** data ← the element-wise sum over ranks. */
    public void allReduceSum(double[] data) {
        if (mpi != null && size > 1) {
            mpi.allReduceSum(data);
        }
    }

    /** Every rank's {@code value}, indexed by rank. */
    public long[] allGather(long value) {
        return mpi == null || size == 1 ? new long[] {value} : mpi.allGather(value);
    }

    /**
     * Checks that every rank holds the same {@code value} (a hash of {@code what}); otherwise throws,
     * on every rank, naming {@code what} and which ranks differ from rank 0.
     */
    public void agree(String what, long value) {
        long[] all = allGather(value);
        StringBuilder differ = new StringBuilder();
        for (int r = 1; r < all.length; r++) {
            if (all[r] != all[0]) {
                differ.append(differ.isEmpty() ? "" : ", ").append(r);
            }
        }
        if (!differ.isEmpty()) {
            throw new IllegalStateException(String.format(Locale.ROOT, "%d ranks: %s differ between rank 0 and rank(s) %s"
                    + " (hashes %s); start every rank with the same command line and data", size, what, differ,
                    Arrays.toString(Arrays.stream(all).mapToObj(Long::toHexString).toArray())));
        }
    }

    /** Rank {@code root}'s bytes on every rank; {@code bytes} must have the same length on every rank. */
    public void broadcast(byte[] bytes, int root) {
        if (mpi != null && size > 1) {
            mpi.broadcast(bytes, root);
        }
    }

    /**
     * Ends every rank of the job now, with {@code code}: what a rank does when it fails, so that the
     * others do not wait for it in a collective. A world of one just returns.
     */
    public void abort(int code) {
        if (mpi != null && size > 1) {
            System.err.flush();
            System.out.flush();
            mpi.abort(code);
        }
    }

    /** Leaves the job (MPI_Finalize); every rank must close it. */
    @Override
    public void close() {
        if (mpi != null) {
            mpi.finish();
        }
    }

    @Override
    public String toString() {
        return mpi == null ? "one process (no MPI)"
                : String.format(Locale.ROOT, "rank %d of %d (local %d of %d), %s", rank, size, localRank, localSize,
                        mpi.describe());
    }
}
