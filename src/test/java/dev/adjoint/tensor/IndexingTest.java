package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.testing.Backends;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gather, scatterAdd, indexSelect and where on every backend: values against float64 loops written
 * here from PyTorch's definitions (odd shapes, negative axes, non-contiguous operands, an index smaller
 * than the tensor off the axis), gradients against hand-computed values and finite differences,
 * scatterAdd bit-identical run to run, where never leaking the branch it does not pick, and bad indices
 * refused by name (on a GPU without anomaly detection: NaN where the bad index points, nothing else).
 */
class IndexingTest {
    private static Tensor random(Device d, long seed, int... shape) {
        Random r = new Random(seed);
        float[] v = new float[(int) Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 2);
        }
        return Tensor.of(d, v, shape);
    }

    /** Whole numbers in [0, n) as floats, of the given shape. */
    private static Tensor indices(Device d, long seed, int n, int... shape) {
        Random r = new Random(seed);
        float[] v = new float[(int) Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextInt(n);
        }
        return Tensor.of(d, v, shape);
    }

    private static int[] unravel(int flat, int[] shape) {
        int[] at = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = flat % shape[d];
            flat /= shape[d];
        }
        return at;
    }

    private static int ravel(int[] at, int[] shape) {
        int flat = 0;
        for (int d = 0; d < shape.length; d++) {
            flat = flat * shape[d] + at[d];
        }
        return flat;
    }

    /** PyTorch's gather by loops: out[p] = x[p with p[axis] replaced by index[p]]. */
    private static double[] gatherLoop(float[] x, int[] xs, float[] idx, int[] is, int axis) {
        double[] out = new double[idx.length];
        for (int k = 0; k < idx.length; k++) {
            int[] at = unravel(k, is);
            at[axis] = (int) idx[k];
            out[k] = x[ravel(at, xs)];
        }
        return out;
    }

    private static void assertClose(String what, double[] want, float[] got, double tol) {
        assertEquals(want.length, got.length, what + ": length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), what + " at " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gatherPicksAsPyTorchDefinesIt(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            int[] xs = {3, 4, 5};
            Tensor x = random(d, 1, xs);
            float[] xv = x.toArray();
            for (int axis : new int[] {0, 1, 2, -1}) {
                int a = axis < 0 ? axis + 3 : axis;
                int[] is = xs.clone();
                is[a] = 7;                                          // more picks than entries: repeats
                Tensor idx = indices(d, 10 + a, xs[a], is);
                float[] got = x.gather(axis, idx).toArray();
                assertClose(backend + " gather axis " + axis, gatherLoop(xv, xs, idx.toArray(), is, a), got, 0);
            }
            // an index smaller than x off the axis, and a transposed x (not contiguous)
            int[] small = {2, 6, 3};
            Tensor idx = indices(d, 5, 4, small);
            assertClose(backend + " gather, index smaller off the axis",
                    gatherLoop(xv, xs, idx.toArray(), small, 1), x.gather(1, idx).toArray(), 0);
            Tensor xt = x.transpose(0, 2);                         // [5, 4, 3]
            int[] ts = {5, 4, 3};
            Tensor it = indices(d, 6, 5, 2, 4, 3);
            assertClose(backend + " gather of a transposed tensor", gatherLoop(xt.contiguous().toArray(), ts, it.toArray(),
                    new int[] {2, 4, 3}, 0), xt.gather(0, it).toArray(), 0);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void scatterAddSumsRepeatsTheSameWayEveryRun(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            int[] xs = {3, 4, 5};
            Tensor x = random(d, 2, xs);
            int[] is = {3, 9, 5};                                   // 9 sources into 4 rows: repeats
            Tensor idx = indices(d, 3, 4, is);
            Tensor src = random(d, 4, 3, 11, 6);                   // larger than the index: its corner is read
            float[] xv = x.toArray();
            float[] iv = idx.toArray();
            float[] sv = src.toArray();
            double[] want = new double[xv.length];
            for (int k = 0; k < xv.length; k++) {
                want[k] = xv[k];
            }
            for (int k = 0; k < iv.length; k++) {
                int[] at = unravel(k, is);
                float v = sv[ravel(at, new int[] {3, 11, 6})];
                at[1] = (int) iv[k];
                want[ravel(at, xs)] += v;
            }
            Tensor out = x.scatterAdd(1, idx, src);
            float[] got = out.toArray();
            assertClose(backend + " scatterAdd", want, got, 1e-5);
            for (int run = 0; run < 3; run++) {
                assertArrayEquals(got, x.scatterAdd(1, idx, src).toArray(), backend + ": bit-identical, run " + run);
            }
            // an index smaller than x off the axis: only that corner of x changes
            Tensor corner = indices(d, 7, 4, 2, 3, 2);
            Tensor small = random(d, 8, 2, 3, 2);
            float[] cv = corner.toArray();
            float[] smv = small.toArray();
            double[] want2 = new double[xv.length];
            for (int k = 0; k < xv.length; k++) {
                want2[k] = xv[k];
            }
            for (int k = 0; k < cv.length; k++) {
                int[] at = unravel(k, new int[] {2, 3, 2});
                at[1] = (int) cv[k];
                want2[ravel(at, xs)] += smv[k];
            }
            assertClose(backend + " scatterAdd, index smaller off the axis", want2, x.scatterAdd(-2, corner, small).toArray(),
                    1e-5);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void indexSelectPicksSlicesInOrderWithRepeats(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            int[] xs = {4, 3, 5};
            Tensor x = random(d, 9, xs);
            float[] xv = x.toArray();
            // every other element of [2, 9, 0, 2, 1, 7]: a strided 1-D index view
            Tensor idx = Tensor.of(d, new float[] {2, 9, 0, 9, 2, 9, 1, 9, 2}, 9).slice(0, 0, 9, 2);
            assertFalse(idx.isContiguous());
            for (int axis : new int[] {0, 1, 2, -3}) {
                int a = axis < 0 ? axis + 3 : axis;
                float[] picks = {2, 0, 2, 1, 2};
                int[] os = xs.clone();
                os[a] = picks.length;
                double[] want = new double[(int) Shape.numel(os)];
                for (int k = 0; k < want.length; k++) {
                    int[] at = unravel(k, os);
                    at[a] = (int) picks[at[a]];
                    want[k] = xv[ravel(at, xs)];
                }
                Tensor y = x.indexSelect(axis, idx);
                assertArrayEquals(os, y.shape(), backend + " axis " + axis);
                assertClose(backend + " indexSelect axis " + axis, want, y.toArray(), 0);
            }
        }
    }

    /** Gradients by hand: repeated picks sum into their source; unpicked sources get 0. */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gradientsOfRepeatedPicksSumByHand(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).requiresGrad(true);
            Tensor idx = Tensor.of(d, new float[] {0, 0, 2, 1, 1, 1}, 2, 3);
            Tensor up = Tensor.of(d, new float[] {1, 10, 100, 2, 20, 200}, 2, 3);
            Tensor y = x.gather(1, idx);
            assertArrayEquals(new float[] {1, 1, 3, 5, 5, 5}, y.toArray(), backend);
            y.mul(up).sum().backward();
            assertArrayEquals(new float[] {11, 0, 100, 0, 222, 0}, x.grad().toArray(), backend + " gather's gradient");

            Tensor w = Tensor.of(d, new float[] {1, 2, 3, 4, 5, 6}, 3, 2).requiresGrad(true);
            Tensor rows = Tensor.of(d, new float[] {2, 0, 2, 2}, 4);
            Tensor u = Tensor.of(d, new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
            w.indexSelect(0, rows).mul(u).sum().backward();
            // row 2 is picked at positions 0, 2, 3: 1+5+7, 2+6+8; row 0 at position 1: 3, 4; row 1 never
            assertArrayEquals(new float[] {3, 4, 0, 0, 13, 16}, w.grad().toArray(), backend + " indexSelect's gradient");

            Tensor base = Tensor.of(d, new float[] {0, 0, 0, 0}, 4).requiresGrad(true);
            Tensor src = Tensor.of(d, new float[] {1, 2, 3}, 3).requiresGrad(true);
            Tensor at = Tensor.of(d, new float[] {3, 1, 3}, 3);
            Tensor z = base.scatterAdd(0, at, src);
            assertArrayEquals(new float[] {0, 2, 0, 4}, z.toArray(), backend);
            z.mul(Tensor.of(d, new float[] {10, 20, 30, 40}, 4)).sum().backward();
            assertArrayEquals(new float[] {10, 20, 30, 40}, base.grad().toArray(), backend + " scatterAdd to x: g");
            assertArrayEquals(new float[] {40, 20, 40}, src.grad().toArray(), backend + " scatterAdd to src: g gathered");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void whereNeverLeaksTheBranchItDoesNotPick(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            float nan = Float.NaN;
            float inf = Float.POSITIVE_INFINITY;
            Tensor cond = Tensor.of(d, new float[] {1, 0, 1}, 3, 1);       // broadcast along the rows
            Tensor a = Tensor.of(d, new float[] {1, 2, 3, 4, nan, inf, 7, 8, 9, 10, 11, 12}, 3, 4).requiresGrad(true);
            Tensor b = Tensor.of(d, new float[] {-1, nan, -inf, -4}, 4).requiresGrad(true);
            Tensor y = Tensor.where(cond, a, b);
            assertArrayEquals(new float[] {1, 2, 3, 4, -1, nan, -inf, -4, 9, 10, 11, 12}, y.toArray(), backend);
            // masking by arithmetic leaks: 0·NaN and 0·inf are NaN
            Tensor masked = a.mul(cond).add(b.mul(Tensor.ones(d, 3, 1).sub(cond)));
            assertTrue(Float.isNaN(masked.toArray()[1]), backend + ": the premise, a·m + b·(1−m) carries b's NaN into row 0");
            // a finite picture: rows 0 and 2 from a (finite there), row 1 from b's finite entries
            Tensor fin = Tensor.where(cond, a, b).slice(1, 0, 1, 1);
            assertArrayEquals(new float[] {1, -1, 9}, fin.toArray(), backend);
            Tensor up = Tensor.of(d, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 3, 4);
            y.mul(up).sum().backward();
            // a gets g where cond holds (rows 0, 2), 0 in row 1 even where a is NaN or inf; b sums row 1's g
            assertArrayEquals(new float[] {1, 2, 3, 4, 0, 0, 0, 0, 9, 10, 11, 12}, a.grad().toArray(), backend);
            assertArrayEquals(new float[] {5, 6, 7, 8}, b.grad().toArray(), backend);
            // a NaN condition counts as nonzero; -0 as zero
            Tensor odd = Tensor.where(Tensor.of(d, new float[] {nan, -0f, 0.5f}, 3), Tensor.ones(d, 3), Tensor.zeros(d, 3));
            assertArrayEquals(new float[] {1, 0, 1}, odd.toArray(), backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gradcheck(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = random(d, 11, 3, 4, 2);
            Tensor idx = indices(d, 12, 4, 3, 6, 2);
            Tensor src = random(d, 13, 3, 6, 2);
            Tensor cond = indices(d, 14, 2, 3, 1, 2);
            Tensor rows = Tensor.of(d, new float[] {3, 0, 3, 1}, 4);
            Tensor w = random(d, 15, 3, 4, 2);
            Gradcheck.check("gather", t -> t[0].gather(1, idx).mul(w.gather(1, idx)), 3e-3, 1e-3, x);
            Gradcheck.check("scatterAdd", t -> t[0].scatterAdd(1, idx, t[1]).mul(w), 3e-3, 1e-3, x, src);
            Gradcheck.check("indexSelect", t -> t[0].indexSelect(1, rows).square(), 3e-3, 1e-3, x);
            Gradcheck.check("where", t -> Tensor.where(cond, t[0], t[1]).mul(w), 3e-3, 1e-3, x, w.add(1f));
            // gather's VJP composed forward: gradients through both rules at once
            Gradcheck.check("scatterAdd of a gather", t -> Tensor.zeros(d, 3, 4, 2).scatterAdd(1, idx,
                    t[0].gather(1, idx).square()), 3e-3, 1e-3, x);
        }
    }

    /** A bad index: named on the CPU always, and on every backend with anomaly detection; otherwise NaN on a GPU. */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void aBadIndexIsNamedNeverAWrongNumber(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
            for (float bad : new float[] {3, -1, 1.5f, Float.NaN}) {
                Tensor idx = Tensor.of(d, new float[] {0, 2, 1, bad}, 2, 2);
                String want = "gather: index " + bad + " at [1, 1] of index [2, 2] is not a whole number in [0, 3): axis 1"
                        + " of the tensor [2, 3] has 3 entries";
                try (var on = Anomaly.detecting()) {
                    assertEquals(want, assertThrows(IllegalArgumentException.class, () -> x.gather(1, idx)).getMessage());
                }
                Tensor rows = Tensor.of(d, new float[] {1, bad, 0}, 3);
                String wantRows = "index_select: index " + bad + " at [1] of index [3] is not a whole number in [0, 2):"
                        + " axis 0 of the tensor [2, 3] has 2 entries";
                try (var on = Anomaly.detecting()) {
                    assertEquals(wantRows, assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, rows))
                            .getMessage());
                }
                Tensor src = Tensor.ones(d, 2, 2);
                try (var on = Anomaly.detecting()) {
                    assertEquals(want.replace("gather", "scatter_add"),
                            assertThrows(IllegalArgumentException.class, () -> x.scatterAdd(1, idx, src)).getMessage());
                }
                if (backend.equals("cpu")) {
                    assertEquals(want, assertThrows(IllegalArgumentException.class, () -> x.gather(1, idx)).getMessage());
                    assertEquals(wantRows, assertThrows(IllegalArgumentException.class, () -> x.indexSelect(0, rows))
                            .getMessage());
                    assertEquals(want.replace("gather", "scatter_add"),
                            assertThrows(IllegalArgumentException.class, () -> x.scatterAdd(1, idx, src)).getMessage());
                } else {
                    assertEquals(Arrays.toString(new float[] {1, 3, 5, Float.NaN}), Arrays.toString(x.gather(1, idx).toArray()));
                    assertEquals(Arrays.toString(new float[] {4, 5, 6, Float.NaN, Float.NaN, Float.NaN, 1, 2, 3}),
                            Arrays.toString(x.indexSelect(0, rows).toArray()));
                    // the bad index's fiber (along axis 1: all of row 1) is NaN; row 0 got its two ones
                    assertEquals(Arrays.toString(new float[] {2, 2, 4, Float.NaN, Float.NaN, Float.NaN}),
                            Arrays.toString(x.scatterAdd(1, idx, src).toArray()));
                }
            }
        }
    }
}
