package dev.adjoint.nn;

import dev.adjoint.tensor.Tensor;
import java.util.Locale;

/** Activation layers, by name: relu, leaky_relu (slope 0.01), sigmoid, tanh, gelu. */
public final class Activation extends Layer {
    public enum Kind { RELU, LEAKY_RELU, SIGMOID, TANH, GELU }

    private final Kind kind;

    public Activation(Kind kind) {
        this.kind = kind;
    }

    public static Kind parse(String name) {
        try {
            return Kind.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown activation '" + name + "'; choose one of relu, leaky_relu, "
                    + "sigmoid, tanh, gelu");
        }
    }

    public Kind kind() {
        return kind;
    }

    @Override
    public Tensor forward(Tensor x) {
        return switch (kind) {
            case RELU -> x.relu();
            case LEAKY_RELU -> x.leakyRelu(0.01f);
            case SIGMOID -> x.sigmoid();
            case TANH -> x.tanh();
            case GELU -> x.gelu();
        };
    }
}
