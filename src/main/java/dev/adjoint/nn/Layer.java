package dev.adjoint.nn;

import dev.adjoint.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer or a network, PyTorch's {@code nn.Module}: named parameters (leaf tensors that require
 * gradients), buffers (state saved with them but not trained), child layers, and a train/eval mode. Parameter names are dotted paths, as in PyTorch
 * ({@code 0.weight}). (Named Layer, as in Keras and DL4J, because {@code Module} would be ambiguous
 * with {@code java.lang.Module} under {@code import dev.adjoint.nn.*}.)
 */
public abstract class Layer implements AutoCloseable {
    private final Map<String, Tensor> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Layer> children = new LinkedHashMap<>();
    private boolean training = true;

    public abstract Tensor forward(Tensor x);

    protected final Tensor register(String name, Tensor value) {
        params.put(name, value.requiresGrad(true));
        return value;
    }

    /**
     * Registers state that is saved and loaded with the parameters but not trained, PyTorch's
     * {@code register_buffer}: BatchNorm's running statistics. The layer updates it in place.
     */
    protected final Tensor buffer(String name, Tensor value) {
        buffers.put(name, value);
        return value;
    }

    protected final <M extends Layer> M child(String name, M module) {
        children.put(name, module);
        return module;
    }

    /** This module's own parameter (not a child's). */
    protected final Tensor param(String name) {
        return params.get(name);
    }

    /** Every parameter of this module and its children, by dotted name, in registration order. */
    public final Map<String, Tensor> parameters() {
        return named(m -> m.params);
    }

    /** Every buffer of this module and its children, by dotted name (PyTorch's state-dict names), in registration order. */
    public final Map<String, Tensor> buffers() {
        return named(m -> m.buffers);
    }

    /** The tensors {@code own} gives of this module, then of each child under its prefix, recursively. */
    private Map<String, Tensor> named(java.util.function.Function<Layer, Map<String, Tensor>> own) {
        Map<String, Tensor> all = new LinkedHashMap<>(own.apply(this));
        children.forEach((prefix, m) -> m.named(own).forEach((n, t) -> all.put(prefix + "." + n, t)));
        return all;
    }

    /** Replaces a parameter by dotted name (used to move parameters into a slab); closes the old one. */
    final void replace(String dotted, Tensor value) {
        int dot = dotted.indexOf('.');
        if (dot >= 0 && children.containsKey(dotted.substring(0, dot))) {
            children.get(dotted.substring(0, dot)).replace(dotted.substring(dot + 1), value);
            return;
        }
        Tensor old = params.get(dotted);
        if (old == null) {
            throw new IllegalArgumentException("no parameter '" + dotted + "' in " + getClass().getSimpleName());
        }
        params.put(dotted, value.requiresGrad(true));
        old.close();
    }

    public final Layer train() {
        return mode(true);
    }

    public final Layer eval() {
        return mode(false);
    }

    private Layer mode(boolean on) {
        training = on;
        children.values().forEach(m -> m.mode(on));
        return this;
    }

    public final boolean isTraining() {
        return training;
    }

    /** Tells stochastic layers (dropout) which training step this is, so their masks are reproducible. */
    public void step(long step) {
        for (Layer m : children.values()) { // a loop, not forEach(lambda): no allocation per training step
            m.step(step);
        }
    }

    protected Map<String, Layer> children() {
        return children;
    }

    /** Closes every parameter and buffer. */
    @Override
    public void close() {
        params.values().forEach(Tensor::close);
        buffers.values().forEach(Tensor::close);
        children.values().forEach(Layer::close);
    }
}
