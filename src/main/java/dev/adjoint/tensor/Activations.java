package dev.adjoint.tensor;

import dev.adjoint.device.UnaryOp;

/** Activation functions. */
final class Activations {
    private Activations() {}

    static Tensor relu(Tensor x) {
        return Elementwise.unary("relu", UnaryOp.RELU, 0f, x);
    }

    static Tensor leakyRelu(Tensor x, float slope) {
        return Elementwise.unary("leaky_relu", UnaryOp.LEAKY_RELU, slope, x);
    }

    static Tensor sigmoid(Tensor x) {
        return Elementwise.unary("sigmoid", UnaryOp.SIGMOID, 0f, x);
    }

    static Tensor tanh(Tensor x) {
        return Elementwise.unary("tanh", UnaryOp.TANH, 0f, x);
    }

    static Tensor gelu(Tensor x) {
        return Elementwise.unary("gelu", UnaryOp.GELU, 0f, x);
    }
}
