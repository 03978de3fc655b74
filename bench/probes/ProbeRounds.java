package dev.adjoint.device.cpu.gemm;

import dev.adjoint.bench.Samples;
import dev.adjoint.bench.Sizes;
import java.util.Random;

/** What the GEMM probes in bench/probes share: seeded operands, and rounds of alternating samples. */
final class ProbeRounds {
    private ProbeRounds() {}

    /** A row-major m×k A and k×n B of a shape given as MxKxN, the same values for every probe (seed 1). */
    record Operands(int m, int k, int n, float[] a, float[] b) {
        static Operands of(String shape) {
            int[] s = Sizes.parse("shape", shape, "x", 3);
            Random rnd = new Random(1);
            float[] a = random(rnd, s[0] * s[1]);
            return new Operands(s[0], s[1], s[2], a, random(rnd, s[1] * s[2]));
        }
    }

    /** n floats uniform in [-0.5, 0.5). */
    static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat() - 0.5f;
        }
        return x;
    }

    /**
     * Every variant run untimed for {@code warmupSeconds}, then {@code rounds} rounds of one 0.2 s
     * sample per variant, each right after 0.1 s of untimed calls, the order rotating by round. Prints
     * each round; returns GFLOP/s as [round][variant].
     */
    static double[][] run(int rounds, double warmupSeconds, double flops, String[] names, Runnable... variants) {
        for (Runnable v : variants) {
            spin(v, warmupSeconds);
        }
        double[][] rows = new double[rounds][variants.length];
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < variants.length; i++) {
                int v = (i + r) % variants.length;
                spin(variants[v], 0.1);
                int calls = 0;
                long t0 = System.nanoTime();
                long t;
                do {
                    variants[v].run();
                    calls++;
                } while ((t = System.nanoTime()) - t0 < 200_000_000L);
                rows[r][v] = flops * calls / (t - t0);
            }
            StringBuilder line = new StringBuilder(String.format("  round %2d:", r));
            for (int v = 0; v < variants.length; v++) {
                line.append(String.format(" %s %6.1f", names[v], rows[r][v]));
            }
            System.out.println(line + " GFLOP/s");
        }
        return rows;
    }

    /** The median over rounds of variant v's GFLOP/s, or of its ratio to variant {@code ref} when ref >= 0. */
    static double median(double[][] rows, int v, int ref) {
        double[] x = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            x[r] = ref < 0 ? rows[r][v] : rows[r][v] / rows[r][ref];
        }
        return new Samples(x, 1).median();
    }

    private static void spin(Runnable v, double seconds) {
        for (long end = System.nanoTime() + (long) (seconds * 1e9); System.nanoTime() < end; ) {
            v.run();
        }
    }
}
