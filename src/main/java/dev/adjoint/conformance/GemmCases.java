package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * GEMM: odd and non-square sizes, all four transposes, alpha/beta, offsets and padded leading
 * dimensions; and the edge cases of {@link Device#gemm}'s contract: k == 0 and alpha == 0 give
 * C = beta·C without reading A or B, m == 0 or n == 0 leave C untouched.
 */
final class GemmCases {
    private static final int[][] SHAPES = { // m, n, k
        {1, 1, 1}, {1, 7, 33}, {7, 1, 33}, {33, 257, 7}, {257, 33, 1}, {64, 64, 64}, {130, 67, 129},
        {257, 257, 257}, {300, 520, 600}, {5, 3, 4099}, {16, 9, 2000},  // the last two deep: the CPU's dot-product path
    };
    private static final float[][] ALPHA_BETA = {{1f, 0f}, {0.5f, -1.5f}, {-2f, 1f}, {1f, 1f}};

    private GemmCases() {}

    static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0;
            boolean tb = (t & 2) != 0;
            String name = "gemm " + (ta ? "T" : "N") + (tb ? "T" : "N");
            all.add(new Case(name, (d, r) -> {
                for (int i = 0; i < SHAPES.length; i++) {
                    int[] s = SHAPES[i];
                    float[] ab = ALPHA_BETA[i % ALPHA_BETA.length];
                    gemm(d, r, ta, tb, s[0], s[1], s[2], ab[0], ab[1], i % 2 == 1);
                }
            }));
        }
        all.add(new Case("gemm beta=0 ignores NaN in C", (d, r) -> gemm(d, r, false, true, 33, 17, 9, 1f, 0f, true)));
        all.add(new Case("gemm k=0 gives beta*C", (d, r) -> everyTranspose((ta, tb, padded) -> {
            for (float beta : new float[] {0f, -1.5f, 1f}) {
                gemm(d, r, ta, tb, 7, 5, 0, 1f, beta, padded, false, GUARD);
                gemm(d, r, ta, tb, 33, 1, 0, -2f, beta, padded, false, GUARD);
            }
        })));
        all.add(new Case("gemm alpha=0 gives beta*C and reads neither A nor B", (d, r) -> everyTranspose((ta, tb, padded) -> {
            for (float beta : new float[] {0f, 0.5f, 1f}) {
                gemm(d, r, ta, tb, 33, 17, 9, 0f, beta, padded, true, GUARD);
                gemm(d, r, ta, tb, 7, 5, 3, 0f, beta, padded, true, GUARD);
            }
        })));
        all.add(new Case("gemm m=0 or n=0 leaves C untouched", (d, r) -> everyTranspose((ta, tb, padded) -> {
            for (int[] s : new int[][] {{0, 5, 3}, {5, 0, 3}, {0, 0, 0}, {0, 5, 0}, {4, 0, 0}}) {
                for (float beta : new float[] {0f, -1.5f}) {
                    gemm(d, r, ta, tb, s[0], s[1], s[2], 1f, beta, padded, false, GUARD);
                }
            }
        })));
        return all;
    }

    /** Floats after C's last row in the edge cases: they must come back unchanged. */
    private static final int GUARD = 4;

    private interface Variant {
        void run(boolean ta, boolean tb, boolean padded);
    }

    private static void everyTranspose(Variant v) {
        for (int t = 0; t < 8; t++) {
            v.run((t & 1) != 0, (t & 2) != 0, (t & 4) != 0);
        }
    }

    /** One product; with {@code padded}, operands sit at offsets with leading dimensions larger than needed. */
    static void gemm(Device d, Random rnd, boolean ta, boolean tb, int m, int n, int k,
                     float alpha, float beta, boolean padded) {
        gemm(d, rnd, ta, tb, m, n, k, alpha, beta, padded, false, 0, DType.F32);
    }

    /**
     * One product whose A and B are {@code dtype} buffers (C is F32): the reference is the float64
     * product of the float32 values they hold after rounding, and the tolerance is float32's, since
     * each product of two 16-bit values is exact in float32.
     */
    static void gemm(Device d, Random rnd, boolean ta, boolean tb, int m, int n, int k,
                     float alpha, float beta, boolean padded, DType dtype) {
        gemm(d, rnd, ta, tb, m, n, k, alpha, beta, padded, false, 0, dtype);
    }

    private static void gemm(Device d, Random rnd, boolean ta, boolean tb, int m, int n, int k,
                             float alpha, float beta, boolean padded, boolean nanAB, int guard) {
        gemm(d, rnd, ta, tb, m, n, k, alpha, beta, padded, nanAB, guard, DType.F32);
    }

    /**
     * As above; with {@code nanAB} every float of A's and B's buffers is NaN (the contract says
     * they are not read when alpha is 0), and {@code guard} floats follow C's last row.
     */
    private static void gemm(Device d, Random rnd, boolean ta, boolean tb, int m, int n, int k,
                             float alpha, float beta, boolean padded, boolean nanAB, int guard, DType dtype) {
        int aRows = ta ? k : m;
        int aCols = ta ? m : k;
        int bRows = tb ? n : k;
        int bCols = tb ? k : n;
        int lda = aCols + (padded ? 3 : 0);
        int ldb = bCols + (padded ? 5 : 0);
        int ldc = n + (padded ? 2 : 0);
        int aOff = padded ? 7 : 0;
        int bOff = padded ? 1 : 0;
        int cOff = padded ? 4 : 0;
        float[] a = random(rnd, aOff + aRows * lda, -1, 1);
        float[] b = random(rnd, bOff + bRows * ldb, -1, 1);
        float[] c = random(rnd, cOff + m * ldc + guard, -1, 1);
        if (beta == 0f) {
            java.util.Arrays.fill(c, Float.NaN);
        }
        if (nanAB) {
            java.util.Arrays.fill(a, Float.NaN);
            java.util.Arrays.fill(b, Float.NaN);
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = dtype.round(a[i]);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = dtype.round(b[i]);
        }
        double[] expected = new double[c.length];
        double[] scale = new double[c.length];
        for (int i = 0; i < c.length; i++) {
            expected[i] = c[i];
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                // alpha == 0: A and B are not read (Device#gemm), so their values do not enter C.
                double[] product = alpha == 0f ? new double[2]
                        : Reference.gemmEntry(ta, tb, k, a, aOff, lda, b, bOff, ldb, i, j);
                int ci = cOff + i * ldc + j;
                double old = beta == 0f ? 0 : beta * (double) c[ci];
                expected[ci] = alpha * product[0] + old;
                scale[ci] = Math.abs(alpha) * product[1] + Math.abs(old);
            }
        }
        try (Buffer ab = Check.put(d, a, dtype); Buffer bb = Check.put(d, b, dtype); Buffer cb = put(d, c)) {
            d.gemm(ta, tb, m, n, k, alpha, ab, aOff, lda, bb, bOff, ldb, beta, cb, cOff, ldc);
            float[] got = get(d, cb, c.length);
            String what = (dtype == DType.F32 ? "" : dtype + " ") + String.format("gemm %s%s m=%d n=%d k=%d alpha=%s beta=%s lda=%d ldb=%d ldc=%d offsets %d/%d/%d%s",
                    ta ? "T" : "N", tb ? "T" : "N", m, n, k, alpha, beta, lda, ldb, ldc, aOff, bOff, cOff,
                    nanAB ? " (NaN in A and B)" : "");
            // Elements outside the m×n window (offset, padding, guard) must be left as they were.
            for (int i = 0; i < c.length; i++) {
                boolean inside = i >= cOff && i < cOff + m * ldc && (i - cOff) % ldc < n;
                if (!inside) {
                    scale[i] = 0;
                    expected[i] = c[i];
                }
            }
            Check.close(what, got, expected, scale, 2e-6 * Math.max(1, Math.sqrt(k)), 1e-6);
        }
    }
}
