package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.ReduceOp;
import java.util.List;

/**
 * Sum, mean, max, min and argmax over all elements or along one axis. Backward: sum and mean
 * broadcast the gradient back; max and min route it to the extreme elements (split evenly among
 * ties, as PyTorch's amax does); argmax has no gradient.
 */
final class Reductions {
    private Reductions() {}

    /** Where a reduction runs: along one axis, or over all elements when the argument is null. */
    record Along(int axis, boolean keepDims) {}

    static final Op<Along> SUM = Op.linear("sum", forward("sum", ReduceOp.SUM, false),
            (a, c, g) -> new Tensor[] {g.reshape(kept(a, c.inputShape(0))).expand(c.inputShape(0))});
    static final Op<Along> MEAN = Op.linear("mean", forward("mean", ReduceOp.MEAN, false),
            (a, c, g) -> new Tensor[] {g.reshape(kept(a, c.inputShape(0))).mul(1f / count(a, c.inputShape(0)))
                    .expand(c.inputShape(0))});
    static final Op<Along> MAX = extremum("max", ReduceOp.MAX);
    static final Op<Along> MIN = extremum("min", ReduceOp.MIN);
    static final Op<Integer> ARGMAX = Op.constant("argmax", (axis, saved, in) -> {
        in[0].checkOpen("argmax");
        return reduce("argmax", ReduceOp.ARGMAX, in[0], Shape.axis("argmax", axis, in[0].shape), false);
    }, "an index: piecewise constant, its derivative is zero wherever it exists");

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(SUM, MEAN, MAX, MIN, ARGMAX);

    /**
     * max and min route the derivative to the extreme elements, split evenly among ties (as
     * PyTorch's amax): VJP w·g and JVP Σ w·t, with w = [x is the extreme] / (number of them).
     */
    private static Op<Along> extremum(String name, ReduceOp op) {
        return Op.of(name, forward(name, op, true),
                (a, c, g) -> new Tensor[] {weights(name, a, c).mul(g.reshape(kept(a, c.inputShape(0))))},
                (a, c, t) -> SUM.apply(a, weights(name, a, c).mul(t[0])));
    }

    private static Tensor weights(String name, Along a, Context c) {
        int[] shape = c.inputShape(0);
        int[] kept = kept(a, shape);
        Tensor hit = Elementwise.binary(name + " backward", BinaryOp.EQUAL, 0f, c.saved(0), c.saved(1).reshape(kept));
        Tensor count = kept.length == 0 ? hit.sum() : sumOver(hit, shape, kept);
        return hit.div(count);
    }

    private static Op.Forward<Along> forward(String name, ReduceOp op, boolean saves) {
        return (a, saved, in) -> {
            Tensor x = in[0];
            x.checkOpen(name);
            Tensor out = a == null
                    ? reduceBlock(name, op, x, 1, (int) x.numel(), 1, new int[0])    // all elements as one axis
                    : reduce(name, op, x, Shape.axis(name, a.axis, x.shape), a.keepDims);
            if (saves) {
                saved.save(x, out);
            }
            return out;
        };
    }

    /** The output's shape with the reduced axes kept as size 1. */
    private static int[] kept(Along a, int[] shape) {
        if (a == null) {
            return ones(shape.length);
        }
        int[] kept = shape.clone();
        kept[Shape.axis("reduce", a.axis, shape)] = 1;
        return kept;
    }

    /** How many elements each output element reduces. */
    private static long count(Along a, int[] shape) {
        return Shape.numel(shape) / Math.max(1, Shape.numel(kept(a, shape)));
    }

    /** Sums {@code t} over the axes where {@code kept} is 1 and {@code shape} is not, keeping them. */
    private static Tensor sumOver(Tensor t, int[] shape, int[] kept) {
        Tensor r = t;
        for (int d = 0; d < shape.length; d++) {
            if (kept[d] == 1 && shape[d] != 1) {
                r = r.sum(d, true);
            }
        }
        return r;
    }

    private static int[] ones(int rank) {
        int[] s = new int[rank];
        java.util.Arrays.fill(s, 1);
        return s;
    }

    private static Tensor reduce(String name, ReduceOp op, Tensor x, int a, boolean keepDims) {
        int outer = 1;
        int inner = 1;
        for (int d = 0; d < a; d++) {
            outer *= x.shape[d];
        }
        for (int d = a + 1; d < x.shape.length; d++) {
            inner *= x.shape[d];
        }
        int[] shape;
        if (keepDims) {
            shape = x.shape.clone();
            shape[a] = 1;
        } else {
            shape = new int[x.shape.length - 1];
            for (int d = 0, j = 0; d < x.shape.length; d++) {
                if (d != a) {
                    shape[j++] = x.shape[d];
                }
            }
        }
        return reduceBlock(name, op, x, outer, x.shape[a], inner, shape);
    }

    private static Tensor reduceBlock(String name, ReduceOp op, Tensor x, int outer, int n, int inner, int[] outShape) {
        if (n == 0) {
            if (op == ReduceOp.SUM) {
                return Tensor.zeros(x.device(), outShape);
            }
            throw new IllegalArgumentException(name + ": cannot reduce an empty axis of " + Shape.format(x.shape));
        }
        Tensor out = Tensor.empty(x.device(), outShape);
        if (Shape.numel(outShape) == 0) {
            return out;
        }
        x.pin(name);
        try (Tensor c = x.isContiguous() ? null : Elementwise.unary(name, dev.adjoint.device.UnaryOp.COPY, 0f, x)) {
            Tensor in = c == null ? x : c;
            x.device().reduce(op, outer, n, inner, in.buffer(), in.offset, out.buffer(), 0);
        } finally {
            x.unpin();
        }
        return out;
    }
}
