package dev.adjoint.optim;

import dev.adjoint.nn.Parameters;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** SGD with optional momentum (heavy-ball or Nesterov), dampening and weight decay, as PyTorch's. */
public final class Sgd extends SlabOptimizer {
    private final float momentum;
    private final float dampening;
    private final float weightDecay;
    private final boolean nesterov;
    private final Tensor velocity;

    public Sgd(Parameters params, float lr, float momentum, float dampening, float weightDecay, boolean nesterov) {
        super("sgd", params, lr);
        Checks.range("sgd", "momentum", momentum);
        if (nesterov && (momentum == 0f || dampening != 0f)) {
            throw new IllegalArgumentException("sgd: nesterov needs momentum > 0 and dampening 0");
        }
        this.momentum = momentum;
        this.dampening = dampening;
        this.weightDecay = weightDecay;
        this.nesterov = nesterov;
        this.velocity = momentum == 0f ? null : Tensor.zeros(params.values().device(), (int) params.count());
    }

    @Override
    public void step() {
        InPlace.sgd(params.values(), params.grads(), velocity, lr, momentum, dampening, weightDecay, nesterov, steps == 0);
        steps++;
    }

    @Override
    public Map<String, Tensor> state() {
        return velocity == null ? Map.of() : Map.of("velocity", velocity);
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", momentum == 0f ? "sgd" : nesterov ? "nesterov" : "momentum");
        c.put("lr", (double) lr);
        c.put("momentum", (double) momentum);
        c.put("dampening", (double) dampening);
        c.put("weight_decay", (double) weightDecay);
        c.put("steps", steps);
        return c;
    }

    @Override
    public void restore(long steps, Map<String, float[]> state) {
        this.steps = steps;
        if (velocity != null) {
            Checks.restore("sgd", velocity, state.get("velocity"), "velocity");
        }
    }

    @Override
    public void close() {
        if (velocity != null) {
            velocity.close();
        }
    }
}
