package dev.adjoint.optim;

import dev.adjoint.nn.Parameters;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/** Adam, or AdamW when {@code decoupled} (weight decay applied to the parameters, not the gradient). */
public final class Adam extends SlabOptimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final Tensor m;
    private final Tensor v;

    public Adam(Parameters params, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super("adam", params, lr);
        Checks.range("adam", "beta1", beta1);
        Checks.range("adam", "beta2", beta2);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        this.m = Tensor.zeros(params.values().device(), (int) params.count());
        this.v = Tensor.zeros(params.values().device(), (int) params.count());
    }

    @Override
    public void step() {
        steps++;
        InPlace.adam(params.values(), params.grads(), m, v, lr, beta1, beta2, eps, weightDecay, decoupled, steps);
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("m", m);
        s.put("v", v);
        return s;
    }

    @Override
    public Map<String, Object> config() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", decoupled ? "adamw" : "adam");
        c.put("lr", (double) lr);
        c.put("beta1", (double) beta1);
        c.put("beta2", (double) beta2);
        c.put("eps", (double) eps);
        c.put("weight_decay", (double) weightDecay);
        c.put("steps", steps);
        return c;
    }

    @Override
    public void restore(long steps, Map<String, float[]> state) {
        this.steps = steps;
        Checks.restore("adam", m, state.get("m"), "m");
        Checks.restore("adam", v, state.get("v"), "v");
    }

    @Override
    public void close() {
        m.close();
        v.close();
    }
}
