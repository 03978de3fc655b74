package dev.adjoint.device.cpu.gemm;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 4x16 kernel's k loop in three forms, and a 5x16 kernel, from L2 (k = 1024, B panel 64 KiB),
 * same JVM, alternating round by round: the loop ended on A's index (as until item 29 of
 * bench/NOTES-gemm.md), ended on B's index ({@link SgemmKernel#packed} as it is), and counting
 * steps; each with the kernel's up-front bounds check, which is part of what C2 allocates registers
 * around. Run it under each collector: C2 compiled the first form well under G1 only. The per-round
 * lines show the 5x16 kernel at 4/5 of its rate (the flops of 4 rows a call); its median is scaled.
 * usage: rounds [k]
 *
 * <p>Not built by Maven:
 * <pre>
 *   ./mvnw -q compile && mkdir -p /tmp/klf
 *   javac --add-modules jdk.incubator.vector -cp target/classes -d /tmp/klf \
 *       bench/probes/KernelLoopForms.java bench/probes/ProbeRounds.java
 *   for gc in G1 Serial Parallel; do java -XX:+Use${gc}GC --add-modules jdk.incubator.vector \
 *       -cp /tmp/klf:target/classes dev.adjoint.device.cpu.gemm.KernelLoopForms 10; done
 * </pre>
 */
public final class KernelLoopForms {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        int k = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Random rnd = new Random(7);
        float[] a = ProbeRounds.random(rnd, 5 * k), b = ProbeRounds.random(rnd, 16 * k);
        float[] t = new float[80], t2 = new float[80];
        System.out.println("collector: " + dev.adjoint.bench.Environment.garbageCollector() + ", k = " + k);
        endOnA(k, a, 0, b, 0, t);
        SgemmKernel.packed(k, a, 0, b, 0, t2);
        for (int i = 0; i < 64; i++) {
            if (Float.floatToIntBits(t[i]) != Float.floatToIntBits(t2[i])) {
                throw new AssertionError("loop forms differ at " + i);
            }
        }
        String[] names = {"endOnA", "endOnB", "count", "5x16"};
        double flops4 = 2.0 * 4 * 16 * k;
        double[][] rows = ProbeRounds.run(rounds, 2, flops4, names,
                () -> endOnA(k, a, 0, b, 0, t),
                () -> SgemmKernel.packed(k, a, 0, b, 0, t),
                () -> count(k, a, 0, b, 0, t),
                () -> k5x16(k, a, 0, b, 0, t)); // 5 rows: 1.25 times the flops of 4, scaled below
        for (int v = 0; v < names.length; v++) {
            System.out.printf("%s: median %.1f GFLOP/s%n", names[v], ProbeRounds.median(rows, v, -1) * (v == 3 ? 1.25 : 1));
        }
    }

    /** SgemmKernel.packed as at 916fbfa: the loop ends on A's index. */
    static void endOnA(int kc, float[] a, int ao, float[] b, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        if (kc < 1 || bo < 0 || bo + kc * 16 > b.length || ao < 0 || ao + kc * 4 > a.length
                || tile.length < 64 || tile == a || tile == b) {
            throw new IndexOutOfBoundsException("sgemm kernel: k=" + kc + ", A at " + ao + ", B at " + bo
                    + " do not fit arrays of " + a.length + " and " + b.length + ", or the tile aliases them");
        }
        int aEnd = ao + kc * 4;
        for (int ap = ao, bp = bo; ap < aEnd; ap += 4, bp += 16) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + 8);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        store(tile, c00, c01, c10, c11, c20, c21, c30, c31);
    }

    /** The same, counting steps: both indices derived from the counter. */
    static void count(int kc, float[] a, int ao, float[] b, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        if (kc < 1 || bo < 0 || bo + kc * 16 > b.length || ao < 0 || ao + kc * 4 > a.length
                || tile.length < 64 || tile == a || tile == b) {
            throw new IndexOutOfBoundsException("sgemm kernel: k=" + kc + ", A at " + ao + ", B at " + bo
                    + " do not fit arrays of " + a.length + " and " + b.length + ", or the tile aliases them");
        }
        for (int p = 0; p < kc; p++) {
            int ap = ao + 4 * p, bp = bo + 16 * p;
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + 8);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        store(tile, c00, c01, c10, c11, c20, c21, c30, c31);
    }

    /** Five rows of A (10 accumulators), B ended on, as in the current kernel. */
    static void k5x16(int kc, float[] a, int ao, float[] b, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00;
        FloatVector c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00;
        if (kc < 1 || bo < 0 || bo + kc * 16 > b.length || ao < 0 || ao + kc * 5 > a.length
                || tile.length < 80 || tile == a || tile == b) {
            throw new IndexOutOfBoundsException("5x16 kernel: k=" + kc + ", A at " + ao + ", B at " + bo);
        }
        int bEnd = bo + kc * 16;
        for (int ap = ao, bp = bo; bp < bEnd; ap += 5, bp += 16) {
            FloatVector b0 = FloatVector.fromArray(S, b, bp);
            FloatVector b1 = FloatVector.fromArray(S, b, bp + 8);
            FloatVector x = FloatVector.broadcast(S, a[ap]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
        }
        store(tile, c00, c01, c10, c11, c20, c21, c30, c31);
        c40.intoArray(tile, 64);
        c41.intoArray(tile, 72);
    }

    private static void store(float[] t, FloatVector c00, FloatVector c01, FloatVector c10, FloatVector c11,
                              FloatVector c20, FloatVector c21, FloatVector c30, FloatVector c31) {
        c00.intoArray(t, 0);
        c01.intoArray(t, 8);
        c10.intoArray(t, 16);
        c11.intoArray(t, 24);
        c20.intoArray(t, 32);
        c21.intoArray(t, 40);
        c30.intoArray(t, 48);
        c31.intoArray(t, 56);
    }
}
