package dev.adjoint.tensor;

import dev.adjoint.device.Device;
import dev.adjoint.device.DType;
import dev.adjoint.device.UnaryOp;
import java.util.List;

/**
 * Operations that reinterpret memory without copying it (reshape, transpose, permute, slice, expand), the
 * copies (copy, contiguous, to a device, cat) and detach. All are linear, so each JVP is the op itself
 * (cat's: the inputs' tangents concatenated).
 */
final class Views {
    private Views() {}

    static final Op<int[]> RESHAPE = Op.<int[]>linear("reshape", (target, saved, in) -> reshape(in[0], target),
            (target, c, g) -> new Tensor[] {g.reshape(c.inputShape(0))}).takingAnyDtype();
    /** Swaps axes {@code [a, b]}. */
    static final Op<int[]> TRANSPOSE = Op.<int[]>linear("transpose", (axes, saved, in) -> transpose(in[0], axes[0], axes[1]),
            (axes, c, g) -> new Tensor[] {g.transpose(axes[0], axes[1])}).takingAnyDtype();
    /** Axes in the order {@code dims} gives: output axis i is input axis dims[i]. */
    static final Op<int[]> PERMUTE = Op.<int[]>linear("permute", (dims, saved, in) -> permute(in[0], dims),
            (dims, c, g) -> new Tensor[] {g.permute(inverse(dims, c.inputShape(0).length))}).takingAnyDtype();
    /** {@code {axis, start, end, step}}: indices start, start + step, ... below end along the axis. */
    static final Op<int[]> SLICE = Op.<int[]>linear("slice", (a, saved, in) -> slice(in[0], a[0], a[1], a[2], a[3]),
            (a, c, g) -> new Tensor[] {intoSlice(g, c.inputShape(0), a)}).takingAnyDtype();
    /**
     * The inputs joined along an axis, each whole, in order: copies through the COPY primitive (along
     * axis 0 straight into the output; along another through a permuted copy). Its VJP slices the
     * gradient back; its JVP concatenates the tangents (zeros for an input without one).
     */
    static final Op<Integer> CAT = Op.<Integer>of("cat", (axis, saved, in) -> cat(in, axis),
            (axis, c, g) -> unjoin(g, c, axis),
            (axis, c, t) -> {
                Tensor[] parts = new Tensor[t.length];
                for (int i = 0; i < t.length; i++) {
                    parts[i] = t[i] != null ? t[i] : Tensor.zeros(c.inputDevice(i), c.inputShape(i));
                }
                return Tensor.cat(List.of(parts), axis);
            });
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
    static final List<Op<?>> OPS = List.of(RESHAPE, TRANSPOSE, PERMUTE, SLICE, EXPAND, COPY, CONTIGUOUS, TO, CAST, DETACH,
            CAT);

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

    private static Tensor permute(Tensor x, int[] dims) {
        x.checkOpen("permute");
        int rank = x.shape.length;
        if (dims.length != rank) {
            throw new IllegalArgumentException("permute: " + java.util.Arrays.toString(dims) + " names " + dims.length
                    + " axes, and tensor " + Shape.format(x.shape) + " has " + rank);
        }
        int[] shape = new int[rank];
        long[] strides = new long[rank];
        boolean[] seen = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int a = Shape.axis("permute", dims[i], x.shape);
            if (seen[a]) {
                throw new IllegalArgumentException("permute: " + java.util.Arrays.toString(dims) + " names axis " + a
                        + " twice; give each axis of " + Shape.format(x.shape) + " once");
            }
            seen[a] = true;
            shape[i] = x.shape[a];
            strides[i] = x.strides[a];
        }
        return x.view("permute", x.offset, shape, strides);
    }

    /** The permutation that undoes {@code dims} (negative axes counted from the end of {@code rank}). */
    private static int[] inverse(int[] dims, int rank) {
        int[] inv = new int[rank];
        for (int i = 0; i < rank; i++) {
            inv[dims[i] < 0 ? dims[i] + rank : dims[i]] = i;
        }
        return inv;
    }

    private static Tensor slice(Tensor x, int axis, int start, int end, int step) {
        x.checkOpen("slice");
        if (x.shape.length == 0) {
            throw new IllegalArgumentException("slice: tensor " + Shape.format(x.shape) + " is a scalar and has no rows to slice");
        }
        int a = Shape.axis("slice", axis, x.shape);
        if (step < 1) {
            throw new IllegalArgumentException("slice: step " + step + " on axis " + a + " of a tensor "
                    + Shape.format(x.shape) + " (a step is 1 or more)");
        }
        if (start < 0 || end > x.shape[a] || start > end) {
            throw new IllegalArgumentException("slice: " + (a == 0 ? "rows" : "indices on axis " + a) + " [" + start
                    + ", " + end + ") are not within [0, " + x.shape[a] + "] of a tensor " + Shape.format(x.shape));
        }
        int[] shape = x.shape.clone();
        shape[a] = (end - start + step - 1) / step;
        long[] strides = x.strides.clone();
        strides[a] = x.strides[a] * step;
        return x.view("slice", x.offset + start * x.strides[a], shape, strides);
    }

    /**
     * Zeros of the input's shape with g written where the slice {@code {axis, start, end, step}} took its values:
     * the gradient of a slice. Along axis 0 with step 1 one copy into rows; otherwise composed of cat: g spread
     * {@code step} apart (zeros between), then zeros before and after.
     */
    private static Tensor intoSlice(Tensor g, int[] inShape, int[] slice) {
        int a = slice[0] < 0 ? slice[0] + inShape.length : slice[0];
        int start = slice[1];
        int step = slice[3];
        if (a == 0 && step == 1) {
            return intoRows(g, inShape, start);
        }
        int n = g.shape[a];
        Tensor spread = g;
        try (Scope scope = Scope.open()) {
            if (step > 1 && n > 0) {
                int[] one = insert(g.shape, a + 1, 1);
                int[] gaps = insert(g.shape, a + 1, step - 1);
                Tensor wide = Tensor.cat(List.of(g.reshape(one), Tensor.zeros(g.device(), gaps)), a + 1);
                int[] flat = g.shape.clone();
                flat[a] = n * step;
                spread = wide.reshape(flat).slice(a, 0, (n - 1) * step + 1, 1);
            }
            int[] before = inShape.clone();
            before[a] = start;
            int[] after = inShape.clone();
            after[a] = inShape[a] - start - spread.shape[a];
            Tensor out = Tensor.cat(List.of(Tensor.zeros(g.device(), before), spread, Tensor.zeros(g.device(), after)), a);
            return scope.keep(out);
        }
    }

    /** {@code shape} with an axis of {@code size} inserted at {@code at}. */
    static int[] insert(int[] shape, int at, int size) {
        int[] out = new int[shape.length + 1];
        System.arraycopy(shape, 0, out, 0, at);
        out[at] = size;
        System.arraycopy(shape, at, out, at + 1, shape.length - at);
        return out;
    }

    /** The inputs joined along {@code axis} into a new contiguous tensor, with no graph. */
    private static Tensor cat(Tensor[] in, int axis) {
        if (in.length == 0) {
            throw new IllegalArgumentException("cat: no tensors to join");
        }
        Tensor first = in[0];
        first.checkOpen("cat");
        if (first.shape.length == 0) {
            throw new IllegalArgumentException("cat: tensor 0 is a scalar " + Shape.format(first.shape)
                    + ", which has no axis to join along; stack scalars instead");
        }
        int a = Shape.axis("cat", axis, first.shape);
        int[] shape = first.shape.clone();
        shape[a] = 0;
        for (int i = 0; i < in.length; i++) {
            Tensor x = in[i];
            x.checkOpen("cat");
            Tensor.sameDevice("cat", first, x);
            boolean fits = x.shape.length == first.shape.length;
            for (int k = 0; fits && k < x.shape.length; k++) {
                fits = k == a || x.shape[k] == first.shape[k];
            }
            if (!fits) {
                throw new IllegalArgumentException("cat: tensor " + i + " " + Shape.format(x.shape) + " does not match"
                        + " tensor 0 " + Shape.format(first.shape) + " on every axis but axis " + a);
            }
            shape[a] += x.shape[a];
        }
        if (a == 0) {
            Tensor out = Tensor.empty(first.device(), shape, first.dtype());
            long at = 0;
            for (Tensor x : in) {
                if (x.numel() > 0) {
                    Tensor.pin("cat", out, x);
                    try {
                        out.device().unary(UnaryOp.COPY, 0f, x.shape, x.buffer(), x.offset, x.strides, out.buffer(),
                                out.offset + at);
                    } finally {
                        Tensor.unpin(out, x);
                    }
                }
                at += x.numel();
            }
            return out;
        }
        // along another axis: bring it to the front (views), join along axis 0, put it back, copy contiguous
        int rank = shape.length;
        int[] front = new int[rank];
        front[0] = a;
        for (int k = 0, j = 1; k < rank; k++) {
            if (k != a) {
                front[j++] = k;
            }
        }
        Tensor[] moved = new Tensor[in.length];
        try {
            for (int i = 0; i < in.length; i++) {
                moved[i] = permute(in[i], front);
            }
            try (Tensor joined = cat(moved, 0); Tensor back = permute(joined, inverse(front, rank))) {
                return Elementwise.unary("cat", UnaryOp.COPY, 0f, back);
            }
        } finally {
            for (Tensor m : moved) {
                if (m != null) {
                    m.close();
                }
            }
        }
    }

    /** The gradient of cat: g's slice along the axis for each input. */
    private static Tensor[] unjoin(Tensor g, Context c, int axis) {
        int a = axis < 0 ? axis + g.shape.length : axis;
        Tensor[] out = new Tensor[c.inputCount()];
        int at = 0;
        for (int i = 0; i < out.length; i++) {
            int len = c.inputShape(i)[a];
            out[i] = g.slice(a, at, at + len, 1);
            at += len;
        }
        return out;
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
