package dev.adjoint.optim;

import dev.adjoint.nn.Parameters;
import dev.adjoint.tensor.Tensor;
import java.util.Map;

/**
 * Updates every parameter in place on the device with one fused kernel over the parameter slab.
 * {@link #state()} and {@link #restore} carry what a checkpoint needs for a bit-identical resume.
 */
public interface Optimizer extends AutoCloseable {
    /** One update from the gradients accumulated in the slab. */
    void step();

    /** Zeroes every gradient (one fill over the gradient slab). */
    void zeroGrad();

    float lr();

    void lr(float lr);

    /** Updates taken so far. */
    long steps();

    Parameters parameters();

    /** The optimizer's per-parameter state slabs by name, in a fixed order (checkpoints write them in it). */
    Map<String, Tensor> state();

    /** Hyper-parameters, for the checkpoint's configuration. */
    Map<String, Object> config();

    /** Restores the step count and copies saved state into the state slabs. */
    void restore(long steps, Map<String, float[]> state);

    @Override
    void close();

    /** Adam (or AdamW) with PyTorch's defaults but for the learning rate. */
    static Optimizer adam(Parameters p, float lr, float weightDecay, boolean decoupled) {
        return new Adam(p, lr, 0.9f, 0.999f, 1e-8f, weightDecay, decoupled);
    }

    static Optimizer sgd(Parameters p, float lr, float momentum, float weightDecay, boolean nesterov) {
        return new Sgd(p, lr, momentum, 0f, weightDecay, nesterov);
    }

    /** The names {@link #byName} takes. */
    java.util.List<String> NAMES = java.util.List.of("sgd", "momentum", "nesterov", "adam", "adamw");

    /** By name: sgd, momentum (0.9), nesterov, adam, adamw. */
    static Optimizer byName(String name, Parameters p, float lr, float weightDecay) {
        return switch (name.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "sgd" -> sgd(p, lr, 0f, weightDecay, false);
            case "momentum" -> sgd(p, lr, 0.9f, weightDecay, false);
            case "nesterov" -> sgd(p, lr, 0.9f, weightDecay, true);
            case "adam" -> adam(p, lr, weightDecay, false);
            case "adamw" -> adam(p, lr, weightDecay, true);
            default -> throw new IllegalArgumentException("unknown optimizer '" + name + "'; choose one of "
                    + String.join(", ", NAMES));
        };
    }
}
