package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;

/**
 * PyTorch's {@code nn.LayerNorm(D)} over the last axis: {@code (x − mean) / sqrt(var + eps) · weight + bias},
 * the variance biased (divided by D, as PyTorch), {@code weight} ones and {@code bias} zeros at the start
 * (PyTorch's names). Written with tensor ops, so its gradient is theirs.
 */
public final class LayerNorm extends Layer {
    private final int size;
    private final float eps;

    public LayerNorm(Device device, int size, float eps, boolean affine) {
        if (size < 1 || !(eps > 0)) {
            throw new IllegalArgumentException("LayerNorm: size " + size + " and eps " + eps + " must be positive");
        }
        this.size = size;
        this.eps = eps;
        if (affine) {
            register("weight", Tensor.ones(device, size));
            register("bias", Tensor.zeros(device, size));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() < 1 || x.size(-1) != size) {
            throw new IllegalArgumentException("LayerNorm(" + size + "): input of shape " + Shape.format(x.shape())
                    + " does not end in " + size);
        }
        Tensor centred = x.sub(x.mean(-1, true));
        Tensor y = centred.div(centred.square().mean(-1, true).add(eps).sqrt());
        Tensor w = param("weight");
        return w == null ? y : y.mul(w).add(param("bias"));
    }
}
