package dev.adjoint.bench.jmh;

import dev.adjoint.nn.Module;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The float64 references the benchmarks validate against before they time (the elementwise ops
 * use {@link dev.adjoint.conformance.Reference}): PyTorch's optimizer updates, softmax
 * cross-entropy and a ReLU MLP's forward, written in double, plus the comparison that fails a
 * trial loudly.
 */
final class Float64Oracle {
    private Float64Oracle() {}

    /** One Adam (AdamW when {@code decoupled}) update in place, PyTorch's rule; {@code step} counts from 1. */
    static void adam(double[] p, double[] g, double[] m, double[] v, double lr, double b1, double b2, double eps,
                     double wd, boolean decoupled, long step) {
        for (int i = 0; i < p.length; i++) {
            if (decoupled) {
                p[i] *= 1 - lr * wd;
            }
            double gi = g[i] + (decoupled ? 0 : wd * p[i]);
            m[i] = b1 * m[i] + (1 - b1) * gi;
            v[i] = b2 * v[i] + (1 - b2) * gi * gi;
            double mhat = m[i] / (1 - Math.pow(b1, step));
            double vhat = v[i] / (1 - Math.pow(b2, step));
            p[i] -= lr * mhat / (Math.sqrt(vhat) + eps);
        }
    }

    /** One SGD update in place, PyTorch's rule (velocity = g on the first step). */
    static void sgd(double[] p, double[] g, double[] velocity, double lr, double momentum, double dampening,
                    double wd, boolean nesterov, boolean firstStep) {
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] + wd * p[i];
            if (momentum != 0) {
                velocity[i] = firstStep ? gi : momentum * velocity[i] + (1 - dampening) * gi;
                gi = nesterov ? gi + momentum * velocity[i] : velocity[i];
            }
            p[i] -= lr * gi;
        }
    }

    /** Row-wise softmax of a rows×cols block. */
    static double[] softmax(float[] logits, int rows, int cols) {
        double[] p = new double[rows * cols];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, logits[r * cols + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                p[r * cols + c] = Math.exp(logits[r * cols + c] - max);
                sum += p[r * cols + c];
            }
            for (int c = 0; c < cols; c++) {
                p[r * cols + c] /= sum;
            }
        }
        return p;
    }

    /** Per-row cross-entropy {@code logsumexp(x[r]) − x[r][t[r]]} for class targets stored as floats. */
    static double[] crossEntropy(float[] logits, float[] targets, int rows, int cols) {
        double[] p = softmax(logits, rows, cols);
        double[] loss = new double[rows];
        for (int r = 0; r < rows; r++) {
            loss[r] = -Math.log(p[r * cols + (int) targets[r]]);
        }
        return loss;
    }

    static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    /**
     * A ReLU MLP's weights, downloaded: layer i maps {@code sizes[i]} to {@code sizes[i+1]} as
     * {@code y = x·Wᵀ + b}, W stored [out, in] (PyTorch's layout), ReLU between layers.
     */
    record Mlp(int[] sizes, float[][] weights, float[][] biases) {
        /** Reads a model built by {@code Sequential.mlp} with ReLU: parameters {@code i.weight}, {@code i.bias} in order. */
        static Mlp of(Module model) {
            List<float[]> w = new ArrayList<>();
            List<float[]> b = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            for (Map.Entry<String, Tensor> e : model.parameters().entrySet()) {
                Tensor t = e.getValue();
                if (e.getKey().endsWith(".weight")) {
                    if (sizes.isEmpty()) {
                        sizes.add(t.size(1));
                    }
                    sizes.add(t.size(0));
                    w.add(t.toArray());
                } else if (e.getKey().endsWith(".bias")) {
                    b.add(t.toArray());
                } else {
                    throw new IllegalArgumentException("not an MLP of Linear layers: parameter " + e.getKey());
                }
            }
            if (w.size() != b.size() || w.isEmpty()) {
                throw new IllegalArgumentException("not an MLP of Linear layers with biases: " + model.parameters().keySet());
            }
            return new Mlp(sizes.stream().mapToInt(Integer::intValue).toArray(), w.toArray(float[][]::new),
                    b.toArray(float[][]::new));
        }

        /**
         * The logits of row {@code row} of the row-major input {@code x}, and beside them the same
         * forward over absolute values (Σ|w·h| + |b| per unit): the scale that float32 rounding
         * error grows with, for tolerances. Returns {logits, magnitudes}.
         */
        double[][] forward(float[] x, int row) {
            int in = sizes[0];
            double[] h = new double[in];
            double[] mag = new double[in];
            for (int j = 0; j < in; j++) {
                h[j] = x[row * in + j];
                mag[j] = Math.abs(h[j]);
            }
            for (int layer = 0; layer < weights.length; layer++) {
                int out = sizes[layer + 1];
                double[] z = new double[out];
                double[] zm = new double[out];
                for (int o = 0; o < out; o++) {
                    double s = biases[layer][o];
                    double sm = Math.abs(s);
                    int base = o * in;
                    for (int j = 0; j < in; j++) {
                        s += weights[layer][base + j] * h[j];
                        sm += Math.abs(weights[layer][base + j]) * mag[j];
                    }
                    z[o] = layer + 1 < weights.length ? Math.max(s, 0) : s;
                    zm[o] = sm;
                }
                h = z;
                mag = zm;
                in = out;
            }
            return new double[][] {h, mag};
        }
    }

    /** Inputs: {@code length} floats uniform in [lo, hi). */
    static float[] uniform(SplittableRandom rnd, int length, double lo, double hi) {
        float[] x = new float[length];
        for (int i = 0; i < length; i++) {
            x[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return x;
    }

    /** Up to {@code max} distinct indices in [0, length), all of them when length ≤ max; the same for a seed. */
    static int[] sample(int length, int max, long seed) {
        if (length <= max) {
            return java.util.stream.IntStream.range(0, length).toArray();
        }
        return new SplittableRandom(seed).ints(0, length).distinct().limit(max).sorted().toArray();
    }

    /** The elements of {@code x} at the indices {@code at}. */
    static float[] gather(float[] x, int[] at) {
        float[] y = new float[at.length];
        for (int i = 0; i < at.length; i++) {
            y[i] = x[at[i]];
        }
        return y;
    }

    static double[] widen(float[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i];
        }
        return y;
    }

    /**
     * Fails unless {@code |actual[i] − expected[i]| ≤ atol + rtol·scale[i]} for every i ({@code scale}
     * null means |expected|), naming the case, the first bad index and both values.
     */
    static void requireClose(String what, float[] actual, double[] expected, double[] scale, double rtol, double atol) {
        if (actual.length != expected.length) {
            throw new IllegalStateException(what + ": " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double allowed = atol + rtol * (scale == null ? Math.abs(expected[i]) : scale[i]);
            double error = Math.abs(actual[i] - expected[i]);
            if (!(error <= allowed)) {
                throw new IllegalStateException(String.format("%s is wrong: element %d is %s, float64 reference %s"
                        + " (error %.3g, allowed %.3g)", what, i, actual[i], expected[i], error, allowed));
            }
        }
    }
}
