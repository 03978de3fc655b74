package dev.adjoint.device;

/**
 * An optional ability of a {@link Device}: measuring its peak float32 arithmetic rate with a
 * register-resident loop of fused multiply-adds (no memory traffic), so that a benchmark can say
 * what fraction of the machine a kernel reaches. Not a {@link Device} method, because a device
 * that cannot run such a probe still works; callers test with {@code instanceof}.
 *
 * <p>Each FMA counts as two floating-point operations. The probe runs on every compute unit the
 * device has (every thread of the CPU backend's pool, every multiprocessor of a GPU).
 */
public interface PeakProbe {
    /**
     * Runs the probe for about {@code seconds} (after a short warm-up and calibration) and returns
     * the best rate seen: noise from other work can only slow a sample down, so the best is the
     * closest to the device's capability.
     *
     * @throws IllegalArgumentException if {@code seconds} is not positive
     */
    Peak measurePeak(double seconds);

    /** One run of a probe kernel: {@code iterations} FMAs per chain, to completion; returns the seconds it took. */
    @FunctionalInterface
    interface Run {
        double seconds(long iterations);
    }

    /**
     * The measurement every implementation shares. Runs shorter than {@code min(0.05, seconds / 10)}
     * are too short to time: their iteration count doubles (from 256) and they are not counted, which
     * also warms up a JIT or a kernel cache. Counted runs go on for {@code seconds}, at least three;
     * the best rate wins. While the rate still climbs (a JIT compiling late on a busy machine: the
     * Vector API is ~100× slower before C2 compiles it), a best that beats the previous one by over
     * 10% extends the measurement by {@code seconds / 2}, up to {@code 4 × seconds} in all.
     *
     * @param flopsPerIteration floating-point operations of one iteration over the whole device
     *                          (chains × lanes × threads × 2)
     */
    static Peak measure(double seconds, double flopsPerIteration, Run run, String method) {
        if (!(seconds > 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("peak probe: seconds must be positive and finite, got " + seconds);
        }
        double target = Math.min(0.05, seconds / 10);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long hardEnd = start + (long) (4 * seconds * 1e9);
        long iterations = 256;
        double best = 0;
        for (int timed = 0; timed < 3 || System.nanoTime() < end; ) {
            double t = run.seconds(iterations);
            if (t < target && iterations < (1L << 40)) {
                iterations *= 2;
                continue;
            }
            double rate = flopsPerIteration * iterations / t;
            if (timed > 0 && rate > 1.1 * best) {
                end = Math.min(hardEnd, Math.max(end, System.nanoTime() + (long) (seconds / 2 * 1e9)));
            }
            best = Math.max(best, rate);
            timed++;
        }
        return new Peak(best, method);
    }

    /** A measured peak: FLOP/s, and how it was measured (threads, vector width, chains, kernel). */
    record Peak(double flopsPerSecond, String method) {
        public Peak {
            if (!(flopsPerSecond > 0) || Double.isInfinite(flopsPerSecond)) {
                throw new IllegalArgumentException("peak FLOP/s must be positive and finite, got " + flopsPerSecond);
            }
        }

        public double gflops() {
            return flopsPerSecond / 1e9;
        }
    }
}
