package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;

/**
 * Activation functions. Each backward is a device primitive of its own ({@code *_BACKWARD}), fed
 * with what the forward saved: the input for relu, leaky relu and gelu, the output for sigmoid and tanh.
 */
final class Activations {
    private Activations() {}

    private static Tensor activation(String name, UnaryOp op, BinaryOp backward, float p, Tensor x, boolean savesOutput) {
        Tensor out = Elementwise.unary(name, op, p, x);
        Tensor keep = savesOutput ? out : x;
        return Autograd.record(out, name, new Tensor[] {x}, new Tensor[] {keep},
                (ctx, g) -> new Tensor[] {Elementwise.binary(name + " backward", backward, p, ctx.saved(0), g)});
    }

    static Tensor relu(Tensor x) {
        return activation("relu", UnaryOp.RELU, BinaryOp.RELU_BACKWARD, 0f, x, false);
    }

    static Tensor leakyRelu(Tensor x, float slope) {
        return activation("leaky_relu", UnaryOp.LEAKY_RELU, BinaryOp.LEAKY_RELU_BACKWARD, slope, x, false);
    }

    static Tensor sigmoid(Tensor x) {
        return activation("sigmoid", UnaryOp.SIGMOID, BinaryOp.SIGMOID_BACKWARD, 0f, x, true);
    }

    static Tensor tanh(Tensor x) {
        return activation("tanh", UnaryOp.TANH, BinaryOp.TANH_BACKWARD, 0f, x, true);
    }

    static Tensor gelu(Tensor x) {
        return activation("gelu", UnaryOp.GELU, BinaryOp.GELU_BACKWARD, 0f, x, false);
    }
}
