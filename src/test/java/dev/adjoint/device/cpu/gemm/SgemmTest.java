package dev.adjoint.device.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.adjoint.device.cpu.CpuVectors;
import dev.adjoint.device.cpu.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every SGEMM implementation against a float64 triple loop, on fresh random inputs. */
class SgemmTest {
    private static Parallel one;
    private static Parallel two;

    /** m, n, k: 1, 7, 33, 257, non-square, and past one K block of the default blocking (512). */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 7, 33}, {7, 1, 5}, {7, 7, 7}, {33, 33, 33}, {33, 17, 257}, {257, 33, 7},
        {64, 48, 40}, {5, 300, 3}, {4, 16, 1}, {130, 70, 600}, {257, 257, 257},
        // deep and narrow (k ≥ 16·max(m, n)): A·Bᵀ takes the dot-product path, edge tiles and a k tail included
        {5, 3, 4099}, {1, 1, 700}, {9, 2, 2049}, {6, 13, 8195},
    };

    @BeforeAll
    static void pools() {
        one = new Parallel(1);
        two = new Parallel(2);
    }

    @AfterAll
    static void close() {
        one.close();
        two.close();
    }

    record Impl(String name, Sgemm sgemm) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Column blocks of 4 kernel panels, and n over two of them less 4 columns (64 and 124 at 256 bits). */
    private static final int NC = CpuVectors.available() ? 4 * SgemmKernel.NR : 64;
    private static final int N = 2 * NC - 4;

    static boolean vectorModule() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    static Stream<Impl> impls() {
        List<Impl> list = new ArrayList<>();
        list.add(new Impl("scalar, 2 threads", new ScalarSgemm(two)));
        if (CpuVectors.available()) {
            list.add(new Impl("vector, 1 thread", new VectorSgemm(one)));
            list.add(new Impl("vector, 2 threads", new VectorSgemm(two)));
            // Tiny blocks: every shape above crosses MC, KC and NC block edges.
            list.add(new Impl("vector, blocks 8x5x" + 2 * SgemmKernel.NR + ", 2 threads",
                    new VectorSgemm(two, 8, 5, 2 * SgemmKernel.NR)));
        }
        return list.stream();
    }

    /** One problem: stored matrices with offsets and padded leading dimensions. */
    static final class Problem {
        final boolean transA, transB;
        final int m, n, k, aOff, bOff, cOff, lda, ldb, ldc;
        final float alpha, beta;
        final float[] a, b, c;

        Problem(SplittableRandom rnd, boolean transA, boolean transB, int m, int n, int k, float alpha, float beta,
                boolean padded) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.alpha = alpha;
            this.beta = beta;
            int pad = padded ? 3 : 0;
            aOff = padded ? 5 : 0;
            bOff = padded ? 2 : 0;
            cOff = padded ? 7 : 0;
            lda = (transA ? m : k) + pad;
            ldb = (transB ? k : n) + pad;
            ldc = n + pad;
            a = random(rnd, aOff + (transA ? k : m) * lda);
            b = random(rnd, bOff + (transB ? n : k) * ldb);
            c = random(rnd, cOff + m * ldc);
        }

        float a(int i, int p) {
            return transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
        }

        float b(int p, int j) {
            return transB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
        }

        float[] run(Sgemm g) {
            float[] out = c.clone();
            g.gemm(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, out, cOff, ldc);
            return out;
        }

        /** Checks out against a float64 reference; padding around C must be untouched. */
        void check(String who, float[] out) {
            String what = who + " gemm(transA=" + transA + ", transB=" + transB + ") m=" + m + " n=" + n + " k=" + k
                    + " alpha=" + alpha + " beta=" + beta;
            boolean[] inside = new boolean[c.length];
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int ci = cOff + i * ldc + j;
                    inside[ci] = true;
                    double sum = 0;
                    double mag = 0;
                    for (int p = 0; p < k; p++) {
                        double x = (double) a(i, p) * b(p, j);
                        sum += x;
                        mag += Math.abs(x);
                    }
                    double c0 = beta == 0f ? 0 : c[ci];
                    double ref = alpha * sum + beta * c0;
                    double tol = 1e-5 * (Math.abs(alpha) * mag + Math.abs(beta * c0)) + 1e-30;
                    if (!(Math.abs(out[ci] - ref) <= tol)) {
                        fail(what + ": C[" + i + "][" + j + "] = " + out[ci] + ", expected " + ref + " ± " + tol);
                    }
                }
            }
            for (int x = 0; x < c.length; x++) {
                if (!inside[x] && Float.floatToRawIntBits(out[x]) != Float.floatToRawIntBits(c[x])) {
                    fail(what + ": wrote outside C at index " + x);
                }
            }
        }
    }

    static float[] random(SplittableRandom rnd, int length) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("impls")
    void matchesFloat64ReferenceForAllShapesAndTransposes(Impl impl) {
        SplittableRandom rnd = new SplittableRandom();
        for (int[] s : SHAPES) {
            for (int t = 0; t < 4; t++) {
                boolean padded = (s[0] + t) % 2 == 0;
                Problem p = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1.25f, -0.75f, padded);
                p.check(impl.name(), p.run(impl.sgemm()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("impls")
    void betaZeroDoesNotReadC(Impl impl) {
        SplittableRandom rnd = new SplittableRandom();
        for (int[] s : new int[][] {{7, 33, 5}, {33, 16, 257}, {64, 64, 64}}) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], -0.5f, 0f, true);
                for (int i = 0; i < p.m; i++) {
                    java.util.Arrays.fill(p.c, p.cOff + i * p.ldc, p.cOff + i * p.ldc + p.n, Float.NaN);
                }
                p.check(impl.name(), p.run(impl.sgemm()));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("impls")
    void alphaZeroOrEmptyKScalesC(Impl impl) {
        SplittableRandom rnd = new SplittableRandom();
        for (float beta : new float[] {0f, 1f, 0.5f}) {
            Problem p = new Problem(rnd, false, true, 9, 20, 0, 2f, beta, true);
            p.check(impl.name(), p.run(impl.sgemm()));
            Problem q = new Problem(rnd, true, false, 9, 20, 11, 0f, beta, true);
            q.check(impl.name(), q.run(impl.sgemm()));
        }
    }

    @Test
    void vectorResultsAreBitIdenticalForOneAndTwoThreads() {
        assumeTrue(vectorModule(), "jdk.incubator.vector is not in the boot layer");
        SplittableRandom rnd = new SplittableRandom();
        Sgemm g1 = new VectorSgemm(one);
        Sgemm g2 = new VectorSgemm(two);
        for (int[] s : new int[][] {{257, 257, 257}, {128, 256, 784}, {33, 500, 70}, {300, 9, 40}, {1024, 32, 600},
                {16, 50, 25088}, {25, 8, 20000}}) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 0.75f, 0.5f, t == 3);
                assertSameBits(p.run(g1), p.run(g2), "m=" + s[0] + " n=" + s[1] + " k=" + s[2] + " transposes " + t);
            }
        }
    }

    /**
     * Two threads splitting the columns of a small A pack it each for themselves and pack their own B
     * panels (no separate packing step). With blocks of 4 panels (64 columns at 256 bits) and
     * n = 8 panels less 4 columns that path runs over two column blocks and K blocks of 5; calls on
     * the same instance with new data of the same shape must repack. Checked against float64 and bit
     * for bit against one thread.
     */
    @Test
    void ownPackingAcrossColumnBlocksMatchesReferenceAndOneThread() {
        assumeTrue(CpuVectors.available(), "the Vector API is not in use here");
        SplittableRandom rnd = new SplittableRandom();
        Sgemm g1 = new VectorSgemm(one, 8, 5, NC);
        VectorSgemm g2 = new VectorSgemm(two, 8, 5, NC);
        assertTrue(g2.packsOwnA(37, N, 300), "the shape must take the own-packing path");
        for (int call = 0; call < 3; call++) {
            for (int t = 0; t < 4; t++) {
                Problem p = new Problem(rnd, (t & 1) != 0, (t & 2) != 0, 37, N, 300, 1.5f, call == 1 ? 0f : 0.5f,
                        t == 2);
                float[] r2 = p.run(g2);
                p.check("vector, blocks 8x5x" + NC + ", 2 threads, call " + call, r2);
                assertSameBits(p.run(g1), r2, "call " + call + ", transposes " + t);
            }
        }
    }

    /**
     * A pool larger than the threads a call uses: the call splits its work for 2 threads (about
     * 550 k multiply-adds) but all 3 of the pool's threads take chunks, and each must pack its own A.
     */
    @Test
    void ownPackingWorksWhenThePoolHasMoreThreadsThanTheCallUses() {
        assumeTrue(CpuVectors.available(), "the Vector API is not in use here");
        SplittableRandom rnd = new SplittableRandom();
        int k = 124 * 120 / N;
        try (Parallel three = new Parallel(3)) {
            VectorSgemm g3 = new VectorSgemm(three, 8, 5, NC);
            assertTrue(g3.packsOwnA(37, N, k), "the shape must take the own-packing path");
            for (int call = 0; call < 20; call++) {
                Problem p = new Problem(rnd, call % 2 == 1, call % 4 >= 2, 37, N, k, 0.5f, 1f, false);
                p.check("vector, blocks 8x5x" + NC + ", pool of 3, call " + call, p.run(g3));
            }
        }
    }

    static void assertSameBits(float[] oneThread, float[] twoThreads, String what) {
        for (int x = 0; x < oneThread.length; x++) {
            if (Float.floatToRawIntBits(oneThread[x]) != Float.floatToRawIntBits(twoThreads[x])) {
                fail("1 vs 2 threads differ at " + x + " for " + what + ": " + oneThread[x] + " vs " + twoThreads[x]);
            }
        }
    }

    @Test
    void theRowBlockTakesAQuarterOfTheL2WithinBounds() {
        // MC x KC floats = L2 / 4: 1024 floats of K a row, 4 bytes each
        assertEquals(32, VectorSgemm.blockRows(512 * 1024));        // Zen 3
        assertEquals(64, VectorSgemm.blockRows(1024 * 1024));       // Zen 4
        assertEquals(128, VectorSgemm.blockRows(2 * 1024 * 1024));  // Xeon, 2 MiB
        assertEquals(64, VectorSgemm.blockRows(0), "unknown L2");
        assertEquals(32, VectorSgemm.blockRows(64 * 1024), "at least 32 rows");
        assertEquals(256, VectorSgemm.blockRows(64L * 1024 * 1024), "at most 256 rows");
        assertEquals(0, VectorSgemm.blockRows(3 * 1024 * 1024 / 2) % SgemmKernel.MR, "a multiple of the kernel's rows");
    }

    @Test
    void createPicksTheVectorImplementationWhenTheModuleIsPresent() {
        Sgemm g = Sgemm.create(two);
        if (CpuVectors.available()) {
            assertTrue(g instanceof VectorSgemm, g.name());
        } else {
            assertTrue(g instanceof ScalarSgemm, g.name());
        }
        assertEquals(g.getClass(), Sgemm.create(one).getClass());
    }
}
