package dev.adjoint.device.opencl;

import java.util.Arrays;

/**
 * Launchers of {@code indexing.cl}. Indices are checked by the kernels where they read them: a bad
 * one is never an address, and gives NaN (the element for gather, the fiber for scatter_add), as
 * cross_entropy's kernels do for a bad target; the tensor front end names it in anomaly mode.
 */
final class ClIndexing {
    private final OpenClDevice device;
    private final int local;

    ClIndexing(OpenClDevice device, int local) {
        this.device = device;
        this.local = local;
    }

    void gather(int outer, int n, int inner, int m, OpenClBuffer x, long xOff, OpenClBuffer index, long iOff,
                long[] s, OpenClBuffer out, long oOff) {
        long count = (long) outer * m * inner;
        if (count == 0) {
            return;
        }
        device.launch("gather_forward", () -> "gather [" + outer + ", " + n + ", " + inner + "] by [" + outer + ", " + m
                        + ", " + inner + "]")
                .i(outer).i(n).i(inner).i(m).mem(x).l(xOff).mem(index).l(iOff).l(s[0]).l(s[1]).l(s[2])
                .mem(out).l(oOff).run1d(count, local);
    }

    void scatterAdd(int outer, int n, int inner, int m, OpenClBuffer index, long iOff, long[] s, OpenClBuffer src,
                    long sOff, OpenClBuffer out, long oOff) {
        long fibers = (long) outer * inner;
        if (fibers == 0 || m == 0) {
            return;
        }
        device.launch("scatter_add_forward", () -> "scatter_add [" + outer + ", " + m + ", " + inner + "] into ["
                        + outer + ", " + n + ", " + inner + "]")
                .i(outer).i(n).i(inner).i(m).mem(index).l(iOff).l(s[0]).l(s[1]).l(s[2]).mem(src).l(sOff)
                .mem(out).l(oOff).run1d(fibers, local);
    }

    void select(int[] shape, OpenClBuffer c, long cOff, long[] cs, OpenClBuffer a, long aOff, long[] as,
                OpenClBuffer b, long bOff, long[] bs, OpenClBuffer out, long oOff) {
        ClElementwise.View v = ClElementwise.View.of(shape, cs, as, bs);
        if (v.n() == 0) {
            return;
        }
        if (v.contiguous()) {
            device.launch("select_forward", () -> "select " + Arrays.toString(shape))
                    .l(v.n()).mem(c).l(cOff).mem(a).l(aOff).mem(b).l(bOff).mem(out).l(oOff).run1d(v.n(), local);
        } else {
            device.launch("select_strided_forward", () -> "select " + Arrays.toString(shape) + " strides "
                            + Arrays.toString(cs) + ", " + Arrays.toString(as) + " and " + Arrays.toString(bs))
                    .l(v.n()).i(v.rank()).int8(v.shape()).mem(c).l(cOff).long8(v.strides()[0]).mem(a).l(aOff)
                    .long8(v.strides()[1]).mem(b).l(bOff).long8(v.strides()[2]).mem(out).l(oOff).run1d(v.n(), local);
        }
    }
}
