package dev.adjoint.tensor;

import dev.adjoint.device.IndexException;
import dev.adjoint.device.UnaryOp;
import java.util.List;

/**
 * The index ops, as PyTorch's: gather, scatter_add, index_select along one axis, and where. Indices
 * are float32 tensors holding whole numbers (as cross-entropy's class targets).
 *
 * <p><b>Checking indices.</b> Nothing here downloads an index to check it: that would cost a
 * host/device round trip per call (the performance invariant: nothing crosses in a step but the
 * batch) and would make these ops impossible to capture into a plan. The kernels check instead,
 * where they read each index, and never use a bad one (not a whole number in [0, size)) as an
 * address. On the CPU the check throws before anything is written, and the error names the op, the
 * axis, the value, where it sits in the index tensor and what is valid. On OpenCL and CUDA the
 * result is NaN where the bad index would have read or written (cross_entropy's convention for a
 * bad target): never a plausible wrong number. With anomaly detection on ({@link Anomaly}, which
 * syncs and downloads anyway) the index is checked on the host before the kernel, so every backend
 * gives the same named error.
 */
final class Indexing {
    private Indexing() {}

    /** gather's and scatter_add's argument: the axis, and the shape of the user's tensor, which messages name (the op may run on a slice of it). */
    record Along(int axis, int[] shown) {}

    /**
     * out[..., j, ...] = x[..., index[..., j, ...], ...] along the axis; x and the index have the same
     * extents on every other axis ({@link #gather} slices x to the index first). VJP: g scattered back
     * into zeros of x's shape; JVP: the tangent gathered.
     */
    static final Op<Along> GATHER = Op.of("gather", (p, saved, in) -> {
        saved.save(in[1]);
        return gather(p, in[0], in[1]);
    }, (p, c, g) -> new Tensor[] {c.needsGrad(0) ? Tensor.zeros(g.device(), c.inputShape(0)).scatterAdd(p.axis, c.saved(0), g)
            : null, null}, (p, c, t) -> t[0] == null ? null : t[0].gather(p.axis, c.saved(0)));

    /**
     * x with src added at the rows the index names (repeated rows sum), src and the index of one shape,
     * x with the index's extents off the axis ({@link #scatterAdd} handles the rest). Linear in x and src:
     * VJP g to x and g gathered to src; JVP the op on the tangents.
     */
    static final Op<Along> SCATTER_ADD = Op.of("scatter_add", (p, saved, in) -> {
        saved.save(in[1]);
        return scatter(p, in[0], in[1], in[2]);
    }, (p, c, g) -> new Tensor[] {c.needsGrad(0) ? g : null, null, c.needsGrad(2) ? g.gather(p.axis, c.saved(0)) : null},
            (p, c, t) -> t[2] == null ? t[0]
                    : (t[0] != null ? t[0] : Tensor.zeros(t[2].device(), c.inputShape(0))).scatterAdd(p.axis, c.saved(0), t[2]));

    /**
     * Whole slices of x along the axis, picked by a 1-D index: gather by the index broadcast over the
     * other axes (a view: no index copy). VJP: index-add, g scattered into zeros of x's shape by the same
     * broadcast view, the sparse-friendly backward an embedding wants; JVP: the tangent's slices.
     */
    static final Op<Integer> INDEX_SELECT = Op.of("index_select", (axis, saved, in) -> {
        saved.save(in[1]);
        return indexSelect(axis, in[0], in[1]);
    }, (axis, c, g) -> new Tensor[] {indexAdd(c.inputShape(0), axis, c.saved(0), g), null},
            (axis, c, t) -> t[0] == null ? null : t[0].indexSelect(axis, c.saved(0)));

    /**
     * cond ≠ 0 ? a : b, broadcasting as the binary ops: a pick, no arithmetic, so a NaN or infinity in
     * the branch not taken never reaches the output (a·mask + b·(1 − mask) would carry it: 0·NaN is
     * NaN). VJP: where(cond, g, 0) to a and where(cond, 0, g) to b, summed to their shapes; the
     * condition gets none (piecewise constant).
     */
    static final Op<Void> WHERE = Op.of("where", (none, saved, in) -> {
        saved.save(in[0]);
        return select(in[0], in[1], in[2]);
    }, (none, c, g) -> {
        Tensor zero = Tensor.scalar(g.device(), 0f);
        return new Tensor[] {null,
                c.needsGrad(1) ? Elementwise.sumTo(Tensor.where(c.saved(0), g, zero), c.inputShape(1)) : null,
                c.needsGrad(2) ? Elementwise.sumTo(Tensor.where(c.saved(0), zero, g), c.inputShape(2)) : null};
    }, (none, c, t) -> t[1] == null && t[2] == null ? null : Tensor.where(c.saved(0),
            t[1] != null ? t[1] : Tensor.scalar(c.inputDevice(1), 0f), t[2] != null ? t[2] : Tensor.scalar(c.inputDevice(2), 0f)));

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(GATHER, SCATTER_ADD, INDEX_SELECT, WHERE);

    // ------------------------------------------------------------------ the public entries

    /** {@link Tensor#gather}: checks the shapes, slices x to the index's extents off the axis (a view), gathers. */
    static Tensor gather(Tensor x, int axis, Tensor index) {
        int a = shapes("gather", x, index, axis);
        if (fits(x.shape, index.shape, a)) {
            return GATHER.apply(new Along(a, x.shape), x, index);
        }
        try (Scope scope = Scope.open()) {
            Tensor xs = x;
            for (int d = 0; d < x.shape.length; d++) {
                if (d != a && index.shape[d] < x.shape[d]) {
                    xs = xs.slice(d, 0, index.shape[d], 1);
                }
            }
            return scope.keep(GATHER.apply(new Along(a, x.shape), xs, index));
        }
    }

    /**
     * {@link Tensor#scatterAdd}: checks the shapes; src larger than the index is sliced to it (as
     * PyTorch reads only its first elements); x larger than the index off the axis gets the scattered
     * sum on that corner, zero-padded to x's shape and added.
     */
    static Tensor scatterAdd(Tensor x, int axis, Tensor index, Tensor src) {
        int a = shapes("scatter_add", x, index, axis);
        src.checkOpen("scatter_add");
        Tensor.sameDevice("scatter_add", index, src);
        boolean srcFits = src.dim() == index.dim();
        for (int d = 0; srcFits && d < index.dim(); d++) {
            srcFits = index.shape[d] <= src.shape[d];
        }
        if (!srcFits) {
            throw new IllegalArgumentException("scatter_add: src " + Shape.format(src.shape) + " is smaller than index "
                    + Shape.format(index.shape) + " (or of another rank); src needs at least the index's size on every axis");
        }
        try (Scope scope = Scope.open()) {
            Tensor s = src;
            for (int d = 0; d < src.dim(); d++) {
                if (index.shape[d] < src.shape[d]) {
                    s = s.slice(d, 0, index.shape[d], 1);
                }
            }
            if (fits(x.shape, index.shape, a)) {
                return scope.keep(SCATTER_ADD.apply(new Along(a, x.shape), x, index, s));
            }
            int[] corner = index.shape.clone();
            corner[a] = x.shape[a];
            Tensor sum = SCATTER_ADD.apply(new Along(a, x.shape), Tensor.zeros(x.device(), corner), index, s);
            for (int d = 0; d < x.dim(); d++) {
                if (corner[d] < x.shape[d]) {
                    sum = sum.pad(d, 0, x.shape[d] - corner[d], Padding.ZEROS);
                }
            }
            return scope.keep(x.add(sum));
        }
    }

    /** One rank, one device, an axis of x, and the index no larger than x off the axis; returns the axis. */
    private static int shapes(String op, Tensor x, Tensor index, int axis) {
        x.checkOpen(op);
        index.checkOpen(op);
        Tensor.sameDevice(op, x, index);
        if (x.dim() == 0) {
            throw new IllegalArgumentException(op + ": tensor " + Shape.format(x.shape) + " is a scalar; it has no axis"
                    + " to index along (reshape it to [1])");
        }
        int a = Shape.axis(op, axis, x.shape);
        if (index.dim() != x.dim()) {
            throw new IllegalArgumentException(op + ": index " + Shape.format(index.shape) + " has " + index.dim()
                    + " axes and the tensor " + Shape.format(x.shape) + " " + x.dim() + "; the index has the tensor's rank"
                    + " (for whole slices by a 1-D index, use indexSelect)");
        }
        for (int d = 0; d < x.dim(); d++) {
            if (d != a && index.shape[d] > x.shape[d]) {
                throw new IllegalArgumentException(op + ": index " + Shape.format(index.shape) + " is larger than the"
                        + " tensor " + Shape.format(x.shape) + " on axis " + d + "; off axis " + a + " the index's sizes"
                        + " must not exceed the tensor's");
            }
        }
        return a;
    }

    /** Whether the index has x's extents on every axis but {@code a}. */
    private static boolean fits(int[] x, int[] index, int a) {
        for (int d = 0; d < x.length; d++) {
            if (d != a && index[d] != x[d]) {
                return false;
            }
        }
        return true;
    }

    // ------------------------------------------------------------------ forwards (no graph)

    private static Tensor gather(Along p, Tensor x, Tensor index) {
        int a = p.axis;
        shapes("gather", x, index, a);
        if (!fits(x.shape, index.shape, a)) {
            throw new IllegalArgumentException("gather: index " + Shape.format(index.shape) + " and the tensor "
                    + Shape.format(x.shape) + " differ off axis " + a + " (Tensor.gather slices the tensor first)");
        }
        if (index.numel() == 0) {
            return Tensor.empty(x.device(), index.shape.clone());
        }
        checkOnHost("gather", a, p.shown, index, false);
        Fibers f = Fibers.of(index.shape, a);
        Tensor out = Tensor.empty(x.device(), index.shape.clone());
        try (Tensor xc = contiguous("gather", x); IndexView iv = IndexView.of("gather", index, index.shape, a)) {
            x.device().gather(f.outer, x.shape[a], f.inner, f.m, xc.buffer(), xc.offset, iv.t.buffer(), iv.t.offset,
                    iv.strides, out.buffer(), 0);
        } catch (IndexException e) {
            out.close();
            throw badIndex("gather", a, p.shown, index.shape, unravel(e.position(), index.shape), e.value());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    private static Tensor scatter(Along p, Tensor x, Tensor index, Tensor src) {
        int a = p.axis;
        shapes("scatter_add", x, index, a);
        Tensor.sameDevice("scatter_add", x, src);
        if (!java.util.Arrays.equals(index.shape, src.shape) || !fits(x.shape, index.shape, a)) {
            throw new IllegalArgumentException("scatter_add: index " + Shape.format(index.shape) + " and src "
                    + Shape.format(src.shape) + " must have one shape, the tensor's " + Shape.format(x.shape)
                    + " off axis " + a);
        }
        Tensor out = Elementwise.unary("scatter_add", UnaryOp.COPY, 0f, x);
        if (index.numel() == 0) {
            return out;
        }
        Fibers f = Fibers.of(index.shape, a);
        try {
            checkOnHost("scatter_add", a, p.shown, index, false);
            try (Tensor sc = contiguous("scatter_add", src); IndexView iv = IndexView.of("scatter_add", index, index.shape, a)) {
                x.device().scatterAdd(f.outer, x.shape[a], f.inner, f.m, iv.t.buffer(), iv.t.offset, iv.strides,
                        sc.buffer(), sc.offset, out.buffer(), 0);
            }
        } catch (IndexException e) {
            out.close();
            throw badIndex("scatter_add", a, p.shown, index.shape, unravel(e.position(), index.shape), e.value());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    private static Tensor indexSelect(int axis, Tensor x, Tensor index) {
        x.checkOpen("index_select");
        index.checkOpen("index_select");
        Tensor.sameDevice("index_select", x, index);
        int a = selectAxis(x, index, axis);
        int[] shape = x.shape.clone();
        shape[a] = index.shape[0];
        if (Shape.numel(shape) == 0) {
            return Tensor.empty(x.device(), shape);
        }
        checkOnHost("index_select", a, x.shape, index, true);
        Fibers f = Fibers.of(shape, a);
        Tensor out = Tensor.empty(x.device(), shape);
        try (Tensor xc = contiguous("index_select", x); Tensor ic = index.view("index_select", index.offset,
                index.shape.clone(), index.strides.clone())) {
            x.device().gather(f.outer, x.shape[a], f.inner, f.m, xc.buffer(), xc.offset, ic.buffer(), ic.offset,
                    new long[] {0, index.strides[0], 0}, out.buffer(), 0);
        } catch (IndexException e) {
            out.close();
            throw badIndex("index_select", a, x.shape, index.shape, new int[] {(int) (e.position() / f.inner % f.m)},
                    e.value());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** index_select's axis of x, the index 1-D; returns the axis. */
    private static int selectAxis(Tensor x, Tensor index, int axis) {
        if (x.dim() == 0) {
            throw new IllegalArgumentException("index_select: tensor " + Shape.format(x.shape) + " is a scalar; it has"
                    + " no axis to select along (reshape it to [1])");
        }
        int a = Shape.axis("index_select", axis, x.shape);
        if (index.dim() != 1) {
            throw new IllegalArgumentException("index_select: index " + Shape.format(index.shape) + " has " + index.dim()
                    + " axes; it is a 1-D list of positions along axis " + a + " of " + Shape.format(x.shape)
                    + " (reshape it to [" + index.numel() + "], or use gather for one index per element)");
        }
        return a;
    }

    /**
     * index_select's VJP: zeros of x's shape with g's slices added at the rows the index names, by
     * scatter_add through the index broadcast to g's shape (a view of the 1-D index, no copy).
     */
    private static Tensor indexAdd(int[] xShape, int axis, Tensor index, Tensor g) {
        int a = axis < 0 ? axis + xShape.length : axis;
        int[] lifted = new int[g.dim()];
        java.util.Arrays.fill(lifted, 1);
        lifted[a] = index.shape[0];
        return Tensor.zeros(g.device(), xShape).scatterAdd(a, index.reshape(lifted).expand(g.shape), g);
    }

    private static Tensor select(Tensor c, Tensor a, Tensor b) {
        c.checkOpen("where");
        Tensor.sameDevice("where", c, a);
        Tensor.sameDevice("where", c, b);
        int[] shape;
        try {
            shape = Shape.broadcast("where", c.shape, Shape.broadcast("where", a.shape, b.shape));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("where: condition " + Shape.format(c.shape) + ", a " + Shape.format(a.shape)
                    + " and b " + Shape.format(b.shape) + " cannot be broadcast together (" + e.getMessage() + ")");
        }
        c.pin("where");
        try {
            Tensor.pin("where", a, b);
            try {
                Tensor out = Tensor.empty(c.device(), shape);
                c.device().select(shape, c.buffer(), c.offset, Shape.broadcastStrides(c.shape, c.strides, shape),
                        a.buffer(), a.offset, Shape.broadcastStrides(a.shape, a.strides, shape),
                        b.buffer(), b.offset, Shape.broadcastStrides(b.shape, b.strides, shape), out.buffer(), 0);
                return out;
            } finally {
                Tensor.unpin(a, b);
            }
        } finally {
            c.unpin();
        }
    }

    // ------------------------------------------------------------------ pieces

    /** A tensor's elements as contiguous memory: a new view of it, or a copy; either holds the memory until closed. */
    private static Tensor contiguous(String op, Tensor t) {
        return t.isContiguous() ? t.view(op, t.offset, t.shape.clone(), Shape.contiguousStrides(t.shape))
                : Elementwise.unary(op, UnaryOp.COPY, 0f, t);
    }

    /** A shape walked as [outer][m][inner] around axis {@code a}. */
    private record Fibers(int outer, int m, int inner) {
        static Fibers of(int[] shape, int a) {
            int outer = 1;
            int inner = 1;
            for (int d = 0; d < a; d++) {
                outer *= shape[d];
            }
            for (int d = a + 1; d < shape.length; d++) {
                inner *= shape[d];
            }
            return new Fibers(outer, shape[a], inner);
        }
    }

    /**
     * An index as the device reads it: a view of it with its [outer, m, inner] strides when the axes
     * before and after {@code a} merge into one stride each (a contiguous index, or one broadcast by
     * expand), else a contiguous copy. Either holds the index's memory until closed.
     */
    private record IndexView(Tensor t, long[] strides) implements AutoCloseable {
        static IndexView of(String op, Tensor index, int[] shape, int a) {
            long outer = merged(shape, index.strides, 0, a);
            long inner = merged(shape, index.strides, a + 1, shape.length);
            if (outer != Long.MIN_VALUE && inner != Long.MIN_VALUE) {
                return new IndexView(index.view(op, index.offset, index.shape.clone(), index.strides.clone()),
                        new long[] {outer, index.strides[a], inner});
            }
            Tensor c = Elementwise.unary(op, UnaryOp.COPY, 0f, index);
            Fibers f = Fibers.of(shape, a);
            return new IndexView(c, new long[] {(long) f.m * f.inner, f.inner, 1});
        }

        /** The one stride that walks axes [from, to) as a single row-major axis, 0 if all are size 1, else MIN_VALUE. */
        private static long merged(int[] shape, long[] strides, int from, int to) {
            long stride = 0;
            long next = 0;      // the stride the next axis out must have
            boolean first = true;
            for (int d = to - 1; d >= from; d--) {
                if (shape[d] == 1) {
                    continue;
                }
                if (first) {
                    stride = strides[d];
                    first = false;
                } else if (strides[d] != next) {
                    return Long.MIN_VALUE;
                }
                next = strides[d] * shape[d];
            }
            return stride;
        }

        @Override
        public void close() {
            t.close();
        }
    }

    /**
     * In anomaly mode, the index checked on the host before the kernel (every backend then names a bad
     * index, as the CPU always does); otherwise nothing: see the class comment.
     */
    private static void checkOnHost(String op, int a, int[] xShape, Tensor index, boolean slices) {
        if (!Anomaly.on) {
            return;
        }
        float[] v = index.toArray();
        for (int k = 0; k < v.length; k++) {
            if (!IndexException.valid(v[k], xShape[a])) {
                throw badIndex(op, a, xShape, index.shape, slices ? new int[] {k} : unravel(k, index.shape), v[k]);
            }
        }
    }

    /** The error for a bad index, in the user's terms: op, value, where it sits in the index, axis and what is valid. */
    private static IllegalArgumentException badIndex(String op, int a, int[] xShape, int[] indexShape, int[] at, float v) {
        int n = xShape[a];
        return new IllegalArgumentException(op + ": index " + v + " at " + Shape.format(at) + " of index "
                + Shape.format(indexShape) + " is not a whole number in [0, " + n + "): axis " + a + " of the tensor "
                + Shape.format(xShape) + " has " + n + (n == 1 ? " entry" : " entries"));
    }

    private static int[] unravel(long flat, int[] shape) {
        int[] at = new int[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            at[d] = (int) (flat % shape[d]);
            flat /= shape[d];
        }
        return at;
    }
}
