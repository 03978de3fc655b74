package dev.adjoint.device;

/**
 * An index that {@link Device#gather} or {@link Device#scatterAdd} cannot use: not a whole number in
 * [0, {@link #bound}). Thrown by a backend that reads indices where it runs (the CPU), before the call
 * writes anything; the tensor front end turns it into a message in the user's terms (op, axis, the
 * index tensor's coordinates). {@link #position} is {@code o·m·inner + j·inner + i} in the call's
 * [outer][m][inner] walk of the index view.
 */
public final class IndexException extends IllegalArgumentException {
    private final long position;
    private final float value;
    private final int bound;

    public IndexException(String primitive, long position, float value, int bound) {
        super(primitive + ": index " + value + " at position " + position + " of the index view is not a whole number"
                + " in [0, " + bound + ")");
        this.position = position;
        this.value = value;
        this.bound = bound;
    }

    /** Whether {@code v} is a whole number in [0, bound): the test every backend applies to an index. */
    public static boolean valid(float v, int bound) {
        return v >= 0 && v < bound && v == (float) (int) v;
    }

    public long position() {
        return position;
    }

    public float value() {
        return value;
    }

    public int bound() {
        return bound;
    }
}
