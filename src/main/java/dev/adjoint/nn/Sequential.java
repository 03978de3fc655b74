package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Modules applied in order; children are named 0, 1, 2, ... as in torch.nn.Sequential. */
public final class Sequential extends Layer {
    private final List<Layer> layers = new ArrayList<>();

    public Sequential(Layer... modules) {
        for (Layer m : modules) {
            add(m);
        }
    }

    public Sequential add(Layer m) {
        child(Integer.toString(layers.size()), m);
        layers.add(m);
        return this;
    }

    public List<Layer> layers() {
        return List.copyOf(layers);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x;
        for (Layer m : layers) {
            y = m.forward(y);
        }
        return y;
    }

    /**
     * A multi-layer perceptron: Linear layers between the given sizes, the activation (and dropout
     * when {@code dropout > 0}) after each hidden layer, none after the last. Children are named
     * as torch.nn.Sequential would name the same stack.
     */
    public static Sequential mlp(Device device, int[] sizes, Activation.Kind activation, Init init, float dropout, long seed) {
        return mlp(device, sizes, activation, init, dropout, seed, false);
    }

    /** {@link #mlp}, with a {@link BatchNorm} (1d) after every hidden Linear, before its activation, when {@code batchNorm}. */
    public static Sequential mlp(Device device, int[] sizes, Activation.Kind activation, Init init, float dropout, long seed,
                                 boolean batchNorm) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("mlp: needs at least an input and an output size, got "
                    + java.util.Arrays.toString(sizes));
        }
        Sequential s = new Sequential();
        for (int i = 0; i + 1 < sizes.length; i++) {
            s.add(new Linear(device, sizes[i], sizes[i + 1], true, init, seed + 1000L * i));
            if (i + 2 < sizes.length) {
                if (batchNorm) {
                    s.add(BatchNorm.of1d(device, sizes[i + 1]));
                }
                s.add(new Activation(activation));
                if (dropout > 0f) {
                    s.add(new Dropout(dropout, seed + 7919L * (i + 1)));
                }
            }
        }
        return s;
    }
}
