package dev.adjoint.bench.jmh;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * What the benchmarks validate with before they time: random inputs, a fixed sample of a large
 * output, and the comparison with a float64 reference that fails a trial loudly. The references
 * themselves are {@link dev.adjoint.conformance.Reference}'s, but for the MLP's forward
 * ({@link MlpValidation}).
 */
final class Validation {
    private Validation() {}

    /** Inputs: {@code length} floats uniform in [lo, hi). */
    static float[] uniform(SplittableRandom rnd, int length, double lo, double hi) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return x;
    }

    /** Up to {@code max} distinct indices in [0, length), all of them when length ≤ max; the same for a seed. */
    static int[] sample(int length, int max, long seed) {
        if (length <= max) {
            return IntStream.range(0, length).toArray();
        }
        return new SplittableRandom(seed).ints(0, length).distinct().limit(max).sorted().toArray();
    }

    /** The elements of {@code x} at the indices {@code at}. */
    static float[] gather(float[] x, int[] at) {
        float[] y = new float[at.length];
        for (int i = 0; i < at.length; i++) {
            y[i] = x[at[i]];
        }
        return y;
    }

    /**
     * Fails unless {@code |actual[i] − expected[i]| ≤ atol + rtol·scale[i]} for every i ({@code scale}
     * null means |expected|), naming the case, the first bad index and both values.
     */
    static void requireClose(String what, float[] actual, double[] expected, double[] scale, double rtol, double atol) {
        if (actual.length != expected.length) {
            throw new IllegalStateException(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double allowed = atol + rtol * (scale == null ? Math.abs(expected[i]) : scale[i]);
            double error = Math.abs(actual[i] - expected[i]);
            if (!(error <= allowed)) {
                throw new IllegalStateException(String.format("%s is wrong: element %d is %s, float64 reference %s"
                        + " (error %.3g, allowed %.3g)", what, i, actual[i], expected[i], error, allowed));
            }
        }
    }
}
