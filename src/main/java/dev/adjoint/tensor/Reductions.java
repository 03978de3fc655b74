package dev.adjoint.tensor;

import dev.adjoint.device.ReduceOp;

/** Sum, mean, max, min and argmax over all elements or along one axis. */
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

    static Tensor argmax(Tensor x, int axis) {
        return along("argmax", ReduceOp.ARGMAX, x, axis, false);
    }

    /** Reduces every element into a scalar of shape []. */
    private static Tensor all(String name, ReduceOp op, Tensor x) {
        x.checkOpen(name);
        return reduce(name, op, x, 1, (int) x.numel(), 1, new int[0]);
    }

    private static Tensor along(String name, ReduceOp op, Tensor x, int axis, boolean keepDims) {
        x.checkOpen(name);
        int a = Shape.axis(name, axis, x.shape.length);
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
        return reduce(name, op, x, outer, x.shape[a], inner, shape);
    }

    private static Tensor reduce(String name, ReduceOp op, Tensor x, int outer, int n, int inner, int[] outShape) {
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
        try (Tensor c = x.contiguous()) {
            x.device().reduce(op, outer, n, inner, c.buffer(), c.offset, out.buffer(), 0);
        }
        return out;
    }
}
