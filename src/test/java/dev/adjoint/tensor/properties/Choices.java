package dev.adjoint.tensor.properties;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The random decisions behind one generated case, recorded so that a failing case can be replayed
 * with smaller decisions (shrinking, as Hypothesis does it). Each decision is an int in
 * {@code [lo, hi]}, recorded as its distance from {@code lo}. A replay reads those distances back;
 * past the end of the sequence, or beyond a decision's range, it takes the smallest allowed value.
 * So any sequence of ints replays to a valid case, and smaller ints give simpler cases.
 */
final class Choices {
    private final SplittableRandom random;
    private final int[] replay;
    private int[] recorded = new int[16];
    private int count;

    private Choices(SplittableRandom random, int[] replay) {
        this.random = random;
        this.replay = replay;
    }

    /** Fresh decisions from a seed. */
    static Choices random(long seed) {
        return new Choices(new SplittableRandom(seed), null);
    }

    /** The decisions of an earlier case (from {@link #recorded}), possibly edited. */
    static Choices replay(int... choices) {
        return new Choices(null, choices.clone());
    }

    /** A decision in {@code [lo, hi]} (both inclusive). */
    int between(int lo, int hi) {
        if (hi < lo) {
            throw new IllegalArgumentException("between: empty range [" + lo + ", " + hi + "]");
        }
        int span = hi - lo;
        int d;
        if (random != null) {
            d = random.nextInt(span + 1);
        } else {
            d = count < replay.length ? Math.clamp(replay[count], 0, span) : 0;
        }
        if (count == recorded.length) {
            recorded = Arrays.copyOf(recorded, 2 * count);
        }
        recorded[count++] = d;
        return lo + d;
    }

    boolean flip() {
        return between(0, 1) == 1;
    }

    /** One of a non-empty list; shrinks toward the first. */
    <T> T pick(List<T> options) {
        return options.get(between(0, options.size() - 1));
    }

    /** The decisions taken so far. */
    int[] recorded() {
        return Arrays.copyOf(recorded, count);
    }
}
