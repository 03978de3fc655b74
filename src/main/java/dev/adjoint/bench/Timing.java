package dev.adjoint.bench;

import java.util.Arrays;

/**
 * The timing loop every benchmark uses. A warm-up runs the workload, synchronizing after each call,
 * until {@code warmupSeconds} have passed (at least one call: it also compiles kernels and lets C2
 * compile the Vector API code), and estimates the time of one call. From that, a sample is a batch
 * of calls lasting at least {@code sampleSeconds}, ended by one synchronize. Samples are taken until
 * there are {@code repeat}, or the next would end past {@code timedSeconds} of timing once
 * {@code minSamples} are in.
 */
public final class Timing {
    private Timing() {}

    /** How long to warm up and time one workload. */
    public record Budget(double warmupSeconds, double sampleSeconds, int repeat, int minSamples, double timedSeconds) {
        public Budget {
            if (!(warmupSeconds >= 0) || !(sampleSeconds >= 0) || !(timedSeconds >= 0)) {
                throw new IllegalArgumentException("warm-up, sample and timed seconds must be >= 0, got " + warmupSeconds
                        + ", " + sampleSeconds + ", " + timedSeconds);
            }
            if (minSamples < 1 || repeat < minSamples) {
                throw new IllegalArgumentException("need 1 <= min samples <= repeat, got " + minSamples + " and " + repeat);
            }
        }

        /** Exactly {@code repeat} samples, however long they take. */
        static Budget fixed(double warmupSeconds, double sampleSeconds, int repeat) {
            return new Budget(warmupSeconds, sampleSeconds, repeat, repeat, Double.POSITIVE_INFINITY);
        }
    }

    /** Warms up, then samples within the budget. */
    static Samples measure(Workload w, Budget b) {
        int calls = callsPerSample(warmup(w, b.warmupSeconds()), b.sampleSeconds());
        double[] seconds = new double[b.repeat()];
        int n = 0;
        long start = System.nanoTime();
        while (n < b.repeat()) {
            seconds[n++] = sample(w, calls);
            double spent = (System.nanoTime() - start) / 1e9;
            if (n >= b.minSamples() && spent + seconds[n - 1] * calls > b.timedSeconds()) {
                break;
            }
        }
        return new Samples(Arrays.copyOf(seconds, n), calls);
    }

    /** Runs and synchronizes until {@code seconds} have passed, at least once; returns the mean seconds per call. */
    static double warmup(Workload w, double seconds) {
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        long calls = 0;
        do {
            w.run();
            w.synchronize();
            calls++;
        } while (System.nanoTime() < end);
        return (System.nanoTime() - t0) / 1e9 / calls;
    }

    /**
     * {@link #warmup} on every rank of {@code world} at once, where each call is a collective: the ranks
     * decide together, after each call, whether the warm-up is over (as soon as one rank's time is up), so
     * that they take the same number of calls; a rank that stopped on its own clock would wait in another
     * collective than the others, and the job would hang.
     */
    static double warmup(Workload w, double seconds, dev.adjoint.dist.World world) {
        long t0 = System.nanoTime();
        long end = t0 + (long) (seconds * 1e9);
        long calls = 0;
        double[] over = new double[1];
        do {
            w.run();
            w.synchronize();
            calls++;
            over[0] = System.nanoTime() >= end ? 1 : 0;
            world.allReduceSum(over);
        } while (over[0] == 0);
        return (System.nanoTime() - t0) / 1e9 / calls;
    }

    /** Calls per sample for samples of at least {@code sampleSeconds}: 1 to 1,000,000. */
    static int callsPerSample(double secondsPerCall, double sampleSeconds) {
        return (int) Math.max(1, Math.min(1_000_000, Math.ceil(sampleSeconds / Math.max(secondsPerCall, 1e-9))));
    }

    /** One sample: {@code calls} calls then a synchronize; returns the mean seconds per call. */
    static double sample(Workload w, int calls) {
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            w.run();
        }
        w.synchronize();
        return Math.max(1e-12, (System.nanoTime() - t0) / 1e9 / calls);
    }
}
