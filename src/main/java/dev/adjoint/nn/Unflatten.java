package dev.adjoint.nn;

import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;

/** PyTorch's {@code nn.Unflatten(1, shape)}: rows {@code [N, product]} viewed as {@code [N, shape...]}. */
public final class Unflatten extends Layer {
    private final int[] shape;

    public Unflatten(int... shape) {
        if (shape.length == 0 || java.util.Arrays.stream(shape).anyMatch(s -> s < 1)) {
            throw new IllegalArgumentException("Unflatten: sizes must be positive, got " + java.util.Arrays.toString(shape));
        }
        this.shape = shape.clone();
    }

    @Override
    public Tensor forward(Tensor x) {
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        if (x.dim() != 2 || x.size(1) != n) {
            throw new IllegalArgumentException("Unflatten(" + Shape.format(shape) + "): input " + Shape.format(x.shape())
                    + " is not [N, " + n + "]");
        }
        int[] out = new int[shape.length + 1];
        out[0] = x.size(0);
        System.arraycopy(shape, 0, out, 1, shape.length);
        return x.reshape(out);
    }
}
