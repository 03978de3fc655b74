package dev.adjoint.nn;

import dev.adjoint.tensor.Tensor;

/** PyTorch's {@code nn.Flatten()}: {@code [N, ...] → [N, product of the rest]} (a view where it can be). */
public final class Flatten extends Layer {
    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() < 1) {
            throw new IllegalArgumentException("Flatten: tensor " + dev.adjoint.tensor.Shape.format(x.shape())
                    + " is a scalar, with no batch axis to keep");
        }
        return x.reshape(x.size(0), -1);
    }
}
