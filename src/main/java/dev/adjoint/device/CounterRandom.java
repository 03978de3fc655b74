package dev.adjoint.device;

/**
 * The counter-based generator behind {@link Device#random}: element {@code i} of a draw with seed
 * {@code s} is a pure function of (s, i) — SplitMix64's finalizer over {@code s + (i+1)·γ}. Every
 * backend implements these few lines in its own language, so a seed gives the same tensor on every
 * device and for every thread count (uniform and Bernoulli bit for bit; normal to within the
 * rounding of each device's log and cos).
 */
public final class CounterRandom {
    private static final long GAMMA = 0x9E3779B97F4A7C15L;
    private static final float TWO_PI = (float) (2 * Math.PI);

    private CounterRandom() {}

    /** 64 random bits for counter {@code i}. */
    public static long bits(long seed, long i) {
        long z = seed + (i + 1) * GAMMA;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform on [0, 1) with 24 random bits: exactly representable as a float. */
    public static float uniform(long seed, long i) {
        return (bits(seed, i) >>> 40) * 0x1.0p-24f;
    }

    /** One sample of the distribution for element {@code i}. */
    public static float sample(Distribution dist, float a, float b, long seed, long i) {
        return switch (dist) {
            case UNIFORM -> a + (b - a) * uniform(seed, i);
            case BERNOULLI -> uniform(seed, i) < a ? 1f : 0f;
            case NORMAL -> {
                // Box-Muller on two counters; u1 in (0, 1] so the log is finite.
                float u1 = ((bits(seed, 2 * i) >>> 40) + 1) * 0x1.0p-24f;
                float u2 = uniform(seed, 2 * i + 1);
                float r = (float) Math.sqrt(-2f * (float) Math.log(u1));
                yield a + b * (r * (float) Math.cos(TWO_PI * u2));
            }
        };
    }
}
