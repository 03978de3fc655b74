package dev.adjoint.dist;

import dev.adjoint.device.Collectives;
import dev.adjoint.device.Device;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
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
 */
public final class DataParallel implements AutoCloseable {
    /** System property choosing the engine: auto (default), mpi or nccl. */
    public static final String ENGINE_PROPERTY = "adjoint.dist.engine";

    private final World world;
    private final Collectives.Group group;
    private final String engine;
    private float[] host = new float[0];
    /** The share, on the device, that the device path scales the slab by (made on first use). */
    private Tensor scale;

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
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("averageGradients: share " + share + " (a fraction of the global batch)");
        }
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
        world.allReduceSum(host, n);
        InPlace.write(grads, host);
    }

    /** Leaves the device's group and frees the scale. */
    @Override
    public void close() {
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
