package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.tensor.Elementwise.Keep;
import java.util.List;

/**
 * Activation functions. Each derivative is a device primitive of its own ({@code *_BACKWARD}), fed
 * with what the forward saved: the input for relu, leaky relu and gelu, the output for sigmoid and
 * tanh. The Jacobian is diagonal, so the same primitive gives the VJP and the JVP.
 */
final class Activations {
    private Activations() {}

    private static Op<Float> activation(String name, UnaryOp op, BinaryOp derivative, Keep keep) {
        int slot = keep == Keep.OUTPUT ? 1 : 0;
        return Elementwise.unaryOp(name, op, keep,
                (p, c, g) -> Elementwise.binary(name + " backward", derivative, p, c.saved(slot), g));
    }

    static final Op<Float> RELU = activation("relu", UnaryOp.RELU, BinaryOp.RELU_BACKWARD, Keep.INPUTS);
    static final Op<Float> LEAKY_RELU = activation("leaky_relu", UnaryOp.LEAKY_RELU, BinaryOp.LEAKY_RELU_BACKWARD, Keep.INPUTS);
    static final Op<Float> SIGMOID = activation("sigmoid", UnaryOp.SIGMOID, BinaryOp.SIGMOID_BACKWARD, Keep.OUTPUT);
    static final Op<Float> TANH = activation("tanh", UnaryOp.TANH, BinaryOp.TANH_BACKWARD, Keep.OUTPUT);
    static final Op<Float> GELU = activation("gelu", UnaryOp.GELU, BinaryOp.GELU_BACKWARD, Keep.INPUTS);

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(RELU, LEAKY_RELU, SIGMOID, TANH, GELU);
}
