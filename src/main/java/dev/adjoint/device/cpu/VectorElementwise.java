package dev.adjoint.device.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise loops C2 does not vectorize by itself, and max pooling's common windows: a select ({@code x > 0 ? x : 0}) compiles
 * to a branch, mispredicted about half the time on activations. Here it is a vector compare and
 * blend, with exactly the scalar semantics (relu: NaN stays NaN, -0 gives +0). Loaded only when the module
 * {@code jdk.incubator.vector} is in use, at the process's one width ({@link CpuVectors}).
 */
final class VectorElementwise {
    private static final VectorSpecies<Float> S = CpuSpecies.FLOAT;

    private VectorElementwise() {}

    /** Of two vectors' 2L lanes, the even ones (0, 2, ..) and the odd ones: an index of L or more is the second's. */
    private static final VectorShuffle<Float> EVEN = alternate(0);
    private static final VectorShuffle<Float> ODD = alternate(1);

    private static VectorShuffle<Float> alternate(int first) {
        int[] idx = new int[S.length()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = 2 * i + first;
        }
        return VectorShuffle.fromValues(S, idx);
    }

    /**
     * Max pooling's 2×2 windows with stride 2 that lie inside the image, windows [oj0, oj1) of one output row, the
     * window at oj reading {@code x[e + 2·oj + {0, 1, w, w + 1}]}: the largest tap to {@code out[o + oj]} and its
     * index to {@code arg[a + oj]} by the scalar loop's rule (a later tap wins when greater or NaN), a vector of
     * windows at a time, the last one masked (a row of 28×28 pooling is 14 windows).
     */
    static void maxPool2x2(float[] x, int e, int w, int oj0, int oj1, float[] out, int o, float[] arg, int a) {
        int l = S.length();
        for (int oj = oj0; oj < oj1; oj += l) {
            int n = Math.min(l, oj1 - oj);
            int s = e + 2 * oj;
            VectorMask<Float> first = S.indexInRange(0, 2 * n);
            VectorMask<Float> second = S.indexInRange(l, 2 * n);
            FloatVector a0 = FloatVector.fromArray(S, x, s, first);
            FloatVector a1 = FloatVector.fromArray(S, x, s + l, second);
            FloatVector b0 = FloatVector.fromArray(S, x, s + w, first);
            FloatVector b1 = FloatVector.fromArray(S, x, s + w + l, second);
            FloatVector best = a0.rearrange(EVEN, a1);
            FloatVector t = a0.rearrange(ODD, a1);
            VectorMask<Float> take = t.compare(VectorOperators.GT, best).or(t.compare(VectorOperators.NE, t));
            best = best.blend(t, take);
            FloatVector at = FloatVector.zero(S).blend(1f, take);
            t = b0.rearrange(EVEN, b1);
            take = t.compare(VectorOperators.GT, best).or(t.compare(VectorOperators.NE, t));
            best = best.blend(t, take);
            at = at.blend(2f, take);
            t = b0.rearrange(ODD, b1);
            take = t.compare(VectorOperators.GT, best).or(t.compare(VectorOperators.NE, t));
            best = best.blend(t, take);
            at = at.blend(3f, take);
            VectorMask<Float> windows = S.indexInRange(0, n);
            best.intoArray(out, o + oj, windows);
            at.intoArray(arg, a + oj, windows);
        }
    }

    /**
     * The gradient of a row of 2×2 windows with stride 2 that tile the image rows {@code e} and {@code e + w}: each
     * window's gradient {@code gy[g + oj]} to the tap {@code arg[a + oj]} names, zero to its other three taps, a
     * vector of windows at a time, each written once (so the image needs no zeroing first). {@code + 0} makes a −0
     * gradient +0, as the scalar path's zero plus the gradient does; an arg that names no tap gives all four zero.
     */
    static void maxPool2x2Backward(float[] gy, int g, float[] arg, int a, int windows, float[] gx, int e, int w) {
        int l = S.length();
        FloatVector zero = FloatVector.zero(S);
        for (int oj = 0; oj < windows; oj += l) {
            int n = Math.min(l, windows - oj);
            VectorMask<Float> in = S.indexInRange(0, n);
            FloatVector d = FloatVector.fromArray(S, gy, g + oj, in).add(0f);
            FloatVector at = FloatVector.fromArray(S, arg, a + oj, in);
            VectorMask<Float> first = S.indexInRange(0, 2 * n);
            VectorMask<Float> second = S.indexInRange(l, 2 * n);
            int s = e + 2 * oj;
            FloatVector lo = d.rearrange(PAIRS_LO);
            FloatVector atLo = at.rearrange(PAIRS_LO);
            FloatVector hi = d.rearrange(PAIRS_HI);
            FloatVector atHi = at.rearrange(PAIRS_HI);
            zero.blend(lo, atLo.compare(VectorOperators.EQ, TOP)).intoArray(gx, s, first);
            zero.blend(hi, atHi.compare(VectorOperators.EQ, TOP)).intoArray(gx, s + l, second);
            zero.blend(lo, atLo.compare(VectorOperators.EQ, BOTTOM)).intoArray(gx, s + w, first);
            zero.blend(hi, atHi.compare(VectorOperators.EQ, BOTTOM)).intoArray(gx, s + w + l, second);
        }
    }

    /** Each lane of the first (last) half of a vector twice: a window's value for both of its columns. */
    private static final VectorShuffle<Float> PAIRS_LO = VectorShuffle.fromOp(S, i -> i / 2);
    private static final VectorShuffle<Float> PAIRS_HI = VectorShuffle.fromOp(S, i -> S.length() / 2 + i / 2);
    /** The taps of a window's top row (0, 1) and bottom row (2, 3), in the order of its columns. */
    private static final FloatVector TOP = FloatVector.fromArray(S, taps(0), 0);
    private static final FloatVector BOTTOM = FloatVector.fromArray(S, taps(2), 0);

    private static float[] taps(int first) {
        float[] t = new float[S.length()];
        for (int i = 0; i < t.length; i++) {
            t[i] = first + i % 2;
        }
        return t;
    }

    /** out = x > 0 || x is NaN ? x : 0 (NaN propagates, as in PyTorch) */
    static void relu(float[] x, int xi, float[] out, int oi, int n) {
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xi + j);
            VectorMask<Float> keep = v.compare(VectorOperators.GT, 0f).or(v.compare(VectorOperators.NE, v));
            zero.blend(v, keep).intoArray(out, oi + j);
        }
        for (; j < n; j++) {
            float v = x[xi + j];
            out[oi + j] = v > 0f || Float.isNaN(v) ? v : 0f;
        }
    }

    /** out = a > 0 ? b : 0 */
    static void reluBackward(float[] a, int ai, float[] b, int bi, float[] out, int oi, int n) {
        FloatVector zero = FloatVector.zero(S);
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            VectorMask<Float> positive = FloatVector.fromArray(S, a, ai + j).compare(VectorOperators.GT, 0f);
            zero.blend(FloatVector.fromArray(S, b, bi + j), positive).intoArray(out, oi + j);
        }
        for (; j < n; j++) {
            out[oi + j] = a[ai + j] > 0f ? b[bi + j] : 0f;
        }
    }

    /** {@code out = a == b ? 1 : 0} (equal) or {@code a > b ? 1 : 0}: a max or min's gradient asks which elements are the extreme. */
    static void compare(boolean greater, float[] a, int ai, float[] b, int bi, float[] out, int oi, int n) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector one = FloatVector.broadcast(S, 1f);
        VectorOperators.Comparison test = greater ? VectorOperators.GT : VectorOperators.EQ;
        int j = 0;
        for (int bound = S.loopBound(n); j < bound; j += S.length()) {
            VectorMask<Float> hit = FloatVector.fromArray(S, a, ai + j).compare(test, FloatVector.fromArray(S, b, bi + j));
            zero.blend(one, hit).intoArray(out, oi + j);
        }
        for (; j < n; j++) {
            out[oi + j] = (greater ? a[ai + j] > b[bi + j] : a[ai + j] == b[bi + j]) ? 1f : 0f;
        }
    }
}
