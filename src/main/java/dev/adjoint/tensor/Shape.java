package dev.adjoint.tensor;

import java.util.Arrays;

/** Shape arithmetic: sizes, contiguous strides and numpy broadcasting. Shapes are int arrays. */
public final class Shape {
    /** The most axes a tensor may have (device kernels take strides for up to this many). */
    public static final int MAX_RANK = 8;

    private Shape() {}

    public static long numel(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** Row-major strides of a contiguous tensor. */
    public static long[] contiguousStrides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    public static String format(int[] shape) {
        return Arrays.toString(shape);
    }

    /** Checks a user-supplied shape: at most {@link #MAX_RANK} axes, none negative. */
    static int[] check(String op, int[] shape) {
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException(op + ": shape " + format(shape) + " has " + shape.length
                    + " axes; at most " + MAX_RANK + " are supported");
        }
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(op + ": shape " + format(shape) + " has a negative size");
            }
        }
        if (numel(shape) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(op + ": shape " + format(shape) + " has more than 2^31-1 elements");
        }
        return shape.clone();
    }

    /** The numpy broadcast of two shapes, or an error naming the op and both shapes. */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int rank = Math.max(a.length, b.length);
        int[] out = new int[rank];
        for (int i = 0; i < rank; i++) {
            int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + format(a) + " and " + format(b)
                        + " cannot be broadcast together (axis " + i + " of the result: " + da + " vs " + db
                        + "; sizes must be equal or one of them 1, aligned from the last axis)");
            }
            out[i] = da == 1 ? db : da;
        }
        return out;
    }

    /** Strides that read a tensor of {@code shape}/{@code strides} as if it had {@code target}'s shape (0 on broadcast axes). */
    static long[] broadcastStrides(int[] shape, long[] strides, int[] target) {
        long[] out = new long[target.length];
        int shift = target.length - shape.length;
        for (int i = 0; i < target.length; i++) {
            int d = i - shift;
            out[i] = d < 0 || shape[d] == 1 && target[i] != 1 ? 0 : strides[d];
        }
        return out;
    }

    /** Resolves one -1 in a reshape target and checks the element count. */
    static int[] inferReshape(String op, int[] from, int[] to) {
        int[] shape = to.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == -1) {
                if (infer >= 0) {
                    throw new IllegalArgumentException(op + ": only one size may be -1 in " + format(to) + " (reshaping "
                            + format(from) + ")");
                }
                infer = i;
            } else {
                known *= shape[i];
            }
        }
        long total = numel(from);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw new IllegalArgumentException(op + ": cannot reshape " + format(from) + " (" + total
                        + " elements) to " + format(to));
            }
            shape[infer] = (int) (total / known);
        }
        if (numel(shape) != total) {
            throw new IllegalArgumentException(op + ": cannot reshape " + format(from) + " (" + total
                    + " elements) to " + format(to) + " (" + numel(shape) + " elements)");
        }
        return check(op, shape);
    }

    /** Normalises a possibly negative axis of a tensor of {@code shape}, or names the op, axis and shape. */
    static int axis(String op, int axis, int[] shape) {
        int rank = shape.length;
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for shape " + format(shape)
                    + " (" + rank + " axes" + (rank == 0 ? ": a scalar has none" : "; valid axes are " + -rank
                    + " to " + (rank - 1)) + ")");
        }
        return a;
    }
}
