package dev.adjoint.tensor.properties;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a property on one generated case and, when it fails, shrinks the case's {@link Choices}
 * to a smaller one that still fails the same way: chunks of decisions are deleted, then single
 * decisions lowered, keeping any change that still fails, until nothing helps. The failure names
 * the seed, the smallest case, its decisions (replayable with {@link Choices#replay}) and the
 * original case.
 */
final class Property {
    /** At most this many re-runs of the property while shrinking. */
    static final int SHRINK_RUNS = 600;

    private Property() {}

    static <T> void check(String name, long seed, Function<Choices, T> generate, Consumer<T> property) {
        Choices choices = Choices.random(seed);
        T example = generate.apply(choices);
        Throwable failure = failure(property, example);
        if (failure == null) {
            return;
        }
        Class<?> kind = failure.getClass();
        int[] smallest = shrink(choices.recorded(), candidate -> {
            Choices replay = Choices.replay(candidate);
            T other;
            try {
                other = generate.apply(replay);
            } catch (RuntimeException generatorCannotReplay) {
                return null; // a generator bug; PropertyTest checks that any choices replay
            }
            Throwable f = failure(property, other);
            return f != null && f.getClass() == kind ? replay.recorded() : null;
        });
        T shrunk = generate.apply(Choices.replay(smallest));
        Throwable cause = failure(property, shrunk);
        throw new AssertionError(name + " fails for seed " + seed + ".\nSmallest failing case (Choices.replay"
                + Arrays.toString(smallest).replace('[', '(').replace(']', ')') + "):\n" + shrunk
                + "\n  -> " + cause + "\nOriginal case:\n" + example + "\n  -> " + failure, cause);
    }

    private static <T> Throwable failure(Consumer<T> property, T example) {
        try {
            property.accept(example);
            return null;
        } catch (AssertionError | RuntimeException e) {
            return e;
        }
    }

    /**
     * The smallest (shortest, then lexicographically least) decisions found from {@code start} for
     * which {@code failing} returns the decisions actually used, or null when the case passes. Two
     * passes, repeated while either helps: delete a run of 8, 4, 2 or 1 decisions; lower one
     * decision (to 0, half, or one less), alone or together with deleting the decisions right after
     * it (fewer leaves or ops make the decisions that described them superfluous).
     */
    static int[] shrink(int[] start, Function<int[], int[]> failing) {
        int[] best = start;
        int runs = 0;
        boolean progress = true;
        while (progress && runs < SHRINK_RUNS) {
            progress = false;
            for (int size = 8; size >= 1; size /= 2) {
                for (int i = 0; i + size <= best.length && runs < SHRINK_RUNS; i++) {
                    int[] r = failing.apply(delete(best, i, size));
                    runs++;
                    if (r != null && smaller(r, best)) {
                        best = r;
                        progress = true;
                        i--;
                    }
                }
            }
            for (int i = 0; i < best.length && runs < SHRINK_RUNS; i++) {
                int[] r = lower(best, i, failing);
                runs += LOWERINGS;
                if (r != null) {
                    best = r;
                    progress = true;
                }
            }
        }
        return best;
    }

    private static final int[] DELETE_AFTER = {0, 1, 2, 4, 8};
    private static final int LOWERINGS = 3 * DELETE_AFTER.length;

    /** The first smaller failing result of lowering decision i (and deleting decisions after it), or null. */
    private static int[] lower(int[] best, int i, Function<int[], int[]> failing) {
        for (int value : new int[] {0, best[i] / 2, best[i] - 1}) {
            if (value >= best[i]) {
                continue;
            }
            for (int after : DELETE_AFTER) {
                if (i + 1 + after > best.length) {
                    break;
                }
                int[] candidate = delete(best, i + 1, after);
                candidate[i] = value;
                int[] r = failing.apply(candidate);
                if (r != null && smaller(r, best)) {
                    return r;
                }
            }
        }
        return null;
    }

    private static int[] delete(int[] a, int from, int count) {
        int[] r = new int[a.length - count];
        System.arraycopy(a, 0, r, 0, from);
        System.arraycopy(a, from + count, r, from, a.length - from - count);
        return r;
    }

    private static boolean smaller(int[] a, int[] b) {
        return a.length != b.length ? a.length < b.length : Arrays.compare(a, b) < 0;
    }
}
