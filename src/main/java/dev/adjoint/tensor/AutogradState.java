package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;

/**
 * A tensor's autograd state, kept apart from the {@link Tensor} front end: whether it requires a
 * gradient, the {@link Node} that made it, the gradient accumulated into it as a leaf, and its
 * tangent while {@link Dual#jvp} runs. Gradient reads and writes are atomic per tensor (the lock is
 * this object), so backward passes on several threads that reach one leaf add up, as in PyTorch.
 */
final class AutogradState {
    private final Tensor owner;
    private boolean requiresGrad;
    private Node node;
    private Tensor grad;
    private boolean gradAttached;
    /** The attached gradient buffer was zeroed lazily: its contents count as zero until written or read. */
    private boolean gradZeroPending;
    /** Forward mode: d(this)/d(inputs)·v, owned by this tensor and closed with it; null counts as zero. */
    private Tensor tangent;
    /** Run after a backward sweep has accumulated this leaf's gradient ({@link Tensor#onGradAccumulated}). */
    private final java.util.List<Runnable> gradHooks = new java.util.concurrent.CopyOnWriteArrayList<>();

    AutogradState(Tensor owner) {
        this.owner = owner;
    }

    boolean requiresGrad() {
        return requiresGrad;
    }

    void requiresGrad(boolean on) {
        if (node != null) {
            throw new IllegalArgumentException("requiresGrad: only leaf tensors can be marked; this one was produced by '"
                    + node.op + "' (use detach() for a leaf copy)");
        }
        requiresGrad = on;
    }

    Node node() {
        return node;
    }

    void attach(Node n) {
        node = n;
        requiresGrad = true;
    }

    Tensor tangent() {
        return tangent;
    }

    void tangent(Tensor t) {
        tangent = t;
    }

    /** Hands the tangent to the caller, who owns it from now on. */
    Tensor takeTangent() {
        Tensor t = tangent;
        tangent = null;
        return t;
    }

    synchronized Tensor grad() {
        if (gradZeroPending) {
            gradZeroPending = false;
            InPlace.fill(grad, 0f);
        }
        return grad;
    }

    synchronized void zeroGrad() {
        if (grad == null) {
            return;
        }
        if (gradAttached) {
            gradZeroPending = true;
        } else {
            grad.close();
            grad = null;
        }
    }

    synchronized void attachGrad(Tensor buffer) {
        if (!java.util.Arrays.equals(buffer.shape, owner.shape) || !buffer.isContiguous()
                || buffer.device() != owner.device()) {
            throw new IllegalArgumentException("attachGrad: gradient buffer " + Shape.format(buffer.shape)
                    + " must be contiguous, on " + owner.device().name() + ", with this tensor's shape "
                    + Shape.format(owner.shape));
        }
        if (grad != null && !gradAttached) {
            grad.close();
        }
        grad = buffer;
        gradAttached = true;
        gradZeroPending = false;
    }

    /** Adds a gradient into this leaf's gradient, in place once it exists. */
    synchronized void accumulateGrad(Tensor g) {
        if (owner.isClosed()) {
            throw closedLeaf();
        }
        if (grad == null) {
            grad = Scope.escape(g.copy());
            return;
        }
        Tensor.pin("backward", g, grad);
        try {
            if (gradZeroPending) {
                gradZeroPending = false;
                owner.device().unary(UnaryOp.COPY, 0f, owner.shape, g.buffer(), g.offset, g.strides,
                        grad.buffer(), grad.offset);
            } else {
                owner.device().binary(BinaryOp.ADD, 0f, owner.shape, grad.buffer(), grad.offset, grad.strides,
                        g.buffer(), g.offset, g.strides, grad.buffer(), grad.offset);
            }
        } finally {
            Tensor.unpin(g, grad);
        }
    }

    Tensor.GradHook addGradHook(Runnable hook) {
        gradHooks.add(hook);
        return () -> gradHooks.remove(hook);
    }

    /** Runs the hooks, in the order they were added: the sweep has written this leaf's gradient for the last time. */
    void gradAccumulated() {
        for (Runnable h : gradHooks) {
            h.run();
        }
    }

    /** The error of a backward that reaches this leaf after it was closed. */
    IllegalStateException closedLeaf() {
        return new IllegalStateException("backward: leaf tensor " + Shape.format(owner.shape) + " on "
                + owner.device().name() + " (it requires a gradient) was closed; its gradient has nowhere to go. "
                + "Keep every leaf open until backward() has returned");
    }

    /** Closes the tangent with its tensor. */
    void close() {
        Tensor t = tangent;
        tangent = null;
        if (t != null) {
            t.close();
        }
    }
}
