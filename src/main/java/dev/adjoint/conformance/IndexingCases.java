package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.IndexException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * gather, scatterAdd and select against the float64 reference: per-element and whole-slice index
 * views, odd sizes, offsets; scatterAdd with many repeated indices is also held bit for bit to a
 * float32 loop that adds in the documented order (j ascending per element), and to itself run twice;
 * select never lets a NaN or infinity through from the side it does not pick. A bad index is never an
 * address: the call either throws {@link IndexException} naming it (and writes nothing), or leaves NaN
 * exactly where the contract says, and every other element right.
 */
final class IndexingCases {
    private static final int[][] BLOCKS = { // outer, n, inner, m
        {1, 1, 1, 1}, {1, 7, 1, 33}, {3, 5, 4, 2}, {7, 33, 5, 9}, {2, 257, 3, 1}, {1, 100, 64, 257}, {5, 2, 1, 40},
    };

    private IndexingCases() {}

    static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        all.add(new Case("gather", (d, r) -> each(d, r, false)));
        all.add(new Case("scatterAdd", (d, r) -> each(d, r, true)));
        all.add(new Case("gather, bad index", IndexingCases::gatherBadIndex));
        all.add(new Case("scatterAdd, bad index", IndexingCases::scatterBadIndex));
        all.add(new Case("select", IndexingCases::select));
        return all;
    }

    /** Both index views (one index per element; one per slice, strides {0, 1, 0}) of every block. */
    private static void each(Device d, Random rnd, boolean scatter) {
        for (int[] blk : BLOCKS) {
            for (boolean slices : new boolean[] {false, true}) {
                int outer = blk[0];
                int n = blk[1];
                int inner = blk[2];
                int m = blk[3];
                long[] s = slices ? new long[] {0, 1, 0} : new long[] {(long) m * inner, inner, 1};
                int entries = slices ? m : outer * m * inner;
                float[] idx = new float[entries + 2];      // at offset 2
                for (int k = 0; k < entries; k++) {
                    idx[k + 2] = rnd.nextInt(n);
                }
                String what = (scatter ? "scatterAdd" : "gather") + " [" + outer + ", " + n + ", " + inner + "] by m=" + m
                        + (slices ? " (slices)" : "");
                if (scatter) {
                    scatterAdd(d, rnd, what, outer, n, inner, m, idx, s);
                } else {
                    gather(d, rnd, what, outer, n, inner, m, idx, s);
                }
            }
        }
    }

    private static void gather(Device d, Random rnd, String what, int outer, int n, int inner, int m, float[] idx,
                               long[] s) {
        float[] x = random(rnd, outer * n * inner + 1, -3, 3);
        double[] want = Reference.gather(x, 1, outer, n, inner, m, idx, 2, s);
        try (Buffer xb = put(d, x); Buffer ib = put(d, idx); Buffer out = d.allocate(want.length + 1)) {
            d.fill(out, 0, want.length + 1, -7f);
            d.gather(outer, n, inner, m, xb, 1, ib, 2, s, out, 0);
            float[] got = get(d, out, want.length + 1);
            Check.close(what, got, want, 0, 0);          // a pick: exact
            Check.exact(what + ", the float after the output", new float[] {got[want.length]}, new float[] {-7f});
        }
    }

    private static void scatterAdd(Device d, Random rnd, String what, int outer, int n, int inner, int m, float[] idx,
                                   long[] s) {
        float[] base = random(rnd, outer * n * inner, -3, 3);
        float[] src = random(rnd, outer * m * inner, -3, 3);
        double[][] want = Reference.scatterAdd(base, outer, n, inner, m, idx, 2, s, src);
        float[] ordered = base.clone();                  // the contract's order: j ascending for each element
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < inner; i++) {
                    int row = (int) idx[(int) (2 + o * s[0] + j * s[1] + i * s[2])];
                    ordered[(o * n + row) * inner + i] += src[(o * m + j) * inner + i];
                }
            }
        }
        try (Buffer ib = put(d, idx); Buffer sb = put(d, src); Buffer out = put(d, base); Buffer again = put(d, base)) {
            d.scatterAdd(outer, n, inner, m, ib, 2, s, sb, 0, out, 0);
            float[] got = get(d, out, base.length);
            Check.close(what, got, want[0], want[1], 1e-6, 0);
            Check.exact(what + " against a float32 loop in order of j", got, ordered);
            d.scatterAdd(outer, n, inner, m, ib, 2, s, sb, 0, again, 0);
            Check.exact(what + ", run twice", get(d, again, base.length), got);
        }
    }

    private static void gatherBadIndex(Device d, Random rnd) {
        int outer = 2;
        int n = 4;
        int inner = 3;
        int m = 5;
        for (float bad : new float[] {4, -1, 2.5f, Float.NaN, 1e9f}) {
            float[] idx = new float[outer * m * inner];
            for (int k = 0; k < idx.length; k++) {
                idx[k] = rnd.nextInt(n);
            }
            int at = rnd.nextInt(idx.length);
            idx[at] = bad;
            float[] x = random(rnd, outer * n * inner, -3, 3);
            long[] s = {(long) m * inner, inner, 1};
            try (Buffer xb = put(d, x); Buffer ib = put(d, idx); Buffer out = d.allocate(idx.length + 1)) {
                d.fill(out, 0, idx.length + 1, -7f);
                float[] got;
                try {
                    d.gather(outer, n, inner, m, xb, 0, ib, 0, s, out, 0);
                    got = get(d, out, idx.length + 1);
                } catch (IndexException e) {
                    expectNamed(e, at, bad, n);
                    Check.exact("gather with index " + bad + " refused: output untouched", get(d, out, idx.length + 1),
                            filled(idx.length + 1, -7f));
                    continue;
                }
                idx[at] = 0;
                double[] want = Reference.gather(x, 0, outer, n, inner, m, idx, 0, s);
                want[at] = Double.NaN;
                Check.close("gather with index " + bad + " at " + at, got, want, 0, 0);
                Check.exact("gather with a bad index, the float after the output", new float[] {got[idx.length]},
                        new float[] {-7f});
            }
        }
    }

    private static void scatterBadIndex(Device d, Random rnd) {
        int outer = 2;
        int n = 4;
        int inner = 3;
        int m = 5;
        for (float bad : new float[] {4, -1, 0.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] idx = new float[outer * m * inner];
            for (int k = 0; k < idx.length; k++) {
                idx[k] = rnd.nextInt(n);
            }
            int at = rnd.nextInt(idx.length);
            idx[at] = bad;
            float[] base = random(rnd, outer * n * inner, -3, 3);
            float[] src = random(rnd, idx.length, -3, 3);
            long[] s = {(long) m * inner, inner, 1};
            try (Buffer ib = put(d, idx); Buffer sb = put(d, src); Buffer out = d.allocate(base.length + 1)) {
                d.upload(base, 0, out, 0, base.length);
                d.fill(out, base.length, 1, -7f);
                float[] got;
                try {
                    d.scatterAdd(outer, n, inner, m, ib, 0, s, sb, 0, out, 0);
                    got = get(d, out, base.length + 1);
                } catch (IndexException e) {
                    expectNamed(e, at, bad, n);
                    float[] unchanged = java.util.Arrays.copyOf(base, base.length + 1);
                    unchanged[base.length] = -7f;
                    Check.exact("scatterAdd with index " + bad + " refused: output untouched",
                            get(d, out, base.length + 1), unchanged);
                    continue;
                }
                // The fiber (o, i) of the bad index is NaN; every other fiber is right.
                int o = at / (m * inner);
                int i = at % inner;
                float[] zeroed = src.clone();
                zeroed[at] = 0;
                idx[at] = 0;
                double[] want = Reference.scatterAdd(base, outer, n, inner, m, idx, 0, s, zeroed)[0];
                for (int p = 0; p < n; p++) {
                    want[(o * n + p) * inner + i] = Double.NaN;
                }
                Check.close("scatterAdd with index " + bad + " at " + at, got, want, 1e-6, 1e-6);
                Check.exact("scatterAdd with a bad index, the float after the output", new float[] {got[base.length]},
                        new float[] {-7f});
            }
        }
    }

    private static void expectNamed(IndexException e, int at, float bad, int n) {
        if (e.position() != at || Float.floatToIntBits(e.value()) != Float.floatToIntBits(bad) || e.bound() != n) {
            throw new AssertionError("IndexException names position " + e.position() + ", value " + e.value()
                    + ", bound " + e.bound() + "; expected " + at + ", " + bad + ", " + n + ": " + e.getMessage());
        }
    }

    private static float[] filled(int length, float v) {
        float[] a = new float[length];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /**
     * cond [7, 33] contiguous against a row-broadcast a [33] and a transposed b, at offsets; a and b hold
     * NaN and infinities where cond does not pick them.
     */
    private static void select(Device d, Random rnd) {
        for (int[] rc : new int[][] {{1, 1}, {7, 33}, {33, 257}, {3, 1}}) {
            int rows = rc[0];
            int cols = rc[1];
            int count = rows * cols;
            float[] c = new float[count + 1];
            float[] a = random(rnd, cols + 1, -3, 3);
            float[] b = random(rnd, count + 3, -3, 3);
            for (int k = 0; k < count; k++) {
                int r = k / cols;
                int j = k % cols;
                c[k + 1] = rnd.nextInt(3) == 0 ? 0f : (rnd.nextBoolean() ? 1f : -0.5f);
                if (c[k + 1] == 0f && rnd.nextBoolean()) {
                    a[1 + j] = Float.NaN;                 // a is not picked here (nor anywhere cond is 0 in this column)
                }
                if (c[k + 1] != 0f) {
                    b[3 + j * rows + r] = rnd.nextBoolean() ? Float.NaN : Float.NEGATIVE_INFINITY;
                }
            }
            // a row-broadcast a is read at every row: keep only NaNs no picked element of its column reads
            for (int j = 0; j < cols; j++) {
                for (int r = 0; r < rows; r++) {
                    if (c[1 + r * cols + j] != 0f && Float.isNaN(a[1 + j])) {
                        a[1 + j] = 1.25f;
                    }
                }
            }
            float[] ca = new float[count];
            float[] aa = new float[count];
            float[] ba = new float[count];
            for (int k = 0; k < count; k++) {
                ca[k] = c[k + 1];
                aa[k] = a[1 + k % cols];
                ba[k] = b[3 + (k % cols) * rows + k / cols];
            }
            double[] want = Reference.select(ca, aa, ba);
            int[] shape = {rows, cols};
            try (Buffer cb = put(d, c); Buffer ab = put(d, a); Buffer bb = put(d, b); Buffer out = d.allocate(count)) {
                d.select(shape, cb, 1, new long[] {cols, 1}, ab, 1, new long[] {0, 1}, bb, 3, new long[] {1, rows},
                        out, 0);
                float[] got = get(d, out, count);
                Check.close("select " + rows + "x" + cols, got, want, 0, 0);
                for (int k = 0; k < count; k++) {
                    if (!Float.isFinite(got[k])) {
                        throw new AssertionError("select " + rows + "x" + cols + ": element " + k + " is " + got[k]
                                + ", from the side its condition " + ca[k] + " does not pick");
                    }
                }
            }
        }
    }
}
