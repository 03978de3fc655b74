package dev.adjoint.device.cpu.gemm;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The 4x16 kernel's k loop in three forms, and a 5x16 kernel, from L2 (k = 1024, B panel 64 KiB),
 * same JVM, alternating round by round: ended on A's index ({@code SgemmKernel} as at 916fbfa,
 * bench/NOTES-gemm.md item 29), ended on B's index ({@link SgemmKernel#packed} as it is), and
 * counting steps (as at 4941ce8, before item 24). The two old kernels are taken from git, each with
 * the up-front bounds check that is part of what C2 allocates registers around. Run it under each
 * collector: C2 compiled the first form well under G1 only. The per-round lines show the 5x16
 * kernel at 4/5 of its rate (the flops of 4 rows a call); its median is scaled. usage: rounds [k]
 *
 * <p>Not built by Maven:
 * <pre>
 *   ./mvnw -q compile && mkdir -p /tmp/klf/src
 *   for v in 916fbfa:EndOnA 4941ce8:Count; do
 *     git show ${v%:*}:src/main/java/dev/adjoint/device/cpu/gemm/SgemmKernel.java \
 *       | sed "s/class SgemmKernel /class SgemmKernel${v#*:} /; s/private SgemmKernel()/private SgemmKernel${v#*:}()/" \
 *       > /tmp/klf/src/SgemmKernel${v#*:}.java
 *   done
 *   javac --add-modules jdk.incubator.vector -cp target/classes -d /tmp/klf /tmp/klf/src/*.java \
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
        SgemmKernelEndOnA.packed(k, a, 0, b, 0, t);
        SgemmKernel.packed(k, a, 0, b, 0, t2);
        for (int i = 0; i < 64; i++) {
            if (Float.floatToIntBits(t[i]) != Float.floatToIntBits(t2[i])) {
                throw new AssertionError("loop forms differ at " + i);
            }
        }
        String[] names = {"endOnA", "endOnB", "count", "5x16"};
        double[][] rows = ProbeRounds.run(rounds, 2, 2.0 * 4 * 16 * k, names,
                () -> SgemmKernelEndOnA.packed(k, a, 0, b, 0, t),
                () -> SgemmKernel.packed(k, a, 0, b, 0, t),
                () -> SgemmKernelCount.packed(k, a, 0, b, 0, t),
                () -> k5x16(k, a, 0, b, 0, t));
        for (int v = 0; v < names.length; v++) {
            System.out.printf("%s: median %.1f GFLOP/s%n", names[v], ProbeRounds.median(rows, v, -1) * (v == 3 ? 1.25 : 1));
        }
    }

    /** Five rows of A (10 accumulators), the loop ended on B's index as in the current kernel. */
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
        c00.intoArray(tile, 0);
        c01.intoArray(tile, 8);
        c10.intoArray(tile, 16);
        c11.intoArray(tile, 24);
        c20.intoArray(tile, 32);
        c21.intoArray(tile, 40);
        c30.intoArray(tile, 48);
        c31.intoArray(tile, 56);
        c40.intoArray(tile, 64);
        c41.intoArray(tile, 72);
    }
}
