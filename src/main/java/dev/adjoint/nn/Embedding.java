package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;

/**
 * PyTorch's {@code nn.Embedding(num, dim)}: row {@code i} of {@code weight [num, dim]} (N(0, 1) at the start,
 * as PyTorch) for each index {@code i} of the input (class indices as floats, any shape), giving
 * {@code [..., dim]}. Computed as a one-hot matrix times the weight, so the gradient sums into the rows the
 * batch used (dense, not yet sparse). Every index is checked first, on the host: one that is not a whole
 * number in {@code [0, num)} is refused, never read as a row of zeros.
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
        return Losses.oneHot(indices, num).matmul(param("weight")).reshape(out);
    }
}
