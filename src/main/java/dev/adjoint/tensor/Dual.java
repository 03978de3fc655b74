package dev.adjoint.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Forward-mode automatic differentiation, as {@code jax.jvp}: {@link #jvp} runs {@code f}, written
 * with ordinary tensor ops, on primals that carry tangents; every op computes its output's tangent
 * with the JVP of its declaration ({@link Op}), so the result is f(x) and J·v in one forward pass,
 * without forming J. An op with no derivative gives a constant (zero tangent); a user
 * {@link dev.adjoint.tensor.Function} without a {@code jvp} is an error naming it.
 *
 * @param value   f(primals)
 * @param tangent the directional derivative of f along the tangents, J·v
 */
public record Dual(Tensor value, Tensor tangent) {
    /** jvp calls running on any thread, so that ops outside forward mode read one field. */
    private static final AtomicInteger RUNNING = new AtomicInteger();
    private static final int OFF = 0;
    private static final int ON = 1;
    private static final int SUSPENDED = 2;
    private static final ThreadLocal<int[]> MODE = ThreadLocal.withInitial(() -> new int[] {OFF});

    public Dual {
        if (!java.util.Arrays.equals(value.shape, tangent.shape)) {
            throw new IllegalArgumentException("Dual: tangent of shape " + Shape.format(tangent.shape)
                    + " for a value of shape " + Shape.format(value.shape));
        }
    }

    /**
     * f's output at {@code primals} and its directional derivative along {@code tangents} (one per
     * primal, same shape and device). Runs with reverse mode off; the primals and tangents are not
     * changed. Close both tensors of the result (or open a {@link Scope}).
     */
    public static Dual jvp(Function<Tensor[], Tensor> f, Tensor[] primals, Tensor[] tangents) {
        check(primals, tangents);
        int[] mode = MODE.get();
        if (mode[0] != OFF) {
            throw new IllegalStateException("jvp: forward mode does not nest (Dual.jvp inside Dual.jvp or a JVP rule)");
        }
        Tensor[] in = new Tensor[primals.length];
        Tensor out = null;
        RUNNING.incrementAndGet();
        mode[0] = ON;
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            for (int i = 0; i < in.length; i++) {
                in[i] = primals[i].detach();
                in[i].autograd.tangent(Scope.escape(tangents[i].detach()));
            }
            out = f.apply(in);
            Tensor t = out.autograd.takeTangent();
            if (t != null) {
                Scope.track(t);   // the caller's now, as the value is: an open scope closes both
            }
            return new Dual(out, t != null ? t : Tensor.zeros(out.device(), out.shape()));
        } finally {
            mode[0] = OFF;
            RUNNING.decrementAndGet();
            for (Tensor v : in) {
                if (v != null && v != out) {
                    v.close();
                }
            }
        }
    }

    private static void check(Tensor[] primals, Tensor[] tangents) {
        if (primals.length != tangents.length) {
            throw new IllegalArgumentException("jvp: " + primals.length + " primals but " + tangents.length + " tangents");
        }
        for (int i = 0; i < primals.length; i++) {
            if (!java.util.Arrays.equals(primals[i].shape, tangents[i].shape)) {
                throw new IllegalArgumentException("jvp: tangent " + i + " of shape " + Shape.format(tangents[i].shape)
                        + " for primal " + i + " of shape " + Shape.format(primals[i].shape));
            }
            Tensor.sameDevice("jvp", primals[i], tangents[i]);
        }
    }

    /** Whether an op on {@code in} computes a tangent: forward mode is on for this thread and an input has one. */
    static boolean carriesTangents(Tensor[] in) {
        if (RUNNING.get() == 0 || MODE.get()[0] != ON) {
            return false;
        }
        for (Tensor t : in) {
            if (t.autograd.tangent() != null) {
                return true;
            }
        }
        return false;
    }

    /** Stops tangents from propagating until closed: inside a JVP rule, and inside a user Function's forward. */
    static Suspended suspend() {
        int[] mode = MODE.get();
        int before = mode[0];
        if (before == ON) {
            mode[0] = SUSPENDED;
        }
        return () -> mode[0] = before;
    }

    /** Restores tangent propagation as it was when {@link #suspend} was called. */
    interface Suspended extends AutoCloseable {
        @Override
        void close();
    }
}
