package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.ReduceOp;

/**
 * Sum, mean, max, min and argmax over all elements or along one axis. Backward: sum and mean
 * broadcast the gradient back; max and min route it to the extreme elements (split evenly among
 * ties, as PyTorch's amax does); argmax has no gradient.
 */
final class Reductions {
    private Reductions() {}

    static Tensor sum(Tensor x) {
        return all("sum", ReduceOp.SUM, x);
    }

    static Tensor mean(Tensor x) {
        return all("mean", ReduceOp.MEAN, x);
    }

    static Tensor max(Tensor x) {
        return all("max", ReduceOp.MAX, x);
    }

    static Tensor min(Tensor x) {
        return all("min", ReduceOp.MIN, x);
    }

    static Tensor sum(Tensor x, int axis, boolean keepDims) {
        return along("sum", ReduceOp.SUM, x, axis, keepDims);
    }

    static Tensor mean(Tensor x, int axis, boolean keepDims) {
        return along("mean", ReduceOp.MEAN, x, axis, keepDims);
    }

    static Tensor max(Tensor x, int axis, boolean keepDims) {
        return along("max", ReduceOp.MAX, x, axis, keepDims);
    }

    static Tensor min(Tensor x, int axis, boolean keepDims) {
        return along("min", ReduceOp.MIN, x, axis, keepDims);
    }

    /** Indices of the maxima: not differentiable, so no node is recorded. */
    static Tensor argmax(Tensor x, int axis) {
        x.checkOpen("argmax");
        int a = Shape.axis("argmax", axis, x.shape);
        return reduce("argmax", ReduceOp.ARGMAX, x, a, false);
    }

    private static Tensor all(String name, ReduceOp op, Tensor x) {
        x.checkOpen(name);
        // Over all elements: view x as one axis and reduce it.
        int[] flat = {(int) x.numel()};
        Tensor out = reduceBlock(name, op, x, 1, flat[0], 1, new int[0]);
        return record(name, op, x, out, x.shape.length == 0 ? new int[0] : ones(x.shape.length));
    }

    private static Tensor along(String name, ReduceOp op, Tensor x, int axis, boolean keepDims) {
        x.checkOpen(name);
        int a = Shape.axis(name, axis, x.shape);
        Tensor out = reduce(name, op, x, a, keepDims);
        int[] kept = x.shape.clone();
        kept[a] = 1;
        return record(name, op, x, out, kept);
    }

    /** Records the backward; {@code kept} is the output's shape with reduced axes as size 1. */
    private static Tensor record(String name, ReduceOp op, Tensor x, Tensor out, int[] kept) {
        int[] shape = x.shape.clone();
        long n = Shape.numel(shape) / Math.max(1, Shape.numel(kept));
        return Autograd.record(out, name, new Tensor[] {x}, new Tensor[] {x, out}, (ctx, g) -> {
            Tensor gk = g.reshape(kept);
            return new Tensor[] {switch (op) {
                case SUM -> gk.expand(shape);
                case MEAN -> gk.mul(1f / n).expand(shape);
                default -> {
                    Tensor hit = Elementwise.binary(name + " backward", BinaryOp.EQUAL, 0f, ctx.saved(0),
                            ctx.saved(1).reshape(kept));
                    Tensor count = kept.length == 0 ? hit.sum() : sumOver(hit, shape, kept);
                    yield hit.mul(gk.div(count));
                }
            }};
        });
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
