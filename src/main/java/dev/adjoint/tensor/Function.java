package dev.adjoint.tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * A user-defined differentiable op, as {@code torch.autograd.Function}: {@link #forward} computes
 * the output (with gradients off) and saves what {@link #backward} will need; backward turns the
 * output's gradient into one gradient per input (null for inputs that need none, see
 * {@link Context#needsGrad}). Built-in ops are recorded the same way.
 *
 * <pre>{@code
 * Tensor y = new Function("cube") {
 *     protected Tensor forward(Saved saved, Tensor... in) { saved.save(in[0]); return in[0].pow(3f); }
 *     protected Tensor[] backward(Context ctx, Tensor g) {
 *         return new Tensor[] {g.mul(ctx.saved(0).square()).mul(3f)};
 *     }
 * }.apply(x);
 * }</pre>
 */
public abstract class Function {
    private final String name;

    protected Function(String name) {
        this.name = name;
    }

    /** Where a forward puts the tensors its backward needs; they stay alive until backward. */
    public static final class Saved {
        private final List<Tensor> tensors = new ArrayList<>();

        public void save(Tensor... ts) {
            tensors.addAll(List.of(ts));
        }
    }

    protected abstract Tensor forward(Saved saved, Tensor... inputs);

    protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

    /** Runs forward and, when an input requires a gradient, records this op on the tape. */
    public final Tensor apply(Tensor... inputs) {
        Saved saved = new Saved();
        Tensor out;
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            out = forward(saved, inputs);
        }
        return Autograd.record(out, name, inputs, saved.tensors.toArray(new Tensor[0]), (ctx, g) -> {
            Tensor[] grads = backward(ctx, g);
            if (grads.length != inputs.length) {
                throw new IllegalStateException(name + ": backward returned " + grads.length + " gradients for "
                        + inputs.length + " inputs");
            }
            return grads;
        });
    }
}
