package dev.adjoint.data;

/**
 * SplitMix64, written out so that seeded shuffles and synthetic data are the same on every JDK
 * (a resumed run must see the same epoch order as the run it continues).
 */
final class SplitMix {
    private long state;

    SplitMix(long seed) {
        this.state = seed;
    }

    /** A seed for stream {@code index} of {@code seed} (e.g. an epoch), well mixed. */
    static long derive(long seed, long index) {
        return mix(mix(seed) + 0x9E3779B97F4A7C15L * (index + 1));
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += 0x9E3779B97F4A7C15L;
        return mix(state);
    }

    /** Uniform in [0, bound), without modulo bias. */
    int nextInt(int bound) {
        long r;
        long v;
        do {
            r = nextLong() >>> 1;
            v = r % bound;
        } while (r - v + (bound - 1) < 0);
        return (int) v;
    }

    /** Uniform in [0, 1). */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Standard normal (Box-Muller; one of the pair is used, for simplicity). */
    double nextGaussian() {
        double u = 1.0 - nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * nextDouble());
    }
}
