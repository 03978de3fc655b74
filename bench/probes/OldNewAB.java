package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;
import java.util.Arrays;

/**
 * VectorSgemm as at 9741313 (old) against the current one (new), same JVM, alternating round by
 * round: did the code or the host change between two compare_gemm runs? usage: threads rounds MxKxN...
 *
 * <p>Not built by Maven. The old class is taken from git and renamed:
 * <pre>
 *   ./mvnw -q compile && mkdir -p /tmp/oldnew/src
 *   git show 9741313:src/main/java/dev/adjoint/device/cpu/gemm/VectorSgemm.java \
 *       | sed 's/class VectorSgemm /class VectorSgemmOld /; s/public VectorSgemm(/public VectorSgemmOld(/' \
 *       > /tmp/oldnew/src/VectorSgemmOld.java
 *   javac --add-modules jdk.incubator.vector -cp target/classes -d /tmp/oldnew \
 *       /tmp/oldnew/src/VectorSgemmOld.java bench/probes/OldNewAB.java bench/probes/ProbeRounds.java
 *   java --add-modules jdk.incubator.vector -cp /tmp/oldnew:target/classes \
 *       dev.adjoint.device.cpu.gemm.OldNewAB 1 30 1024x1024x1024 128x784x256
 * </pre>
 */
public final class OldNewAB {
    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]), rounds = Integer.parseInt(args[1]);
        Parallel pool = new Parallel(threads);
        Sgemm now = new VectorSgemm(pool), old = new VectorSgemmOld(pool);
        for (int s = 2; s < args.length; s++) {
            ProbeRounds.Operands o = ProbeRounds.Operands.of(args[s]);
            int m = o.m(), k = o.k(), n = o.n();
            float[] a = o.a(), b = o.b();
            float[] c0 = new float[m * n], c1 = new float[m * n];
            Runnable oldGemm = () -> old.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, 0, n);
            Runnable newGemm = () -> now.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c1, 0, n);
            oldGemm.run();
            newGemm.run();
            System.out.println(args[s] + " " + threads + "T: same bits " + Arrays.equals(c0, c1));
            if (!Arrays.equals(c0, c1)) {
                throw new AssertionError(args[s] + ": the old and the new GEMM computed other bits");
            }
            double[][] rows = ProbeRounds.run(rounds, 3, 2.0 * m * n * k, new String[] {"old", "new"}, oldGemm, newGemm);
            System.out.printf("%s %dT: old median %.1f, new median %.1f, paired new/old %.3f%n", args[s], threads,
                    ProbeRounds.median(rows, 0, -1), ProbeRounds.median(rows, 1, -1), ProbeRounds.median(rows, 1, 0));
        }
        pool.close();
    }
}
