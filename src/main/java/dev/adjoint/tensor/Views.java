package dev.adjoint.tensor;

import dev.adjoint.device.UnaryOp;

/**
 * Operations that reinterpret memory without copying it (reshape, transpose, slice, expand) and
 * the explicit copy; each records how its gradient maps back.
 */
final class Views {
    private Views() {}

    static Tensor reshape(Tensor x, int[] target) {
        x.checkOpen("reshape");
        int[] shape = Shape.inferReshape("reshape", x.shape, target);
        int[] from = x.shape.clone();
        Tensor out;
        if (x.isContiguous()) {
            out = x.view("reshape", x.offset, shape, Shape.contiguousStrides(shape));
        } else {
            try (Tensor c = Elementwise.unary("reshape", UnaryOp.COPY, 0f, x)) {
                out = c.view("reshape", c.offset, shape, Shape.contiguousStrides(shape));
            }
        }
        return Autograd.record(out, "reshape", new Tensor[] {x}, new Tensor[0],
                (ctx, g) -> new Tensor[] {g.reshape(from)});
    }

    static Tensor transpose(Tensor x, int axis0, int axis1) {
        x.checkOpen("transpose");
        int a = Shape.axis("transpose", axis0, x.shape);
        int b = Shape.axis("transpose", axis1, x.shape);
        int[] shape = x.shape.clone();
        long[] strides = x.strides.clone();
        shape[a] = x.shape[b];
        shape[b] = x.shape[a];
        strides[a] = x.strides[b];
        strides[b] = x.strides[a];
        return Autograd.record(x.view("transpose", x.offset, shape, strides), "transpose", new Tensor[] {x}, new Tensor[0],
                (ctx, g) -> new Tensor[] {g.transpose(a, b)});
    }

    static Tensor slice(Tensor x, int start, int end) {
        x.checkOpen("slice");
        if (x.shape.length == 0) {
            throw new IllegalArgumentException("slice: tensor " + Shape.format(x.shape) + " is a scalar and has no rows to slice");
        }
        if (start < 0 || end > x.shape[0] || start > end) {
            throw new IllegalArgumentException("slice: rows [" + start + ", " + end + ") are not within [0, "
                    + x.shape[0] + "] of a tensor " + Shape.format(x.shape));
        }
        int[] shape = x.shape.clone();
        shape[0] = end - start;
        int[] from = x.shape.clone();
        return Autograd.record(x.view("slice", x.offset + start * x.strides[0], shape, x.strides.clone()), "slice",
                new Tensor[] {x}, new Tensor[0], (ctx, g) -> new Tensor[] {intoRows(g, from, start)});
    }

    /** Zeros of {@code shape} with g written into the rows from {@code start}: the gradient of a slice. */
    private static Tensor intoRows(Tensor g, int[] shape, int start) {
        Tensor out = Tensor.zeros(g.device(), shape);
        long row = Shape.numel(shape) / Math.max(1, shape[0]);
        try (Tensor c = g.contiguous()) {
            g.device().copy(c.buffer(), c.offset, out.buffer(), start * row, c.numel());
        }
        return out;
    }

    static Tensor expand(Tensor x, int[] target) {
        x.checkOpen("expand");
        int[] shape = Shape.check("expand", target);
        int[] b = Shape.broadcast("expand", x.shape, shape);
        if (!java.util.Arrays.equals(b, shape)) {
            throw new IllegalArgumentException("expand: " + Shape.format(x.shape) + " cannot be expanded to "
                    + Shape.format(shape) + " (it would broadcast to " + Shape.format(b) + ")");
        }
        int[] from = x.shape.clone();
        return Autograd.record(x.view("expand", x.offset, shape, Shape.broadcastStrides(x.shape, x.strides, shape)), "expand",
                new Tensor[] {x}, new Tensor[0], (ctx, g) -> new Tensor[] {Elementwise.sumTo(g, from)});
    }

    /** A contiguous copy with its own memory; the gradient passes through unchanged. */
    static Tensor copy(Tensor x) {
        return Autograd.record(Elementwise.unary("copy", UnaryOp.COPY, 0f, x), "copy", new Tensor[] {x},
                new Tensor[0], (ctx, g) -> new Tensor[] {g});
    }

    /** This tensor if it is already contiguous (as a new view), else a copy. */
    static Tensor contiguous(Tensor x) {
        if (!x.isContiguous()) {
            return copy(x);
        }
        return Autograd.record(x.view("contiguous", x.offset, x.shape.clone(), Shape.contiguousStrides(x.shape)), "contiguous",
                new Tensor[] {x}, new Tensor[0], (ctx, g) -> new Tensor[] {g});
    }
}
