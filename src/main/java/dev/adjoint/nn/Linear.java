package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;

/**
 * y = x·Wᵀ + b with W stored [out, in] as PyTorch does, so checkpoints load into torch.nn.Linear.
 * Wᵀ is a transposed view: GEMM reads W with its transpose flag, never a copy.
 */
public final class Linear extends Layer {
    private final int in;
    private final int out;

    public Linear(Device device, int in, int out, boolean bias, Init init, long seed) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: sizes must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        register("weight", init.weight(device, seed, in, out, out, in));
        if (bias) {
            register("bias", init.bias(device, seed ^ 0x5DEECE66DL, in, out));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() < 1 || x.size(-1) != in) {
            throw new IllegalArgumentException("Linear(" + in + " -> " + out + "): input of shape "
                    + Shape.format(x.shape()) + " does not end in " + in + " features (weight "
                    + Shape.format(param("weight").shape()) + ")");
        }
        Tensor y = x.matmul(param("weight").transpose());
        Tensor b = param("bias");
        return b == null ? y : y.add(b);
    }

    public int inFeatures() {
        return in;
    }

    public int outFeatures() {
        return out;
    }
}
