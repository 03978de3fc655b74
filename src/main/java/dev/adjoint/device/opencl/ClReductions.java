package dev.adjoint.device.opencl;

import dev.adjoint.device.ReduceOp;

/**
 * Launchers of {@code reduce.cl} and {@code softmax.cl}. Row kernels run one work-group of
 * {@code group} work-items per row. A few long rows (fewer than {@code targetGroups}) are split
 * into chunks whose partial results go through a scratch buffer that is kept and reused.
 */
final class ClReductions {
    /** Rows shorter than this many elements per work-item are never split. */
    private static final int MIN_PER_ITEM = 16;

    private final OpenClDevice device;
    private final int group;
    private final int local;
    private final int targetGroups;
    private OpenClBuffer scratch;

    ClReductions(OpenClDevice device, int group, int local, int targetGroups) {
        this.device = device;
        this.group = group;
        this.local = local;
        this.targetGroups = targetGroups;
    }

    void reduce(ReduceOp op, int outer, int n, int inner, OpenClBuffer x, long xOff, OpenClBuffer out, long oOff) {
        if (outer == 0 || inner == 0) {
            return;
        }
        if (inner > 1) {
            device.launch("reduce_columns_forward", () -> what(op, outer, n, inner))
                    .i(op.ordinal()).i(outer).i(n).i(inner).mem(x).l(xOff).mem(out).l(oOff)
                    .run1d((long) outer * inner, local);
            return;
        }
        int chunks = 1;
        if (outer < targetGroups) {
            chunks = (int) Math.max(1, Math.min(ceilDiv(targetGroups, outer), n / ((long) group * MIN_PER_ITEM)));
        }
        int chunk = (int) ceilDiv(n, chunks);
        chunks = (int) ceilDiv(n, chunk);
        OpenClBuffer partials = chunks == 1 ? out : scratch(2L * outer * chunks);
        int c = chunks;
        device.launch("reduce_forward", () -> what(op, outer, n, inner) + " in " + c + " chunks")
                .i(op.ordinal()).i(outer).i(n).i(chunk).i(chunks).mem(x).l(xOff).mem(out).l(oOff).mem(partials)
                .run1d((long) outer * chunks * group, group);
        if (chunks > 1) {
            device.launch("reduce_partials_forward", () -> what(op, outer, n, inner) + " combining " + c + " chunks")
                    .i(op.ordinal()).i(outer).i(n).i(chunks).mem(partials).mem(out).l(oOff)
                    .run1d((long) outer * group, group);
        }
    }

    void softmax(boolean log, int rows, int cols, OpenClBuffer x, long xOff, OpenClBuffer out, long oOff) {
        if (rows == 0 || cols == 0) {
            return;
        }
        device.launch("softmax_forward", () -> (log ? "log_softmax" : "softmax") + " [" + rows + "x" + cols + "]")
                .i(log).i(rows).i(cols).mem(x).l(xOff).mem(out).l(oOff).run1d((long) rows * group, group);
    }

    void softmaxBackward(boolean log, int rows, int cols, OpenClBuffer y, long yOff, OpenClBuffer gy, long gyOff,
                         OpenClBuffer gx, long gxOff) {
        if (rows == 0 || cols == 0) {
            return;
        }
        device.launch("softmax_backward", () -> (log ? "log_softmax" : "softmax") + " backward [" + rows + "x" + cols + "]")
                .i(log).i(rows).i(cols).mem(y).l(yOff).mem(gy).l(gyOff).mem(gx).l(gxOff)
                .run1d((long) rows * group, group);
    }

    void crossEntropy(int rows, int cols, OpenClBuffer x, long xOff, OpenClBuffer t, long tOff,
                      OpenClBuffer loss, long lOff, OpenClBuffer probs, long pOff) {
        if (rows == 0 || cols == 0) {
            return;
        }
        device.launch("cross_entropy_forward", () -> "cross_entropy [" + rows + "x" + cols + "]")
                .i(rows).i(cols).mem(x).l(xOff).mem(t).l(tOff).mem(loss).l(lOff).mem(probs).l(pOff)
                .run1d((long) rows * group, group);
    }

    void crossEntropyBackward(int rows, int cols, OpenClBuffer probs, long pOff, OpenClBuffer t, long tOff,
                              OpenClBuffer g, long gOff, long gStride, OpenClBuffer gx, long gxOff) {
        if (rows == 0 || cols == 0) {
            return;
        }
        device.launch("cross_entropy_backward", () -> "cross_entropy backward [" + rows + "x" + cols + "]")
                .i(rows).i(cols).mem(probs).l(pOff).mem(t).l(tOff).mem(g).l(gOff).l(gStride).mem(gx).l(gxOff)
                .run1d((long) rows * cols, local);
    }

    /** The scratch buffer, grown to at least {@code floats}; it lives until the device closes. */
    private OpenClBuffer scratch(long floats) {
        if (scratch == null || scratch.isClosed() || scratch.length() < floats) {
            if (scratch != null) {
                scratch.close();
            }
            scratch = (OpenClBuffer) device.allocate(Math.max(floats, 1024));
        }
        return scratch;
    }

    private static String what(ReduceOp op, int outer, int n, int inner) {
        return "reduce " + op + " [outer " + outer + ", n " + n + ", inner " + inner + "]";
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
