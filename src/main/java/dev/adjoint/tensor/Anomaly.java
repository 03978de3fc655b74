package dev.adjoint.tensor;

import java.util.StringJoiner;

/**
 * NaN/Inf detection, like PyTorch's {@code set_detect_anomaly}: while it is on, the output of every
 * op's forward, every gradient a backward rule returns and every in-place update (optimizer steps,
 * gradient clipping) is checked, and the first NaN or infinity throws a {@link NonFiniteException}
 * naming the op, forward or backward, the shapes and where the value sits.
 *
 * <pre>{@code
 * try (var on = Anomaly.detecting()) {
 *     x.log();                  // "forward of 'log' produced NaN at [1, 0] of its output [2, 3]; inputs [2, 3]"
 *     y.sqrt().sum().backward();  // "backward of 'sqrt' (its 'div' step) produced +Inf at [0] of its output [2]; ..."
 * }
 * }</pre>
 *
 * <p>Off by default; {@code -Dadjoint.detectAnomaly=true} turns it on from the start, and
 * {@code adjoint train --detect-anomaly} from the command line. Off, it costs each op one read of a
 * static field: nothing is allocated, downloaded or synchronized. On, every op waits for the device
 * and copies its result to the host, so it is for finding where a NaN comes from, not for long runs.
 * The switch is global, as PyTorch's is. A replayed step ({@code dev.adjoint.graph}) runs no tensor
 * ops and cannot read results back, so it is not checked: the Trainer refuses to replay while this is on.
 */
public final class Anomaly {
    /** The system property that turns detection on at startup. */
    public static final String PROPERTY = "adjoint.detectAnomaly";

    /** Read on every op; a volatile read is a plain load on the platforms the engine runs on. */
    static volatile boolean on = Boolean.getBoolean(PROPERTY);

    /** The backward rule this thread is running, so that the ops inside it are reported as part of it. */
    private static final ThreadLocal<String> RULE = new ThreadLocal<>();

    private Anomaly() {}

    /** Turns detection on or off; returns whether it was on. */
    public static boolean detect(boolean enable) {
        boolean before = on;
        on = enable;
        return before;
    }

    public static boolean isDetecting() {
        return on;
    }

    /** Turns detection on until closed, then restores what was there: {@code try (var on = Anomaly.detecting()) {...}}. */
    public static Detecting detecting() {
        boolean before = detect(true);
        return () -> detect(before);
    }

    /** Restores detection to what it was when {@link #detecting} was called. */
    public interface Detecting extends AutoCloseable {
        @Override
        void close();
    }

    // ------------------------------------------------------------------ checks (called only when on)

    /** Checks an op's output; inside a backward rule the op is reported as a step of that rule. */
    static void forward(String op, Tensor[] inputs, Tensor out) {
        float[] v = out.toArray();
        int bad = firstNonFinite(v);
        if (bad < 0) {
            return;
        }
        String rule = RULE.get();
        String who = rule == null ? "forward of '" + op + "'" : "backward of '" + rule + "' (its '" + op + "' step)";
        StringBuilder msg = new StringBuilder(who).append(" produced ").append(describe(v[bad])).append(" at ")
                .append(Shape.format(unravel(bad, out.shape))).append(" of its output ").append(Shape.format(out.shape))
                .append("; inputs ").append(shapes(inputs));
        for (int i = 0; i < inputs.length; i++) {
            if (!inputs[i].isClosed()) {
                float[] in = inputs[i].toArray();
                int at = firstNonFinite(in);
                if (at >= 0) {
                    msg.append("; input ").append(i).append(" already held ").append(describe(in[at])).append(" at ")
                            .append(Shape.format(unravel(at, inputs[i].shape)))
                            .append(rule == null ? ", so it came from a leaf tensor or the data, not from an op"
                                    : ", so it came in with the upstream gradient or a saved tensor");
                    break;
                }
            }
        }
        throw new NonFiniteException(msg.toString(), rule == null ? op : rule, rule != null, unravel(bad, out.shape), v[bad]);
    }

    /** Runs a node's backward rule and checks the gradients it returns. */
    static Tensor[] backward(Node node, Tensor gradOutput) {
        String outer = RULE.get();
        RULE.set(node.op);
        Tensor[] down;
        try {
            down = node.backward(gradOutput);
        } finally {
            RULE.set(outer);
        }
        for (int j = 0; j < down.length; j++) {
            if (down[j] == null) {
                continue;
            }
            float[] v = down[j].toArray();
            int bad = firstNonFinite(v);
            if (bad >= 0) {
                String msg = "backward of '" + node.op + "' produced " + describe(v[bad]) + " at "
                        + Shape.format(unravel(bad, down[j].shape)) + " of the gradient for input " + j + " "
                        + Shape.format(down[j].shape) + "; inputs " + shapes(node.inputs) + ", upstream gradient "
                        + Shape.format(gradOutput.shape);
                float[] up = gradOutput.toArray();
                int at = firstNonFinite(up);
                if (at >= 0) {
                    msg += ", which already held " + describe(up[at]) + " at " + Shape.format(unravel(at, gradOutput.shape))
                            + " (the gradient given to backward())";
                }
                throw new NonFiniteException(msg, node.op, true, unravel(bad, down[j].shape), v[bad]);
            }
        }
        return down;
    }

    /** Checks a tensor an in-place update ({@code adam}, {@code add_}, ...) has just written. */
    static void inPlace(String op, Tensor t) {
        float[] v = t.toArray();
        int bad = firstNonFinite(v);
        if (bad >= 0) {
            throw new NonFiniteException("in-place '" + op + "' produced " + describe(v[bad]) + " at "
                    + Shape.format(unravel(bad, t.shape)) + " of the tensor " + Shape.format(t.shape) + " it updates",
                    op, false, unravel(bad, t.shape), v[bad]);
        }
    }

    private static int firstNonFinite(float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i])) {
                return i;
            }
        }
        return -1;
    }

    private static String describe(float v) {
        return Float.isNaN(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf";
    }

    private static String shapes(Tensor[] ts) {
        StringJoiner j = new StringJoiner(", ");
        for (Tensor t : ts) {
            j.add(Shape.format(t.shape));
        }
        return ts.length == 0 ? "none" : j.toString();
    }

    /** The multi-index of a row-major flat index. */
    private static int[] unravel(int flat, int[] shape) {
        int[] idx = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? flat : flat / shape[d];
        }
        return idx;
    }
}
