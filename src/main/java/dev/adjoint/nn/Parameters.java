package dev.adjoint.nn;

import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A module's parameters moved into one slab, with their gradients in a parallel slab: each
 * parameter becomes a view of {@link #values()} and accumulates its gradient into the matching
 * view of {@link #grads()}. Optimizers then update every parameter with one fused kernel, and
 * zeroing all gradients is one fill. The module's buffers ({@link Layer#buffers}: BatchNorm's running
 * statistics) stay where they are, but are listed here too ({@link #buffers}), since a checkpoint holds
 * them with the parameters ({@link #state}).
 */
public final class Parameters implements AutoCloseable {
    private final Tensor values;
    private final Tensor grads;
    private final Map<String, Tensor> named = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers;
    /** The gradient views attached to the parameters, closed with them (without filling a pending zero). */
    private final List<Tensor> gradViews = new ArrayList<>();

    private Parameters(Layer module) {
        Map<String, Tensor> params = module.parameters();
        buffers = module.buffers();
        if (params.isEmpty()) {
            throw new IllegalArgumentException("Parameters: " + module.getClass().getSimpleName() + " has no parameters");
        }
        long total = 0;
        for (Tensor t : params.values()) {
            total += t.numel();
        }
        var device = params.values().iterator().next().device();
        values = Tensor.zeros(device, Math.toIntExact(total));
        grads = Tensor.zeros(device, Math.toIntExact(total));
        long at = 0;
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor p = e.getValue();
            int n = Math.toIntExact(p.numel());
            Tensor value;
            Tensor grad;
            try (Tensor vs = values.slice((int) at, (int) at + n); Tensor gs = grads.slice((int) at, (int) at + n)) {
                value = vs.reshape(p.shape());
                grad = gs.reshape(p.shape());
            }
            InPlace.copy(value, p);
            module.replace(e.getKey(), value);
            value.attachGrad(grad);
            gradViews.add(grad);
            named.put(e.getKey(), value);
            at += n;
        }
    }

    /** Moves the module's parameters into a slab (their values are kept). */
    public static Parameters of(Layer module) {
        return new Parameters(module);
    }

    /** All parameter values, as one flat tensor. */
    public Tensor values() {
        return values;
    }

    /**
     * All gradients, as one flat tensor, in the same order. A parameter that got no gradient since
     * {@link #zeroGrad} reads as zeros.
     */
    public Tensor grads() {
        for (Tensor t : named.values()) {
            t.grad();   // fills a lazily zeroed gradient that no backward wrote
        }
        return grads;
    }

    public Map<String, Tensor> named() {
        return Collections.unmodifiableMap(named);
    }

    /** The module's buffers by dotted name (its own tensors: not in a slab, not trained). */
    public Map<String, Tensor> buffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** What a checkpoint holds of the model: the parameters, then the buffers, by PyTorch's state-dict names. */
    public Map<String, Tensor> state() {
        Map<String, Tensor> all = new LinkedHashMap<>(named);
        all.putAll(buffers);
        return all;
    }

    /** Every parameter value, then every buffer, read to the host: a copy {@link #restore} puts back. */
    public float[] snapshot() {
        float[] out = new float[Math.toIntExact(stateSize())];
        InPlace.read(values, out, 0);
        int at = (int) values.numel();
        for (Tensor b : buffers.values()) {
            InPlace.read(b, out, at);
            at += (int) b.numel();
        }
        return out;
    }

    /** Puts back the values and buffers of a {@link #snapshot}. */
    public void restore(float[] snapshot) {
        if (snapshot.length != stateSize()) {
            throw new IllegalArgumentException("Parameters.restore: a snapshot of " + snapshot.length + " values, this"
                    + " model holds " + stateSize());
        }
        InPlace.write(values, snapshot, 0);
        int at = (int) values.numel();
        for (Tensor b : buffers.values()) {
            InPlace.write(b, snapshot, at);
            at += (int) b.numel();
        }
    }

    /** The values of a {@link #snapshot}: every parameter and every buffer element. */
    private long stateSize() {
        long total = values.numel();
        for (Tensor b : buffers.values()) {
            total += b.numel();
        }
        return total;
    }

    public long count() {
        return values.numel();
    }

    /**
     * Zeroes every gradient, lazily ({@link Tensor#zeroGrad}): the next backward writes each
     * gradient instead of adding it to zeros, and {@link #grads} fills those it did not write.
     */
    public void zeroGrad() {
        for (Tensor t : named.values()) {
            t.zeroGrad();
        }
    }

    @Override
    public void close() {
        gradViews.forEach(Tensor::close);
        named.values().forEach(Tensor::close);
        values.close();
        grads.close();
    }
}
