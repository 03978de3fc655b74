package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;

/**
 * PyTorch's {@code nn.Embedding(num, dim)}: row {@code i} of {@code weight [num, dim]} (N(0, 1) at the start,
 * as PyTorch) for each index {@code i} of the input (class indices as floats, any shape), giving
 * {@code [..., dim]}. The rows are picked by {@link Tensor#indexSelect}, so the weight's gradient is an
 * index-add: each position's gradient row added into the row it read (repeats sum), into zeros of the
 * weight's shape (a dense [num, dim] gradient whose unused rows stay 0; no one-hot matrix, no [N, num]
 * product). Every index is checked first, on the
 * host, so that a bad one is refused by name on every backend: one that is not a whole number in
 * {@code [0, num)} is refused, never read as NaN or a row of zeros. (That check downloads the indices, so a
 * step with an Embedding cannot be captured; indexSelect alone checks in its kernels and can.)
 */
public final class Embedding extends Layer {
    private final int num;
    private final int dim;

    public Embedding(Device device, int num, int dim, long seed) {
        if (num < 1 || dim < 1) {
            throw new IllegalArgumentException("Embedding: " + num + " rows of " + dim + " (both must be positive)");
        }
        this.num = num;
        this.dim = dim;
        register("weight", Tensor.normal(device, seed, 0f, 1f, num, dim));
    }

    @Override
    public Tensor forward(Tensor indices) {
        float[] v = indices.toArray();
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] >= 0 && v[i] < num && v[i] == Math.rint(v[i]))) {
                throw new IllegalArgumentException("Embedding(" + num + ", " + dim + "): index " + v[i] + " at position "
                        + i + " of input " + Shape.format(indices.shape()) + " is not a whole number in [0, " + num + ")");
            }
        }
        int[] shape = indices.shape();
        int[] out = java.util.Arrays.copyOf(shape, shape.length + 1);
        out[shape.length] = dim;
        try (Tensor flat = indices.reshape(-1)) {
            return param("weight").indexSelect(0, flat).reshape(out);
        }
    }
}
