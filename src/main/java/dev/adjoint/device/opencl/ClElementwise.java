package dev.adjoint.device.opencl;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.UnaryOp;
import java.util.Arrays;

/**
 * Launchers of {@code elementwise.cl} and {@code random.cl}. Views are simplified before launch:
 * size-1 axes dropped and axes merged where every operand walks them as one; what is left either
 * is contiguous (the fast kernels) or goes to the strided kernels with rank at most 8.
 */
final class ClElementwise {
    static final int MAX_RANK = 8;

    private final OpenClDevice device;
    private final int local;

    ClElementwise(OpenClDevice device, int local) {
        this.device = device;
        this.local = local;
    }

    void fill(OpenClBuffer dst, long off, long n, float value) {
        if (n == 0) {
            return;
        }
        device.launch("fill_forward", () -> "fill [" + n + " floats at offset " + off + "]")
                .mem(dst).l(off).l(n).f(value).run1d(n, local);
    }

    void random(OpenClBuffer dst, long off, long n, Distribution dist, float a, float b, long seed) {
        if (n == 0) {
            return;
        }
        device.launch("random_forward", () -> "random " + dist + " [" + n + " floats at offset " + off + "]")
                .mem(dst).l(off).l(n).i(dist.ordinal()).f(a).f(b).l(seed).run1d(n, local);
    }

    void unary(UnaryOp op, float p, int[] shape, OpenClBuffer x, long xOff, long[] xs, OpenClBuffer out, long oOff) {
        View v = View.of(shape, xs);
        if (v.n == 0) {
            return;
        }
        if (v.contiguous()) {
            device.launch("unary_forward", () -> op + " " + Arrays.toString(shape))
                    .i(op.ordinal()).f(p).l(v.n).mem(x).l(xOff).mem(out).l(oOff).run1d(v.n, local);
        } else {
            device.launch("unary_strided_forward", () -> op + " " + Arrays.toString(shape) + " strides " + Arrays.toString(xs))
                    .i(op.ordinal()).f(p).l(v.n).i(v.rank).int8(v.shape).mem(x).l(xOff).long8(v.strides[0])
                    .mem(out).l(oOff).run1d(v.n, local);
        }
    }

    void binary(BinaryOp op, float p, int[] shape, OpenClBuffer a, long aOff, long[] as, OpenClBuffer b, long bOff,
                long[] bs, OpenClBuffer out, long oOff) {
        View v = View.of(shape, as, bs);
        if (v.n == 0) {
            return;
        }
        if (v.contiguous()) {
            device.launch("binary_forward", () -> op + " " + Arrays.toString(shape))
                    .i(op.ordinal()).f(p).l(v.n).mem(a).l(aOff).mem(b).l(bOff).mem(out).l(oOff).run1d(v.n, local);
        } else {
            device.launch("binary_strided_forward", () -> op + " " + Arrays.toString(shape) + " strides "
                            + Arrays.toString(as) + " and " + Arrays.toString(bs))
                    .i(op.ordinal()).f(p).l(v.n).i(v.rank).int8(v.shape).mem(a).l(aOff).long8(v.strides[0])
                    .mem(b).l(bOff).long8(v.strides[1]).mem(out).l(oOff).run1d(v.n, local);
        }
    }

    /**
     * A shape with one stride vector per input, simplified: size-1 axes dropped, and axis d merged
     * into the axis before it when every input has {@code stride[d-1] == stride[d]·shape[d]}.
     * The kept axes are right-aligned in arrays of {@link #MAX_RANK} (leading sizes 1, strides 0).
     */
    record View(long n, int rank, int[] shape, long[][] strides) {

        static View of(int[] shape, long[]... strides) {
            long n = 1;
            for (int s : shape) {
                n *= s;
            }
            int[] dims = new int[shape.length];
            long[][] st = new long[strides.length][shape.length];
            int r = 0;
            for (int d = 0; d < shape.length; d++) {
                if (shape[d] == 1) {
                    continue;
                }
                if (r > 0 && mergeable(st, r - 1, dims[r - 1], shape[d], strides, d)) {
                    dims[r - 1] *= shape[d];
                    for (int o = 0; o < strides.length; o++) {
                        st[o][r - 1] = strides[o][d];
                    }
                    continue;
                }
                dims[r] = shape[d];
                for (int o = 0; o < strides.length; o++) {
                    st[o][r] = strides[o][d];
                }
                r++;
            }
            if (r > MAX_RANK) {
                throw new IllegalArgumentException("opencl: elementwise view of shape " + Arrays.toString(shape)
                        + " has " + r + " axes that cannot be merged; at most " + MAX_RANK + " are supported");
            }
            int[] shape8 = new int[MAX_RANK];
            long[][] strides8 = new long[strides.length][MAX_RANK];
            Arrays.fill(shape8, 1);
            for (int i = 0; i < r; i++) {
                shape8[MAX_RANK - r + i] = dims[i];
                for (int o = 0; o < strides.length; o++) {
                    strides8[o][MAX_RANK - r + i] = st[o][i];
                }
            }
            return new View(n, r, shape8, strides8);
        }

        private static boolean mergeable(long[][] st, int prev, int prevSize, int size, long[][] strides, int d) {
            if ((long) prevSize * size > Integer.MAX_VALUE) {
                return false;
            }
            for (int o = 0; o < strides.length; o++) {
                if (st[o][prev] != strides[o][d] * size) {
                    return false;
                }
            }
            return true;
        }

        /** Every input walks the elements in order with stride 1 (or there is a single element). */
        boolean contiguous() {
            if (rank == 0) {
                return true;
            }
            if (rank > 1) {
                return false;
            }
            for (long[] s : strides) {
                if (s[MAX_RANK - 1] != 1) {
                    return false;
                }
            }
            return true;
        }
    }
}
