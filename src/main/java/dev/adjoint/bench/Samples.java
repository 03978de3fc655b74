package dev.adjoint.bench;

import java.util.Arrays;

/**
 * Timed samples of one workload: {@code seconds[i]} is the mean time of one call over sample i,
 * a batch of {@code callsPerSample} calls ended by a device synchronize. Statistics are over the
 * samples: median, min, max, and the spread {@code (max − min) / median}.
 */
public record Samples(double[] seconds, int callsPerSample) {
    public Samples {
        if (seconds.length == 0) {
            throw new IllegalArgumentException("no timed sample");
        }
        for (double s : seconds) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("sample times must be positive and finite, got " + Arrays.toString(seconds));
            }
        }
        if (callsPerSample < 1) {
            throw new IllegalArgumentException("calls per sample must be at least 1, got " + callsPerSample);
        }
        seconds = seconds.clone();
    }

    @Override
    public double[] seconds() {
        return seconds.clone();
    }

    public int count() {
        return seconds.length;
    }

    /** The middle sample, or the mean of the two middle ones. */
    public double median() {
        double[] s = seconds.clone();
        Arrays.sort(s);
        int h = s.length / 2;
        return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
    }

    public double min() {
        return Arrays.stream(seconds).min().orElseThrow();
    }

    public double max() {
        return Arrays.stream(seconds).max().orElseThrow();
    }

    /** {@code (max − min) / median}: 0.1 means the samples lie within 10% of the median's size. */
    public double spread() {
        return (max() - min()) / median();
    }
}
