package dev.adjoint.tensor;

import dev.adjoint.device.Device;
import dev.adjoint.device.DType;
import dev.adjoint.device.UnaryOp;
import java.util.List;

/**
 * Operations that reinterpret memory without copying it (reshape, transpose, slice, expand), the
 * copies (copy, contiguous, to a device) and detach. All are linear, so each JVP is the op itself.
 */
final class Views {
    private Views() {}

    static final Op<int[]> RESHAPE = Op.<int[]>linear("reshape", (target, saved, in) -> reshape(in[0], target),
            (target, c, g) -> new Tensor[] {g.reshape(c.inputShape(0))}).takingAnyDtype();
    /** Swaps axes {@code [a, b]}. */
    static final Op<int[]> TRANSPOSE = Op.<int[]>linear("transpose", (axes, saved, in) -> transpose(in[0], axes[0], axes[1]),
            (axes, c, g) -> new Tensor[] {g.transpose(axes[0], axes[1])}).takingAnyDtype();
    /** Rows {@code [start, end)} along axis 0. */
    static final Op<int[]> SLICE = Op.<int[]>linear("slice", (rows, saved, in) -> slice(in[0], rows[0], rows[1]),
            (rows, c, g) -> new Tensor[] {intoRows(g, c.inputShape(0), rows[0])}).takingAnyDtype();
    static final Op<int[]> EXPAND = Op.<int[]>linear("expand", (target, saved, in) -> expand(in[0], target),
            (target, c, g) -> new Tensor[] {Elementwise.sumTo(g, c.inputShape(0))}).takingAnyDtype();
    /**
     * The values as another dtype ({@link Tensor#to(DType)}): a contiguous copy converted by the
     * device, or a new view for the same dtype. Gradients are F32 whatever the dtype, and the
     * rounding counts as the identity: the VJP passes the gradient on (as F32), the JVP converts
     * the tangent.
     */
    static final Op<DType> CAST = Op.<DType>linear("to(dtype)", (dtype, saved, in) -> cast(in[0], dtype),
            (dtype, c, g) -> new Tensor[] {g.dtype() == DType.F32 ? g : cast(g, DType.F32)}).takingAnyDtype();
    /** A contiguous copy with its own memory; the gradient passes through unchanged. */
    static final Op<Void> COPY = Op.linear("copy", (none, saved, in) -> Elementwise.unary("copy", UnaryOp.COPY, 0f, in[0]),
            (none, c, g) -> new Tensor[] {g});
    /** A new view of a tensor that is already contiguous ({@link #contiguous} copies one that is not). */
    static final Op<Void> CONTIGUOUS = Op.linear("contiguous", (none, saved, in) -> in[0].view("contiguous",
            in[0].offset, in[0].shape.clone(), Shape.contiguousStrides(in[0].shape)), (none, c, g) -> new Tensor[] {g});
    /** The values on another device: a copy, whose gradient goes back to the first device. */
    static final Op<Device> TO = Op.linear("to", (target, saved, in) -> Tensor.of(target, in[0].toArray(), in[0].shape),
            (target, c, g) -> new Tensor[] {g.to(c.inputDevice(0))});
    static final Op<Void> DETACH = Op.<Void>constant("detach",
            (none, saved, in) -> in[0].view("detach", in[0].offset, in[0].shape.clone(), in[0].strides.clone()),
            "it cuts the graph: its result is a leaf, by definition").takingAnyDtype();

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(RESHAPE, TRANSPOSE, SLICE, EXPAND, COPY, CONTIGUOUS, TO, CAST, DETACH);

    /**
     * {@code x} as {@code dtype}, with no graph: a new view for the same dtype, else a contiguous
     * tensor that the device converts into (an F32 view that is not contiguous is copied first).
     */
    static Tensor cast(Tensor x, DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("to: a dtype is required (F32, BF16 or F16)");
        }
        x.checkOpen("to");
        if (x.dtype() == dtype) {
            return x.view("to", x.offset, x.shape.clone(), x.strides.clone());
        }
        if (!x.isContiguous()) {
            if (x.dtype() != DType.F32) {
                throw new IllegalArgumentException("to(" + dtype + "): tensor " + Shape.format(x.shape) + " is a " + x.dtype()
                        + " view that is not contiguous (strides " + java.util.Arrays.toString(x.strides) + "); convert"
                        + " the contiguous " + x.dtype() + " tensor it views, then take the view");
            }
            try (Tensor c = Elementwise.unary("to", UnaryOp.COPY, 0f, x)) {
                return cast(c, dtype);
            }
        }
        Tensor out = Tensor.empty(x.device(), x.shape.clone(), dtype);
        x.pin("to");
        try {
            x.device().convert(x.buffer(), x.offset, out.buffer(), 0, x.numel());
        } catch (RuntimeException e) {
            out.close();
            throw e;
        } finally {
            x.unpin();
        }
        return out;
    }

    /** This tensor if it is already contiguous (as a new view), else a copy. */
    static Tensor contiguous(Tensor x) {
        return (x.isContiguous() ? CONTIGUOUS : COPY).apply(null, x);
    }

    private static Tensor reshape(Tensor x, int[] target) {
        x.checkOpen("reshape");
        int[] shape = Shape.inferReshape("reshape", x.shape, target);
        if (x.isContiguous()) {
            return x.view("reshape", x.offset, shape, Shape.contiguousStrides(shape));
        }
        try (Tensor c = Elementwise.unary("reshape", UnaryOp.COPY, 0f, x)) {
            return c.view("reshape", c.offset, shape, Shape.contiguousStrides(shape));
        }
    }

    private static Tensor transpose(Tensor x, int axis0, int axis1) {
        x.checkOpen("transpose");
        int a = Shape.axis("transpose", axis0, x.shape);
        int b = Shape.axis("transpose", axis1, x.shape);
        int[] shape = x.shape.clone();
        long[] strides = x.strides.clone();
        shape[a] = x.shape[b];
        shape[b] = x.shape[a];
        strides[a] = x.strides[b];
        strides[b] = x.strides[a];
        return x.view("transpose", x.offset, shape, strides);
    }

    private static Tensor slice(Tensor x, int start, int end) {
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
        return x.view("slice", x.offset + start * x.strides[0], shape, x.strides.clone());
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

    private static Tensor expand(Tensor x, int[] target) {
        x.checkOpen("expand");
        int[] shape = Shape.check("expand", target);
        int[] b = Shape.broadcast("expand", x.shape, shape);
        if (!java.util.Arrays.equals(b, shape)) {
            throw new IllegalArgumentException("expand: " + Shape.format(x.shape) + " cannot be expanded to "
                    + Shape.format(shape) + " (it would broadcast to " + Shape.format(b) + ")");
        }
        return x.view("expand", x.offset, shape, Shape.broadcastStrides(x.shape, x.strides, shape));
    }
}
