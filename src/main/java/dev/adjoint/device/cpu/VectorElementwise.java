package dev.adjoint.device.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The elementwise loops C2 does not vectorize by itself: a select ({@code x > 0 ? x : 0}) compiles
 * to a branch, mispredicted about half the time on activations. Here it is a vector compare and
 * blend, with exactly the scalar semantics (relu: NaN stays NaN, -0 gives +0). Loaded only when the module
 * {@code jdk.incubator.vector} is in use, at the process's one width ({@link CpuVectors}).
 */
final class VectorElementwise {
    private static final VectorSpecies<Float> S = CpuSpecies.FLOAT;

    private VectorElementwise() {}

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
