package dev.adjoint.tensor;

/** Operations that reinterpret memory without copying it: reshape, transpose, slice, expand. */
final class Views {
    private Views() {}

    static Tensor reshape(Tensor x, int[] target) {
        x.checkOpen("reshape");
        int[] shape = Shape.inferReshape("reshape", x.shape, target);
        if (x.isContiguous()) {
            return x.view(x.offset, shape, Shape.contiguousStrides(shape));
        }
        try (Tensor c = x.copy()) {
            return c.view(c.offset, shape, Shape.contiguousStrides(shape));
        }
    }

    static Tensor transpose(Tensor x, int axis0, int axis1) {
        int a = Shape.axis("transpose", axis0, x.shape.length);
        int b = Shape.axis("transpose", axis1, x.shape.length);
        int[] shape = x.shape.clone();
        long[] strides = x.strides.clone();
        shape[a] = x.shape[b];
        shape[b] = x.shape[a];
        strides[a] = x.strides[b];
        strides[b] = x.strides[a];
        return x.view(x.offset, shape, strides);
    }

    static Tensor slice(Tensor x, int start, int end) {
        if (x.shape.length == 0) {
            throw new IllegalArgumentException("slice: a scalar has no rows to slice");
        }
        if (start < 0 || end > x.shape[0] || start > end) {
            throw new IllegalArgumentException("slice: rows [" + start + ", " + end + ") are not within [0, "
                    + x.shape[0] + "] of a tensor " + Shape.format(x.shape));
        }
        int[] shape = x.shape.clone();
        shape[0] = end - start;
        return x.view(x.offset + start * x.strides[0], shape, x.strides.clone());
    }

    static Tensor expand(Tensor x, int[] target) {
        int[] shape = Shape.check("expand", target);
        int[] b = Shape.broadcast("expand", x.shape, shape);
        if (!java.util.Arrays.equals(b, shape)) {
            throw new IllegalArgumentException("expand: " + Shape.format(x.shape) + " cannot be expanded to "
                    + Shape.format(shape) + " (it would broadcast to " + Shape.format(b) + ")");
        }
        return x.view(x.offset, shape, Shape.broadcastStrides(x.shape, x.strides, shape));
    }
}
