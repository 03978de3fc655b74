package dev.adjoint.dist;

import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;

/**
 * Data parallelism's one step between backward and the optimizer: each rank's gradient slab,
 * weighted by that rank's share of the global batch, summed over the ranks ({@link World#allReduceSum}),
 * so that every rank updates with the gradient of the mean loss over the whole global batch — the
 * gradient one process would get from that batch, up to the order of summation. The slab goes
 * through one host array kept from step to step (MPI's host path, for every device).
 */
public final class DataParallel {
    private final World world;
    private float[] host = new float[0];

    public DataParallel(World world) {
        this.world = world;
    }

    public World world() {
        return world;
    }

    /**
     * grads ← Σ over ranks of {@code share} · grads, where {@code share} is this rank's rows of the
     * step over the rows of the whole step on every rank (the shares sum to 1). With one rank,
     * nothing happens (the share is 1).
     */
    public void averageGradients(Tensor grads, double share) {
        if (!world.distributed()) {
            return;
        }
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("averageGradients: share " + share + " (a fraction of the global batch)");
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
