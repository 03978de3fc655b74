package dev.adjoint.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A user-defined differentiable op, as {@code torch.autograd.Function}: {@link #forward} computes
 * the output (with gradients off) and saves what the rules will need; {@link #backward} turns the
 * output's gradient into one gradient per input (null for inputs that need none, see
 * {@link Context#needsGrad}); {@link #jvp}, for forward mode ({@link Dual#jvp}), turns the inputs'
 * tangents into the output's. Built-in ops are declared and recorded the same way ({@link Op}).
 *
 * <pre>{@code
 * Tensor y = new Function("cube") {
 *     protected Tensor forward(Saved saved, Tensor... in) { saved.save(in[0]); return in[0].pow(3f); }
 *     protected Tensor[] backward(Context ctx, Tensor g) {
 *         return new Tensor[] {g.mul(ctx.saved(0).square()).mul(3f)};
 *     }
 *     protected Tensor jvp(Context ctx, Tensor... t) { return t[0].mul(ctx.saved(0).square()).mul(3f); }
 * }.apply(x);
 * }</pre>
 */
public abstract class Function {
    private final String name;
    private final Op<Void> op;

    protected Function(String name) {
        this.name = name;
        this.op = Op.of(name, (none, saved, in) -> {
            try (Autograd.NoGrad off = Autograd.noGrad(); Dual.Suspended tangentsOff = Dual.suspend()) {
                return forward(saved, in);
            }
        }, (none, ctx, g) -> checked(backward(ctx, g), ctx), (none, ctx, t) -> jvp(ctx, t));
    }

    /** Where a forward puts the tensors its rules need; they stay alive until backward. */
    public static final class Saved {
        private Tensor[] tensors = new Tensor[3];
        private int count;
        private List<Tensor> owned;

        public void save(Tensor... ts) {
            for (Tensor t : ts) {
                keep(java.util.Objects.requireNonNull(t, "save: a null tensor"));
            }
        }

        /** Saves {@code t}, which may be null: a slot the rules find empty. */
        void keep(Tensor t) {
            if (count == tensors.length) {
                tensors = java.util.Arrays.copyOf(tensors, 2 * count);
            }
            tensors[count++] = t;
        }

        /** Saves a temporary of the forward's own, closed once the op is recorded (the node keeps its view). */
        void own(Tensor t) {
            keep(t);
            if (owned == null) {
                owned = new ArrayList<>();
            }
            owned.add(t);
        }

        Tensor[] tensors() {
            return java.util.Arrays.copyOf(tensors, count);
        }

        void closeOwned() {
            if (owned != null) {
                owned.forEach(Tensor::close);
            }
        }
    }

    protected abstract Tensor forward(Saved saved, Tensor... inputs);

    protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

    /**
     * Forward mode: the output's tangent from the inputs' tangents ({@code tangents[i]} is null for
     * an input without one; {@link Context#needsGrad} says which have one). Without an override,
     * forward mode through this function is an error naming it.
     */
    protected Tensor jvp(Context ctx, Tensor... tangents) {
        throw new UnsupportedOperationException("jvp: Function '" + name + "' defines no jvp(Context, Tensor...), "
                + "which forward mode (Dual.jvp) needs; override it, or use reverse mode");
    }

    /** Runs forward and, when an input requires a gradient, records this op on the tape. */
    public final Tensor apply(Tensor... inputs) {
        return op.apply(null, inputs);
    }

    private Tensor[] checked(Tensor[] grads, Context ctx) {
        if (grads.length != ctx.inputCount()) {
            throw new IllegalStateException(name + ": backward returned " + grads.length + " gradients for "
                    + ctx.inputCount() + " inputs");
        }
        return grads;
    }
}
