package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.CounterRandom;
import dev.adjoint.device.Device;
import dev.adjoint.device.Distribution;
import java.util.List;
import java.util.Random;

/** Memory primitives: upload/download with offsets, fill, copy, and the counter-based random. */
final class MemoryCases {
    private MemoryCases() {}

    static List<Case> cases() {
        return List.of(
                new Case("upload/download with offsets", MemoryCases::roundTrip),
                new Case("fill", MemoryCases::fill),
                new Case("copy", MemoryCases::copy),
                new Case("random uniform", (d, r) -> draw(d, r, Distribution.UNIFORM, -2f, 3f, true)),
                new Case("random bernoulli", (d, r) -> draw(d, r, Distribution.BERNOULLI, 0.3f, 0f, true)),
                new Case("random normal", (d, r) -> draw(d, r, Distribution.NORMAL, 1f, 2f, false)));
    }

    private static void roundTrip(Device d, Random rnd) {
        for (int n : new int[] {1, 7, 33, 257, 100_003}) {
            float[] x = random(rnd, n, -10, 10);
            try (Buffer b = d.allocate(n + 5)) {
                d.upload(x, 0, b, 5, n);
                float[] back = new float[n + 3];
                d.download(b, 5, back, 3, n);
                float[] tail = new float[n];
                System.arraycopy(back, 3, tail, 0, n);
                Check.exact("round trip n=" + n, tail, x);
                // A partial upload into the middle leaves its neighbours alone.
                float[] two = {42f, 43f};
                d.upload(two, 0, b, 5 + n / 2, 1);
                float[] all = get(d, b, n + 5);
                if (all[5 + n / 2] != 42f || (n > 1 && all[5 + n / 2 + 1] != x[n / 2 + 1])) {
                    throw new AssertionError("partial upload at offset " + (5 + n / 2) + " wrote the wrong elements");
                }
            }
        }
    }

    private static void fill(Device d, Random rnd) {
        int n = 1000;
        for (int length : new int[] {1, 7, 33, 257, 333}) {
            float[] x = random(rnd, n, -1, 1);
            try (Buffer b = put(d, x)) {
                d.fill(b, 17, length, 2.5f);
                float[] expected = x.clone();
                java.util.Arrays.fill(expected, 17, 17 + length, 2.5f);
                Check.exact("fill [17, " + (17 + length) + ")", get(d, b, n), expected);
            }
        }
    }

    private static void copy(Device d, Random rnd) {
        int n = 4099;
        for (int length : new int[] {1, 7, 33, 257, 2049}) {
            float[] x = random(rnd, n, -1, 1);
            float[] y = random(rnd, n, -1, 1);
            try (Buffer a = put(d, x); Buffer b = put(d, y)) {
                d.copy(a, 3, b, 1000, length);
                float[] expected = y.clone();
                System.arraycopy(x, 3, expected, 1000, length);
                Check.exact("copy " + length + " floats from offset 3 to 1000", get(d, b, n), expected);
            }
        }
    }

    private static void draw(Device d, Random rnd, Distribution dist, float a, float b, boolean bitExact) {
        int n = 65_537;
        long seed = rnd.nextLong();
        try (Buffer buf = d.allocate(n + 11)) {
            d.random(buf, 11, n, dist, a, b, seed);
            float[] all = get(d, buf, n + 11);
            float[] got = new float[n];
            System.arraycopy(all, 11, got, 0, n);
            float[] expected = new float[n];
            double[] expectedD = new double[n];
            for (int i = 0; i < n; i++) {
                expected[i] = CounterRandom.sample(dist, a, b, seed, i);
                expectedD[i] = expected[i];
            }
            if (bitExact) {
                Check.exact(dist + " random", got, expected);
            } else {
                Check.close(dist + " random", got, expectedD, 1e-5, 1e-5);
            }
            double mean = 0;
            for (float v : got) {
                mean += v;
            }
            mean /= n;
            double want = switch (dist) {
                case UNIFORM -> (a + b) / 2.0;
                case NORMAL -> a;
                case BERNOULLI -> a;
            };
            double sd = switch (dist) {
                case UNIFORM -> (b - a) / Math.sqrt(12);
                case NORMAL -> b;
                case BERNOULLI -> Math.sqrt(a * (1 - a));
            };
            if (Math.abs(mean - want) > 6 * sd / Math.sqrt(n)) {
                throw new AssertionError(dist + " random: sample mean " + mean + " is far from " + want);
            }
        }
    }
}
