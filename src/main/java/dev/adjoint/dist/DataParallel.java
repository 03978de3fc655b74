package dev.adjoint.dist;

import dev.adjoint.device.Collectives;
import dev.adjoint.device.Device;
import dev.adjoint.nn.Parameters;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Data parallelism's one step between backward and the optimizer: each rank's gradient slab,
 * weighted by that rank's share of the global batch, summed over the ranks, so that every rank
 * updates with the gradient of the mean loss over the whole global batch — the gradient one process
 * would get from that batch, up to the order of summation.
 *
 * <p>Two engines ({@code -Dadjoint.dist.engine=auto|mpi|nccl}, {@value #ENGINE_PROPERTY}): the
 * device's own ({@link Device#collectives()}: NCCL on CUDA), which sums on the device, its group id
 * made by rank 0 and sent to the others over MPI; or MPI's host path, the slab through one host array
 * kept from step to step, for every device. {@code auto}, the default, takes the device's where it has
 * one. {@code nccl} with a single process still runs the step through NCCL (a group of one), to
 * measure what the collective path costs.
 *
 * <p>On MPI's host path the sum can run while backward still works ({@link #overlap}, as PyTorch's
 * DDP and Horovod do), when {@value #BUCKET_PROPERTY} gives a bucket size: the slab is cut into
 * buckets of about that size, last parameters first, the order backward makes them; when backward
 * has written every gradient of the next bucket, that bucket is read to the host and its sum started
 * ({@code MPI_Iallreduce}); the sums in flight are moved along ({@code MPI_Test}) each time backward
 * finishes a gradient, and waited for after backward. No communication thread: on a rank of one
 * core, a thread spinning in a blocking {@code MPI_Allreduce} would take that core from backward.
 * Buckets
 * start in the same order on every rank, so the collectives match; a bucket holding a parameter that
 * got no gradient starts after backward. Every element is summed once, as the whole slab's call sums
 * it, so with two ranks the buckets change no bit of the result.
 */
public final class DataParallel implements AutoCloseable {
    /** System property choosing the engine: auto (default), mpi or nccl. */
    public static final String ENGINE_PROPERTY = "adjoint.dist.engine";
    /**
     * System property: a bucket's size in MiB (PyTorch DDP's {@code bucket_cap_mb}); 0, the default, sums
     * the slab after backward. Off by default because on the one host measured it lost: 2 ranks of one
     * core each on a 2-core Zen 4, 4 MiB buckets ran the three standard MLPs' steps at 0.89, 0.93 and 0.91
     * times the speed of one sum after backward (medians of 3 interleaved rounds,
     * {@code bench/results/cpu-data-parallel-scaling.json}): Open MPI's nonblocking sum (libnbc) is slower
     * than its blocking one, and a rank of one core has no idle time to hide it in. Hosts joined by a
     * network may differ.
     */
    public static final String BUCKET_PROPERTY = "adjoint.dist.bucketMb";
    private static final double DEFAULT_BUCKET_MB = 0;

    private final World world;
    private final Collectives.Group group;
    private final String engine;
    private float[] host = new float[0];
    /** The share, on the device, that the device path scales the slab by (made on first use). */
    private Tensor scale;
    private Buckets buckets;

    /** The engine for gradients on {@code device} in {@code world}, as {@value #ENGINE_PROPERTY} asks. */
    public DataParallel(World world, Device device) {
        this.world = world;
        String asked = System.getProperty(ENGINE_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        Collectives c = device.collectives();
        switch (asked) {
            case "auto", "mpi", "nccl" -> { }
            default -> throw new IllegalArgumentException("-D" + ENGINE_PROPERTY + "=" + asked
                    + ": the gradient engine is auto, mpi or nccl");
        }
        if (asked.equals("nccl") && c == null) {
            throw new IllegalStateException("-D" + ENGINE_PROPERTY + "=nccl: " + device.name() + " has no collective"
                    + " engine (NCCL needs a CUDA device and libnccl.so.2 on the loader's path)");
        }
        if (c != null && !asked.equals("mpi")) {
            byte[] id = world.leader() ? c.newId() : new byte[Collectives.ID_BYTES];
            world.broadcast(id, 0);
            group = c.join(id, world.rank(), world.size());
            engine = c.describe();
        } else {
            group = null;
            engine = world.engineDescription() + ", through the host";
        }
    }

    /** Whether a trainer in {@code world} sums its gradients over ranks: with more than one rank, or NCCL asked for. */
    public static boolean wanted(World world) {
        return world.distributed() || "nccl".equalsIgnoreCase(System.getProperty(ENGINE_PROPERTY, "").trim());
    }

    /** The engine the gradients go through, e.g. "NCCL 2.27.3 (libnccl.so.2)". */
    public String engine() {
        return engine;
    }

    /**
     * grads ← Σ over ranks of {@code share} · grads, where {@code share} is this rank's rows of the
     * step over the rows of the whole step on every rank (the shares sum to 1).
     */
    public void averageGradients(Tensor grads, double share) {
        checkShare("averageGradients", share);
        if (group != null) {
            if (share != 1) {
                if (scale == null) {
                    scale = Tensor.zeros(grads.device(), 1);
                }
                InPlace.fill(scale, (float) share);
                InPlace.mul(grads, scale);
            }
            InPlace.allReduceSum(grads, group);
            return;
        }
        if (!world.distributed()) {
            return;
        }
        int n = Math.toIntExact(grads.numel());
        if (host.length < n) {
            host = new float[n];
        }
        InPlace.read(grads, host);
        if (share != 1) {
            float s = (float) share;
            for (int i = 0; i < n; i++) {
                host[i] *= s;
            }
        }
        world.allReduceSum(host, 0, n);
        InPlace.write(grads, host);
    }

    /**
     * Sums {@code params}' gradients in buckets while backward runs, from now on: between {@link #begin}
     * and {@link #finish}, instead of {@link #averageGradients}. Returns false, and changes nothing, where
     * the engine sums after backward: a device engine (NCCL runs on the device's own stream, behind
     * backward's kernels), one process, or a bucket size of 0.
     */
    public boolean overlap(Parameters params) {
        double mb = bucketMb();
        if (group != null || !world.distributed() || mb == 0) {
            return false;
        }
        if (buckets != null) {
            buckets.close();
        }
        buckets = new Buckets(params, (long) Math.max(1, Math.round(mb * (1 << 20) / Float.BYTES)));
        return true;
    }

    /** The bucket size {@value #BUCKET_PROPERTY} asks for, in MiB. */
    private static double bucketMb() {
        String v = System.getProperty(BUCKET_PROPERTY, String.valueOf(DEFAULT_BUCKET_MB)).trim();
        try {
            double mb = Double.parseDouble(v);
            if (mb >= 0 && Double.isFinite(mb)) {
                return mb;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        throw new IllegalArgumentException("-D" + BUCKET_PROPERTY + "=" + v + ": a bucket's size in MiB, a number >= 0"
                + " (0 sums the gradients after backward)");
    }

    /**
     * Starts a step's buckets ({@link #overlap}): from here each bucket is summed with the share
     * {@code share} of {@link #averageGradients} as soon as backward has written it.
     */
    public void begin(double share) {
        checkShare("begin", share);
        overlapping("begin").begin(share);
    }

    /** Ends the step begun by {@link #begin}: starts the buckets left, waits for every sum and writes them to the device. */
    public void finish() {
        overlapping("finish").finish();
    }

    private Buckets overlapping(String what) {
        if (buckets == null) {
            throw new IllegalStateException("DataParallel." + what + ": the gradients are not summed in buckets here"
                    + " (overlap() returned false); sum them after backward with averageGradients");
        }
        return buckets;
    }

    /** How the gradients were summed: after backward, or in how many buckets, and how many of the last step's started during its backward. */
    public String bucketReport() {
        return buckets == null ? "the whole slab after backward" : buckets.report();
    }

    private static void checkShare(String what, double share) {
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException(what + ": share " + share + " (a fraction of the global batch)");
        }
    }

    /** The slab cut into ranges, each summed by one nonblocking MPI call. */
    private final class Buckets implements AutoCloseable {
        private final Parameters params;
        /** The gradient slab, read without {@link Parameters#grads}' fill of unwritten gradients. */
        private final Tensor grads;
        /** Bucket k is slab range [from[k], to[k]); bucket 0 holds the last parameters. */
        private final int[] from;
        private final int[] to;
        /** How many parameters bucket k holds, and how many of them this step's backward has not yet reached. */
        private final int[] members;
        private final int[] waiting;
        private final World.PendingSum[] sums;
        private final List<Tensor.GradHook> hooks = new ArrayList<>();
        private float[] slab;
        private boolean armed;
        private double share;
        private int next;
        private int early;

        Buckets(Parameters params, long cap) {
            this.params = params;
            grads = params.grads();
            List<Tensor> list = new ArrayList<>(params.named().values());
            long[] at = new long[list.size() + 1];
            for (int i = 0; i < list.size(); i++) {
                at[i + 1] = at[i] + list.get(i).numel();
            }
            List<int[]> ranges = new ArrayList<>();
            int[] bucketOf = new int[list.size()];
            int hi = list.size();
            while (hi > 0) {
                int lo = hi - 1;
                while (lo > 0 && at[hi] - at[lo - 1] <= cap) {
                    lo--;
                }
                for (int i = lo; i < hi; i++) {
                    bucketOf[i] = ranges.size();
                }
                ranges.add(new int[] {(int) at[lo], (int) at[hi], hi - lo});
                hi = lo;
            }
            from = ranges.stream().mapToInt(r -> r[0]).toArray();
            to = ranges.stream().mapToInt(r -> r[1]).toArray();
            members = ranges.stream().mapToInt(r -> r[2]).toArray();
            waiting = new int[members.length];
            sums = new World.PendingSum[members.length];
            for (int i = 0; i < list.size(); i++) {
                int k = bucketOf[i];
                hooks.add(list.get(i).onGradAccumulated(() -> reached(k)));
            }
        }

        void begin(double s) {
            awaitAll();     // a step that failed half-way may have left sums running
            share = s;
            System.arraycopy(members, 0, waiting, 0, members.length);
            next = 0;
            early = 0;
            armed = true;
        }

        /** Backward has written one more gradient of bucket k: start every bucket that is now complete, in order. */
        private void reached(int k) {
            if (!armed) {
                return;
            }
            if (k < next) {
                throw new IllegalStateException("DataParallel: a gradient in bucket " + k + " was accumulated again after"
                        + " the bucket was sent to be summed (a second backward in one step?); turn the buckets off with"
                        + " -D" + BUCKET_PROPERTY + "=0");
            }
            waiting[k]--;
            for (int j = 0; j < next; j++) {
                if (sums[j] != null) {
                    sums[j].progress();
                }
            }
            while (next < from.length && waiting[next] == 0) {
                early++;
                start(next++);
            }
        }

        private void start(int k) {
            if (slab == null) {
                slab = new float[Math.toIntExact(grads.numel())];
            }
            int lo = from[k];
            int n = to[k] - lo;
            try (Tensor part = grads.slice(lo, to[k])) {
                InPlace.read(part, slab, lo);
            }
            if (share != 1) {
                float s = (float) share;
                for (int i = lo; i < lo + n; i++) {
                    slab[i] *= s;
                }
            }
            sums[k] = world.startAllReduceSum(slab, lo, n);
        }

        void finish() {
            if (!armed) {
                throw new IllegalStateException("DataParallel.finish: no step was begun");
            }
            armed = false;
            if (next < from.length) {
                params.grads();     // zeros for any gradient backward did not write
            }
            while (next < from.length) {
                start(next++);
            }
            awaitAll();
            InPlace.write(grads, slab);
        }

        private void awaitAll() {
            for (int k = 0; k < sums.length; k++) {
                if (sums[k] != null) {
                    World.PendingSum pending = sums[k];
                    sums[k] = null;
                    pending.await();
                }
            }
        }

        String report() {
            return String.format(Locale.ROOT, "%d bucket%s of up to %s MiB, %d started during the last step's backward",
                    from.length, from.length == 1 ? "" : "s", bucketMb(), early);
        }

        @Override
        public void close() {
            armed = false;
            hooks.forEach(Tensor.GradHook::close);
            awaitAll();
        }
    }

    /** Leaves the device's group and frees the scale. */
    @Override
    public void close() {
        if (buckets != null) {
            buckets.close();
        }
        if (group != null) {
            group.close();
        }
        if (scale != null) {
            scale.close();
        }
    }

    /** A 64-bit hash of {@code values}' exact bits (FNV-1a over the raw float bits): equal only for the same bits. */
    public static long hash(float[] values) {
        long h = 0xcbf29ce484222325L;
        for (float v : values) {
            h ^= Float.floatToRawIntBits(v) & 0xffffffffL;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
