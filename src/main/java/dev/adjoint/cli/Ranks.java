package dev.adjoint.cli;

import dev.adjoint.data.Samples;
import dev.adjoint.device.Devices;
import dev.adjoint.dist.DataParallel;
import dev.adjoint.dist.World;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code adjoint train} does differently as one rank of {@code mpirun -np N ./adjoint train ...}:
 * the rank's share of the host's cores, silence on every rank but rank 0, and the check that every rank
 * was started alike (its GPU: {@link Devices#select(String, int)}).
 */
final class Ranks {
    private Ranks() {}

    /**
     * Joins the job when mpirun started this process ({@link World#current()}). On more than one rank: the CPU
     * backend takes this host's cores over its ranks unless {@code --threads} said how many, and ranks other
     * than 0 print nothing (their errors still go to standard error, with the rank).
     */
    static World join(int globalBatch) {
        World w = World.current();
        if (!w.distributed()) {
            return w;
        }
        if (globalBatch < w.size()) {
            throw new Args.UsageException("train: --batch " + globalBatch + " is the global batch, split over " + w.size()
                    + " ranks: give at least one row per rank (--batch " + w.size() + " or more)");
        }
        if (System.getProperty(Devices.CPU_THREADS_PROPERTY) == null) {
            int cores = Runtime.getRuntime().availableProcessors();   // mpirun may have bound this rank to fewer
            System.setProperty(Devices.CPU_THREADS_PROPERTY, Integer.toString(Math.max(1, cores / w.localSize())));
        }
        w.silenceFollowers();
        return w;
    }

    /**
     * A hash of what must be the same on every rank: the settings and the data (its sizes and 64 rows spread
     * over the training split, their features and labels).
     */
    static long fingerprint(Map<String, Object> settings, Samples train, Samples test) {
        int rows = Math.min(64, train.size());
        float[] sample = new float[rows * (train.dims() + 1) + 3];
        for (int r = 0; r < rows; r++) {
            int i = (int) ((long) r * train.size() / rows);
            train.copyRow(i, sample, r * (train.dims() + 1));
            sample[r * (train.dims() + 1) + train.dims()] = train.label(i);
        }
        sample[sample.length - 3] = train.size();
        sample[sample.length - 2] = train.dims();
        sample[sample.length - 1] = test.size();
        long h = DataParallel.hash(sample);
        for (char c : settings.toString().toCharArray()) {
            h = (h ^ c) * 0x100000001b3L;
        }
        return h;
    }

    /** The line rank 0 prints before training. */
    static String describe(World w, String engine, int globalBatch) {
        return String.format(Locale.ROOT, "data parallel: %d ranks over %s; gradients summed by %s; global batch %d"
                        + " (%s per rank), %s CPU thread(s) per rank", w.size(), w.engineDescription(), engine, globalBatch,
                globalBatch % w.size() == 0 ? Integer.toString(globalBatch / w.size())
                        : globalBatch / w.size() + "-" + (globalBatch / w.size() + 1),
                System.getProperty(Devices.CPU_THREADS_PROPERTY, "all"));
    }
}
