package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Tensor;

/** Weight initialisers for a layer with {@code fanIn} inputs and {@code fanOut} outputs, seeded. */
public enum Init {
    /** U(±√(6/(fanIn+fanOut))) */
    XAVIER_UNIFORM,
    /** N(0, √(2/(fanIn+fanOut))) */
    XAVIER_NORMAL,
    /** U(±√(6/fanIn)), for ReLU networks */
    HE_UNIFORM,
    /** N(0, √(2/fanIn)) */
    HE_NORMAL,
    /** PyTorch's nn.Linear default: U(±1/√fanIn) for weights and biases */
    PYTORCH;

    public Tensor weight(Device d, long seed, int fanIn, int fanOut, int... shape) {
        return switch (this) {
            case XAVIER_UNIFORM -> uniform(d, seed, Math.sqrt(6.0 / (fanIn + fanOut)), shape);
            case XAVIER_NORMAL -> Tensor.normal(d, seed, 0f, (float) Math.sqrt(2.0 / (fanIn + fanOut)), shape);
            case HE_UNIFORM -> uniform(d, seed, Math.sqrt(6.0 / fanIn), shape);
            case HE_NORMAL -> Tensor.normal(d, seed, 0f, (float) Math.sqrt(2.0 / fanIn), shape);
            case PYTORCH -> uniform(d, seed, 1 / Math.sqrt(fanIn), shape);
        };
    }

    /** Biases start at zero, except PyTorch's default which draws them like the weights. */
    public Tensor bias(Device d, long seed, int fanIn, int size) {
        return this == PYTORCH ? uniform(d, seed, 1 / Math.sqrt(fanIn), size) : Tensor.zeros(d, size);
    }

    private static Tensor uniform(Device d, long seed, double bound, int... shape) {
        return Tensor.uniform(d, seed, (float) -bound, (float) bound, shape);
    }
}
