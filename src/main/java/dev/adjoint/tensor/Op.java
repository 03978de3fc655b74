package dev.adjoint.tensor;

/**
 * The one declaration of an op: its name, its forward (the device dispatch), its VJP for reverse
 * mode and its JVP for forward mode, as typed lambdas: the role {@code derivatives.yaml} plays in
 * PyTorch. An op that is not differentiable gives the reason instead of rules, and its output is a
 * constant in both modes. Each op family declares its ops as constants of this type in its own file;
 * {@link Ops#ALL} lists them.
 *
 * <p>Both rules see a {@link Context} holding what the forward saved. The VJP runs in backward on
 * retained views of it; the JVP runs at once, on the tensors themselves, while {@link Dual#jvp}
 * carries tangents. A JVP may return a tangent that broadcasts to the output's shape, or null for
 * zero.
 *
 * @param <P> the op's arguments other than its tensors (a scalar, an axis), or {@code Void}
 */
final class Op<P> {
    /** Computes the output from the inputs with device primitives, and saves what the rules need. */
    @FunctionalInterface
    interface Forward<P> {
        Tensor apply(P args, Function.Saved saved, Tensor[] in);
    }

    /** Reverse mode: one gradient per input (null where none is needed) from the output's gradient. */
    @FunctionalInterface
    interface Vjp<P> {
        Tensor[] apply(P args, Context c, Tensor g);
    }

    /** Forward mode: the output's tangent from the inputs' tangents (null for an input without one). */
    @FunctionalInterface
    interface Jvp<P> {
        Tensor apply(P args, Context c, Tensor[] t);
    }

    final String name;
    private final Forward<P> forward;
    private final Vjp<P> vjp;
    private final Jvp<P> jvp;
    /** Why the op has no rules, or null when it has both. */
    final String notDifferentiable;
    /** Whether its tensors may be BF16 or F16 (views, casts, matmul); else every input must be F32. Set once, at declaration. */
    private boolean anyDtype;

    private Op(String name, Forward<P> forward, Vjp<P> vjp, Jvp<P> jvp, String notDifferentiable) {
        this.name = name;
        this.forward = forward;
        this.vjp = vjp;
        this.jvp = jvp;
        this.notDifferentiable = notDifferentiable;
    }

    /** A differentiable op: both rules are required. */
    static <P> Op<P> of(String name, Forward<P> forward, Vjp<P> vjp, Jvp<P> jvp) {
        if (vjp == null || jvp == null) {
            throw new IllegalArgumentException(name + ": a differentiable op declares a VJP and a JVP");
        }
        return new Op<>(name, forward, vjp, jvp, null);
    }

    /** An op whose output is a constant (no gradient, no tangent), for the reason given. */
    static <P> Op<P> constant(String name, Forward<P> forward, String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException(name + ": a non-differentiable op says why");
        }
        return new Op<>(name, forward, null, null, reason);
    }

    /**
     * A linear op of one input (a view, a sum, a copy): its JVP is the op itself applied to the
     * tangent, as PyTorch's {@code auto_linear}.
     */
    static <P> Op<P> linear(String name, Forward<P> forward, Vjp<P> vjp) {
        Op<P>[] self = newArray();
        self[0] = of(name, forward, vjp, (p, c, t) -> self[0].apply(p, t));
        return self[0];
    }

    /**
     * Lets this op take BF16 and F16 tensors: views (which only re-index elements), the casts and
     * matmul (which multiplies 16-bit operands into F32). Every other op takes F32 only, and
     * refuses another dtype at the call, naming the op. Called once, where the op is declared.
     */
    Op<P> takingAnyDtype() {
        anyDtype = true;
        return this;
    }

    @SuppressWarnings("unchecked")
    private static <P> Op<P>[] newArray() {
        return (Op<P>[]) new Op<?>[1];
    }

    /** Runs the forward and records what reverse mode and forward mode need. */
    Tensor apply(P args, Tensor... in) {
        if (!anyDtype) {
            checkF32(in);
        }
        Function.Saved saved = new Function.Saved();
        Tensor out = null;
        try {
            out = forward.apply(args, saved, in);
            if (notDifferentiable != null) {
                return out;
            }
            Tensor[] kept = saved.tensors();
            if (Dual.carriesTangents(in)) {
                tangent(args, kept, in, out);
            }
            return Autograd.record(out, name, in, kept, (c, g) -> vjp.apply(args, c, g));
        } catch (RuntimeException | Error e) {
            if (out != null) {
                out.close();
            }
            throw e;
        } finally {
            saved.closeOwned();
        }
    }

    private void checkF32(Tensor[] in) {
        for (int i = 0; i < in.length; i++) {
            if (in[i] != null && in[i].dtype() != dev.adjoint.device.DType.F32) {
                throw new IllegalArgumentException(name + ": " + (in.length == 1 ? "its input" : "input " + i) + " "
                        + Shape.format(in[i].shape) + " is " + in[i].dtype() + ", and " + name + " computes in F32;"
                        + " convert it with to(DType.F32) (BF16 and F16 tensors go into matmul, views and to only)");
            }
        }
    }

    private void tangent(P args, Tensor[] kept, Tensor[] in, Tensor out) {
        Tensor[] t = new Tensor[in.length];
        boolean[] has = new boolean[in.length];
        for (int i = 0; i < in.length; i++) {
            t[i] = in[i].autograd.tangent();
            has[i] = t[i] != null;
        }
        try (Dual.Suspended off = Dual.suspend(); Scope scope = Scope.open()) {
            Tensor dt = jvp.apply(args, new Context(kept, has, in), t);
            if (dt == null) {
                return;
            }
            if (!java.util.Arrays.equals(dt.shape, out.shape)) {
                dt = dt.expand(out.shape);
            }
            if (!scope.owns(dt)) {
                dt = dt.detach();    // an input's tangent passed through: the output owns a view of it
            }
            out.autograd.tangent(Scope.escape(dt));
        }
    }
}
