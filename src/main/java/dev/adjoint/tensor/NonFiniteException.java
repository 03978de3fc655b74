package dev.adjoint.tensor;

/**
 * Thrown in {@link Anomaly} mode when an op produced a NaN or an infinity: the message names the op,
 * whether its forward or its backward produced the value, the shapes involved and where the first
 * bad value sits.
 */
public final class NonFiniteException extends ArithmeticException {
    private final String op;
    private final boolean backward;
    private final int[] index;
    private final float value;

    NonFiniteException(String message, String op, boolean backward, int[] index, float value) {
        super(message);
        this.op = op;
        this.backward = backward;
        this.index = index.clone();
        this.value = value;
    }

    /** The op whose forward or backward produced the value (for a step inside a backward rule, the rule's op). */
    public String op() {
        return op;
    }

    /** Whether the value came out of a backward rule (else out of a forward). */
    public boolean inBackward() {
        return backward;
    }

    /** Where the first non-finite value sits in the tensor that held it. */
    public int[] index() {
        return index.clone();
    }

    /** The value: NaN, +Inf or -Inf. */
    public float value() {
        return value;
    }
}
