package dev.adjoint.device.cpu.gemm;

import dev.adjoint.device.cpu.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

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
 *       /tmp/oldnew/src/VectorSgemmOld.java bench/probes/OldNewAB.java
 *   java --add-modules jdk.incubator.vector -cp /tmp/oldnew:target/classes \
 *       dev.adjoint.device.cpu.gemm.OldNewAB 1 30 1024x1024x1024 128x784x256
 * </pre>
 */
public final class OldNewAB {
    interface G { void run(); }

    public static void main(String[] args) {
        int threads = Integer.parseInt(args[0]), rounds = Integer.parseInt(args[1]);
        Parallel pool = new Parallel(threads);
        Sgemm now = new VectorSgemm(pool), old = new VectorSgemmOld(pool);
        for (int s = 2; s < args.length; s++) {
            String[] p = args[s].split("x");
            int m = Integer.parseInt(p[0]), k = Integer.parseInt(p[1]), n = Integer.parseInt(p[2]);
            Random rnd = new Random(1);
            float[] a = new float[m * k], b = new float[k * n];
            for (int i = 0; i < a.length; i++) a[i] = rnd.nextFloat() - 0.5f;
            for (int i = 0; i < b.length; i++) b[i] = rnd.nextFloat() - 0.5f;
            float[] c0 = new float[m * n], c1 = new float[m * n];
            G[] gs = {() -> old.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c0, 0, n),
                      () -> now.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c1, 0, n)};
            gs[0].run();
            gs[1].run();
            System.out.println(args[s] + " " + threads + "T: same bits " + Arrays.equals(c0, c1));
            if (!Arrays.equals(c0, c1)) {
                throw new AssertionError(args[s] + ": the old and the new GEMM computed other bits");
            }
            double flops = 2.0 * m * n * k;
            for (G g : gs) for (long e = System.nanoTime() + 3_000_000_000L; System.nanoTime() < e; ) g.run();
            List<double[]> rows = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                double[] row = new double[2];
                for (int v0 = 0; v0 < 2; v0++) {
                    int v = (v0 + r) % 2;
                    for (long e = System.nanoTime() + 100_000_000L; System.nanoTime() < e; ) gs[v].run();
                    int calls = 0;
                    long t0 = System.nanoTime(), t;
                    do { gs[v].run(); calls++; } while ((t = System.nanoTime()) - t0 < 200_000_000L);
                    row[v] = flops * calls / (t - t0);
                }
                rows.add(row);
                System.out.printf("  round %2d: old %6.1f new %6.1f GFLOP/s%n", r, row[0], row[1]);
            }
            System.out.printf("%s %dT: old median %.1f, new median %.1f, paired new/old %.3f%n", args[s], threads,
                    med(rows.stream().mapToDouble(x -> x[0]).toArray()), med(rows.stream().mapToDouble(x -> x[1]).toArray()),
                    med(rows.stream().mapToDouble(x -> x[1] / x[0]).toArray()));
        }
        pool.close();
    }

    static double med(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
