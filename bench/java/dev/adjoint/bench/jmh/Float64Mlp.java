package dev.adjoint.bench.jmh;

import dev.adjoint.nn.Layer;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A ReLU MLP's forward in float64, for the benchmarks' validation
 * ({@link dev.adjoint.conformance.Reference} has the primitives, not whole models). The weights
 * are downloaded: layer i maps {@code sizes[i]} to {@code sizes[i+1]} as {@code y = x·Wᵀ + b},
 * W stored [out, in] (PyTorch's layout), ReLU between layers.
 */
record Float64Mlp(int[] sizes, float[][] weights, float[][] biases) {
    /** Reads a model built by {@code Sequential.mlp} with ReLU: parameters {@code i.weight}, {@code i.bias} in order. */
    static Float64Mlp of(Layer model) {
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
        return new Float64Mlp(sizes.stream().mapToInt(Integer::intValue).toArray(), w.toArray(float[][]::new),
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
