package dev.adjoint.tensor;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.Window;

/**
 * An n-dimensional float32 array on a {@link Device}, row-major, possibly a strided view of
 * another tensor's memory (reshape, transpose, row slices and broadcasts make no copies).
 *
 * <p>Every operation returns a new tensor that owns one reference to its memory; views share
 * memory with their source, which is freed when the last of them is closed. Close tensors
 * explicitly or open a {@link Scope}. Elementwise operations broadcast as numpy does. A shape or
 * device mismatch throws {@link IllegalArgumentException} naming the operation and the shapes.
 *
 * <p>Threads (src/site/markdown/java-api.md, "Tensors and threads"): any number of threads may read a tensor at once
 * and any thread may close it. An op running when another thread closes one of its tensors
 * finishes on the values it started with (the memory is freed when the op lets go, see
 * {@link #pin}); an op that starts after the close is refused ("used after close()"). Backward
 * passes on several threads may share leaves: adding into a leaf's {@link #grad} is atomic per
 * leaf, as in PyTorch. An in-place write ({@link InPlace}, an optimizer step, gradient
 * accumulation) is one device call, atomic with respect to other threads' calls: their reads see
 * it whole or not at all; which of the two is the order the threads run in.
 */
public final class Tensor implements AutoCloseable {
    private static final java.lang.invoke.VarHandle CLOSED;

    static {
        try {
            CLOSED = java.lang.invoke.MethodHandles.lookup().findVarHandle(Tensor.class, "closed", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Storage storage;
    final long offset;
    final int[] shape;
    final long[] strides;
    private volatile boolean closed;
    final AutogradState autograd = new AutogradState(this);

    Tensor(Storage storage, long offset, int[] shape, long[] strides) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.strides = strides;
        Scope.track(this);
    }

    // ------------------------------------------------------------------ creation

    /** A new contiguous F32 tensor with uninitialised contents. */
    static Tensor empty(Device device, int[] shape) {
        return empty(device, shape, DType.F32);
    }

    /** A new contiguous tensor of {@code dtype} with uninitialised contents. */
    static Tensor empty(Device device, int[] shape, DType dtype) {
        return new Tensor(new Storage(device, Shape.numel(shape), dtype), 0, shape, Shape.contiguousStrides(shape));
    }

    /** A view of this tensor's memory for {@code op}; the view holds its own reference (a pin until it closes). */
    Tensor view(String op, long offset, int[] shape, long[] strides) {
        pin(op);
        return new Tensor(storage, offset, shape, strides);
    }

    /** A tensor holding {@code data} (row-major) with the given shape. */
    public static Tensor of(Device device, float[] data, int... shape) {
        int[] s = Shape.check("Tensor.of", shape);
        if (Shape.numel(s) != data.length) {
            throw new IllegalArgumentException("Tensor.of: " + data.length + " values do not fill shape "
                    + Shape.format(s) + " (" + Shape.numel(s) + " elements)");
        }
        Tensor t = empty(device, s);
        device.upload(data, 0, t.buffer(), 0, data.length);
        return t;
    }

    /**
     * A contiguous tensor over {@code buffer} from {@code offset}, which it does not own: closing
     * it, or any view of it, never frees the buffer. The caller keeps the buffer open while the
     * tensor is in use (e.g. the DataLoader's preallocated batch slots).
     */
    public static Tensor wrap(Device device, Buffer buffer, long offset, int... shape) {
        int[] s = Shape.check("Tensor.wrap", shape);
        if (buffer.isClosed()) {
            throw new IllegalArgumentException("Tensor.wrap: the buffer is closed");
        }
        if (offset < 0 || offset + Shape.numel(s) > buffer.length()) {
            throw new IllegalArgumentException("Tensor.wrap: shape " + Shape.format(s) + " at offset " + offset
                    + " does not fit a buffer of " + buffer.length() + " floats");
        }
        return new Tensor(new Storage(device, buffer), offset, s, Shape.contiguousStrides(s));
    }

    /** A matrix from rows of equal length. */
    public static Tensor of(Device device, float[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        float[] data = new float[rows.length * cols];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != cols) {
                throw new IllegalArgumentException("Tensor.of: row " + r + " has " + rows[r].length
                        + " values, row 0 has " + cols);
            }
            System.arraycopy(rows[r], 0, data, r * cols, cols);
        }
        return of(device, data, rows.length, cols);
    }

    public static Tensor scalar(Device device, float value) {
        return full(device, value);
    }

    public static Tensor full(Device device, float value, int... shape) {
        return filled("full", device, value, shape);
    }

    public static Tensor zeros(Device device, int... shape) {
        return filled("zeros", device, 0f, shape);
    }

    public static Tensor ones(Device device, int... shape) {
        return filled("ones", device, 1f, shape);
    }

    /** full under the name the caller used, so that a bad shape is reported against it. */
    private static Tensor filled(String op, Device device, float value, int[] shape) {
        Tensor t = empty(device, Shape.check(op, shape));
        device.fill(t.buffer(), 0, Shape.numel(shape), value);
        return t;
    }

    /** Uniform on [lo, hi), drawn on the device; the same seed gives the same values on every backend. */
    public static Tensor uniform(Device device, long seed, float lo, float hi, int... shape) {
        return random(device, Distribution.UNIFORM, lo, hi, seed, shape);
    }

    /** Uniform on [0, 1). */
    public static Tensor rand(Device device, long seed, int... shape) {
        return uniform(device, seed, 0f, 1f, shape);
    }

    /** 1 with probability p, else 0 (dropout masks). */
    public static Tensor bernoulli(Device device, long seed, float p, int... shape) {
        return random(device, Distribution.BERNOULLI, p, 0f, seed, shape);
    }

    /** Standard normal. */
    public static Tensor randn(Device device, long seed, int... shape) {
        return normal(device, seed, 0f, 1f, shape);
    }

    public static Tensor normal(Device device, long seed, float mean, float std, int... shape) {
        return random(device, Distribution.NORMAL, mean, std, seed, shape);
    }

    private static Tensor random(Device device, Distribution dist, float a, float b, long seed, int[] shape) {
        Tensor t = empty(device, Shape.check(dist.name().toLowerCase(java.util.Locale.ROOT), shape));
        device.random(t.buffer(), 0, Shape.numel(shape), dist, a, b, seed);
        return t;
    }

    // ------------------------------------------------------------------ properties

    public int[] shape() {
        return shape.clone();
    }

    public int dim() {
        return shape.length;
    }

    public int size(int axis) {
        return shape[Shape.axis("size", axis, shape)];
    }

    public long numel() {
        return Shape.numel(shape);
    }

    public Device device() {
        return storage.device;
    }

    /** The type of the elements: F32, or BF16 / F16 for a tensor made by {@link #to(DType)}. */
    public DType dtype() {
        return storage.buffer.dtype();
    }

    public boolean isContiguous() {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    public boolean isClosed() {
        return closed;
    }

    Buffer buffer() {
        return storage.buffer;
    }

    void checkOpen(String op) {
        if (closed) {
            throw usedAfterClose(op);
        }
    }

    private IllegalStateException usedAfterClose(String op) {
        return new IllegalStateException(op + ": tensor " + Shape.format(shape) + " on " + device().name()
                + " was used after close()");
    }

    /**
     * Holds this tensor's memory while {@code op} hands it to the device: until the matching
     * {@link #unpin}, a close() on another thread does not free it (the memory goes with the last of
     * the two), so an op in flight finishes on the values it started with. An op that comes after the
     * close gets the "used after close()" error. One atomic update each way, nothing allocated.
     */
    void pin(String op) {
        if (closed || !storage.retain()) {
            throw usedAfterClose(op);
        }
    }

    void unpin() {
        storage.release();
    }

    /** Pins {@code a} and {@code b} (which may be null) for {@code op}: both, or neither and the error. */
    static void pin(String op, Tensor a, Tensor b) {
        a.pin(op);
        if (b != null) {
            try {
                b.pin(op);
            } catch (IllegalStateException e) {
                a.unpin();
                throw e;
            }
        }
    }

    static void unpin(Tensor a, Tensor b) {
        a.unpin();
        if (b != null) {
            b.unpin();
        }
    }

    /** The one device check of every op that takes two tensors: the same Device object, or an error naming both. */
    static void sameDevice(String op, Tensor a, Tensor b) {
        if (a.device() == b.device()) {
            return;
        }
        String which = a.device().name().equals(b.device().name())
                ? "two different " + a.device().name() + " device objects" : a.device().name() + " and " + b.device().name();
        throw new IllegalArgumentException(op + ": tensors " + Shape.format(a.shape) + " and " + Shape.format(b.shape)
                + " are on different devices (" + which + "); an op's tensors must share one device: move one with to(device)");
    }

    // ------------------------------------------------------------------ data out

    /** The values in row-major order (downloads from the device; BF16 and F16 values widened exactly). */
    public float[] toArray() {
        if (dtype() != DType.F32) {
            try (Tensor wide = Views.cast(this, DType.F32)) {
                return wide.toArray();
            }
        }
        pin("toArray");
        try {
            int n = (int) numel();
            float[] out = new float[n];
            if (isContiguous()) {
                device().download(buffer(), offset, out, 0, n);
            } else {
                try (Tensor c = Elementwise.unary("toArray", dev.adjoint.device.UnaryOp.COPY, 0f, this)) {
                    device().download(c.buffer(), c.offset, out, 0, n);
                }
            }
            return out;
        } finally {
            unpin();
        }
    }

    /** The value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: tensor " + Shape.format(shape) + " has " + numel()
                    + " elements; item() needs exactly one");
        }
        return toArray()[0];
    }

    /** One element. */
    public float get(int... index) {
        checkOpen("get");
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: " + index.length + " indices for a tensor with "
                    + shape.length + " axes " + Shape.format(shape));
        }
        long at = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IllegalArgumentException("get: index " + index[d] + " out of range for axis " + d
                        + " of " + Shape.format(shape));
            }
            at += index[d] * strides[d];
        }
        float[] v = new float[1];
        pin("get");
        try {
            if (dtype() == DType.F32) {
                device().download(buffer(), at, v, 0, 1);
            } else {
                try (Buffer wide = device().allocate(1)) {
                    device().convert(buffer(), at, wide, 0, 1);
                    device().download(wide, 0, v, 0, 1);
                }
            }
        } finally {
            unpin();
        }
        return v[0];
    }

    // ------------------------------------------------------------------ views and copies

    /** Same elements, new shape (one size may be -1). A view when this tensor is contiguous, else a copy. */
    public Tensor reshape(int... newShape) {
        return Views.RESHAPE.apply(newShape.clone(), this);
    }

    /** Swaps the last two axes (a view). */
    public Tensor transpose() {
        if (shape.length < 2) {
            throw new IllegalArgumentException("transpose: tensor " + Shape.format(shape) + " has fewer than 2 axes");
        }
        return transpose(-2, -1);
    }

    /** Swaps two axes (a view). */
    public Tensor transpose(int axis0, int axis1) {
        return Views.TRANSPOSE.apply(new int[] {axis0, axis1}, this);
    }

    /** Rows {@code [start, end)} along axis 0 (a view). */
    public Tensor slice(int start, int end) {
        return slice(0, start, end, 1);
    }

    /**
     * Indices {@code start, start + step, ...} below {@code end} along {@code axis} (negative counts from the
     * last), as PyTorch's {@code x[..., start:end:step]} (a view; {@code 0 <= start <= end <= size}, step >= 1).
     */
    public Tensor slice(int axis, int start, int end, int step) {
        return Views.SLICE.apply(new int[] {axis, start, end, step}, this);
    }

    /**
     * This tensor with {@code before} and {@code after} elements added along {@code axis} (negative counts from the
     * last), filled as {@code mode} says, as PyTorch's {@code F.pad} on one axis: a new tensor, made of slices of
     * this one and cat, so its gradient sums every copy of an element back into it. REFLECT needs the padding
     * smaller than the axis.
     */
    public Tensor pad(int axis, int before, int after, Padding mode) {
        int a = Shape.axis("pad", axis, shape);
        int n = shape[a];
        if (mode == null || before < 0 || after < 0) {
            throw new IllegalArgumentException("pad: " + before + " before and " + after + " after axis " + a + " of "
                    + Shape.format(shape) + " with mode " + mode + " (paddings are 0 or more, and a mode is required)");
        }
        if ((mode != Padding.ZEROS && n == 0) || (mode == Padding.REFLECT && Math.max(before, after) >= n)) {
            throw new IllegalArgumentException("pad: " + mode + " padding of " + Math.max(before, after) + " on axis " + a
                    + " of " + Shape.format(shape) + " needs " + (mode == Padding.REFLECT ? "a padding below the axis's "
                    + "size " + n : "a non-empty axis"));
        }
        java.util.List<Tensor> parts = new java.util.ArrayList<>();
        try (Scope scope = Scope.open()) {
            parts.addAll(border(a, before, mode, true));
            parts.add(this);
            parts.addAll(border(a, after, mode, false));
            return scope.keep(cat(parts, a));
        }
    }

    /** The {@code width} elements of one border along axis {@code a}, in order, as views or new tensors. */
    private java.util.List<Tensor> border(int a, int width, Padding mode, boolean leading) {
        int n = shape[a];
        int[] edge = shape.clone();
        edge[a] = width;
        if (width == 0) {
            return java.util.List.of();
        }
        return switch (mode) {
            case ZEROS -> java.util.List.of(zeros(device(), edge));
            case REPLICATE -> java.util.List.of((leading ? slice(a, 0, 1, 1) : slice(a, n - 1, n, 1)).expand(edge));
            case REFLECT -> {
                java.util.List<Tensor> mirrored = new java.util.ArrayList<>();
                for (int k = 0; k < width; k++) {
                    int i = leading ? width - k : n - 2 - k;     // leading: x[width], ..., x[1]; trailing: x[n-2], ...
                    mirrored.add(slice(a, i, i + 1, 1));
                }
                yield mirrored;
            }
        };
    }

    /** Each element limited to {@code [min, max]}, as PyTorch's {@code clamp}: {@code maximum(min)} then {@code minimum(max)}. */
    public Tensor clamp(float min, float max) {
        if (!(min <= max)) {
            throw new IllegalArgumentException("clamp: min " + min + " is above max " + max + " (tensor "
                    + Shape.format(shape) + ")");
        }
        try (Scope scope = Scope.open()) {
            return scope.keep(maximum(scalar(device(), min)).minimum(scalar(device(), max)));
        }
    }

    /**
     * Every window of this image block {@code [n, c, h, w]} as a column of {@code [c·kh·kw, n·outH·outW]}
     * (im2col, as {@link Window} lays them out); a tap outside the image reads {@code fill} (0 for convolution,
     * −∞ for max pooling). Differentiable: the gradient sums back through {@link #col2im}.
     */
    public Tensor im2col(Window window, float fill) {
        return Windows.IM2COL.apply(new Windows.Gather(window, fill), this);
    }

    /**
     * Max pooling of this image block {@code [n, c, h, w]} over {@code window}'s windows: {@code [n, c, outH, outW]},
     * as PyTorch's {@code max_pool2d} (of equal taps the first gets the gradient; a NaN wins, the last if several).
     */
    public Tensor maxPool(Window window) {
        return Windows.MAX_POOL.apply(window, this);
    }

    /**
     * The convolution of this image block {@code [n, c, h, w]} with {@code weight [out, c, kh, kw]} over
     * {@code window}'s windows (cross-correlation, as PyTorch's {@code conv2d} with one group and no bias):
     * {@code [n, out, outH, outW]}. Differentiable in both, to any order.
     */
    public Tensor conv(Tensor weight, Window window) {
        return Windows.convolve(window, this, weight);
    }

    /**
     * {@link #conv(Tensor, Window)} plus {@code bias [out]} on each output channel (as PyTorch's {@code conv2d} with
     * a bias), in one device call; without it where bias is null. Differentiable in all three, to any order.
     */
    public Tensor conv(Tensor weight, Tensor bias, Window window) {
        return Windows.convolve(window, this, weight, bias);
    }

    /**
     * The transposed convolution of this {@code [n, out, outH, outW]} with {@code weight [out, c, kh, kw]} over
     * {@code window}'s windows: {@code [n, c, h, w]}, {@link #conv}'s gradient in the image (as PyTorch's
     * {@code conv_transpose2d}, one group, no bias, the padding and output size the window says).
     */
    public Tensor convTranspose(Tensor weight, Window window) {
        return Windows.convTranspose(window, this, weight);
    }

    /**
     * {@link #conv}'s gradient in the weight, this being the output's gradient {@code [n, out, outH, outW]} and
     * {@code image} the input {@code [n, c, h, w]}: {@code [out, c, kh, kw]}, the sum over images and positions
     * of the gradient times the taps (as PyTorch's {@code torch.nn.grad.conv2d_weight}).
     */
    public Tensor convWeight(Tensor image, Window window) {
        return Windows.convWeight(window, this, image);
    }

    /** The adjoint of {@link #im2col}: these columns {@code [c·kh·kw, n·outH·outW]} summed back into {@code [n, c, h, w]}. */
    public Tensor col2im(Window window) {
        return Windows.COL2IM.apply(window, this);
    }

    /** The axes reordered: output axis i is axis {@code dims[i]} (a view), as PyTorch's {@code permute}. */
    public Tensor permute(int... dims) {
        return Views.PERMUTE.apply(dims.clone(), this);
    }

    /**
     * The tensors joined along {@code axis}, in order, into a new tensor: their shapes agree on every other
     * axis, as PyTorch's {@code torch.cat}. Differentiable in each input.
     */
    public static Tensor cat(java.util.List<Tensor> tensors, int axis) {
        if (tensors == null || tensors.isEmpty()) {
            throw new IllegalArgumentException("cat: no tensors to join");
        }
        return Views.CAT.apply(axis, tensors.toArray(Tensor[]::new));
    }

    /**
     * The tensors, all of one shape, stacked along a new axis at {@code axis} (0 to their rank; negative
     * counts from the end), as PyTorch's {@code torch.stack}: each gets an axis of size 1 there, then cat.
     */
    public static Tensor stack(java.util.List<Tensor> tensors, int axis) {
        if (tensors == null || tensors.isEmpty()) {
            throw new IllegalArgumentException("stack: no tensors to stack");
        }
        int[] shape = tensors.getFirst().shape;
        int a = axis < 0 ? axis + shape.length + 1 : axis;
        if (a < 0 || a > shape.length) {
            throw new IllegalArgumentException("stack: axis " + axis + " is out of range for stacking tensors "
                    + Shape.format(shape) + " (valid axes are " + -(shape.length + 1) + " to " + shape.length + ")");
        }
        java.util.List<Tensor> lifted = new java.util.ArrayList<>();
        try (Scope scope = Scope.open()) {
            for (int i = 0; i < tensors.size(); i++) {
                Tensor t = tensors.get(i);
                if (!java.util.Arrays.equals(t.shape, shape)) {
                    throw new IllegalArgumentException("stack: tensor " + i + " " + Shape.format(t.shape)
                            + " differs from tensor 0 " + Shape.format(shape) + "; stacked tensors have one shape");
                }
                lifted.add(t.reshape(Views.insert(shape, a, 1)));
            }
            return scope.keep(cat(lifted, a));
        }
    }

    /** Broadcasts to a larger shape without copying (a view with stride 0 on broadcast axes). */
    public Tensor expand(int... target) {
        return Views.EXPAND.apply(target.clone(), this);
    }

    /** A contiguous tensor with the same values (a new view if already contiguous). */
    public Tensor contiguous() {
        return Views.contiguous(this);
    }

    /** A contiguous copy with its own memory. */
    public Tensor copy() {
        return Views.COPY.apply(null, this);
    }

    /**
     * This tensor's values as {@code dtype}: F32 to BF16 or F16 rounds to nearest, ties to even
     * ({@link DType}); BF16 or F16 to F32 is exact; the same dtype gives a new view. Differentiable:
     * its gradient, F32 like every gradient, passes to this tensor unchanged (the rounding counts as
     * the identity, as in PyTorch). A BF16 or F16 tensor goes into {@link #matmul}, views, and
     * {@code to} only; every other op takes F32.
     */
    public Tensor to(DType dtype) {
        return Views.CAST.apply(dtype, this);
    }

    /** This tensor's values on another device (a copy; a new view if already there). */
    public Tensor to(Device target) {
        checkOpen("to");
        if (target == device()) {
            return contiguous();
        }
        return Views.TO.apply(target, this);
    }

    // ------------------------------------------------------------------ elementwise

    public Tensor add(Tensor other) {
        return Elementwise.ADD.apply(null, this, other);
    }

    public Tensor sub(Tensor other) {
        return Elementwise.SUB.apply(null, this, other);
    }

    public Tensor mul(Tensor other) {
        return Elementwise.MUL.apply(null, this, other);
    }

    public Tensor div(Tensor other) {
        return Elementwise.DIV.apply(null, this, other);
    }

    public Tensor pow(Tensor exponent) {
        return Elementwise.POW.apply(null, this, exponent);
    }

    /** Elementwise maximum (broadcasting). */
    public Tensor maximum(Tensor other) {
        return Elementwise.MAXIMUM.apply(null, this, other);
    }

    /** Elementwise minimum (broadcasting). */
    public Tensor minimum(Tensor other) {
        return Elementwise.MINIMUM.apply(null, this, other);
    }

    /** 1 where the elements are equal, else 0 (broadcasting; no gradient). */
    public Tensor equal(Tensor other) {
        return Elementwise.EQUAL.apply(null, this, other);
    }

    /** 1 where this is greater, else 0 (broadcasting; no gradient). */
    public Tensor greater(Tensor other) {
        return Elementwise.GREATER.apply(null, this, other);
    }

    public Tensor add(float value) {
        return Elementwise.ADD_SCALAR.apply(value, this);
    }

    public Tensor sub(float value) {
        return Elementwise.ADD_SCALAR.apply(-value, this);
    }

    public Tensor mul(float value) {
        return Elementwise.MUL_SCALAR.apply(value, this);
    }

    public Tensor div(float value) {
        return Elementwise.MUL_SCALAR.apply(1f / value, this);
    }

    public Tensor pow(float exponent) {
        return Elementwise.POW_SCALAR.apply(exponent, this);
    }

    public Tensor neg() {
        return Elementwise.NEG.apply(0f, this);
    }

    public Tensor exp() {
        return Elementwise.EXP.apply(0f, this);
    }

    public Tensor log() {
        return Elementwise.LOG.apply(0f, this);
    }

    public Tensor sin() {
        return Elementwise.SIN.apply(0f, this);
    }

    public Tensor cos() {
        return Elementwise.COS.apply(0f, this);
    }

    public Tensor sqrt() {
        return Elementwise.SQRT.apply(0f, this);
    }

    public Tensor square() {
        return Elementwise.SQUARE.apply(0f, this);
    }

    public Tensor reciprocal() {
        return Elementwise.RECIPROCAL.apply(0f, this);
    }

    public Tensor abs() {
        return Elementwise.ABS.apply(0f, this);
    }

    public Tensor relu() {
        return Activations.RELU.apply(0f, this);
    }

    public Tensor leakyRelu(float slope) {
        return Activations.LEAKY_RELU.apply(slope, this);
    }

    public Tensor sigmoid() {
        return Activations.SIGMOID.apply(0f, this);
    }

    public Tensor tanh() {
        return Activations.TANH.apply(0f, this);
    }

    public Tensor gelu() {
        return Activations.GELU.apply(0f, this);
    }

    // ------------------------------------------------------------------ reductions

    /** Sum of all elements (a scalar tensor of shape []). */
    public Tensor sum() {
        return Reductions.SUM.apply(null, this);
    }

    public Tensor sum(int axis, boolean keepDims) {
        return Reductions.SUM.apply(new Reductions.Along(axis, keepDims), this);
    }

    public Tensor mean() {
        return Reductions.MEAN.apply(null, this);
    }

    public Tensor mean(int axis, boolean keepDims) {
        return Reductions.MEAN.apply(new Reductions.Along(axis, keepDims), this);
    }

    public Tensor max() {
        return Reductions.MAX.apply(null, this);
    }

    public Tensor max(int axis, boolean keepDims) {
        return Reductions.MAX.apply(new Reductions.Along(axis, keepDims), this);
    }

    public Tensor min() {
        return Reductions.MIN.apply(null, this);
    }

    public Tensor min(int axis, boolean keepDims) {
        return Reductions.MIN.apply(new Reductions.Along(axis, keepDims), this);
    }

    /** Indices (as floats) of the maxima along an axis. */
    public Tensor argmax(int axis) {
        return Reductions.ARGMAX.apply(axis, this);
    }

    // ------------------------------------------------------------------ indexing

    /**
     * Values picked along {@code axis} by an index of this tensor's rank, as PyTorch's {@code gather}: for axis 1,
     * {@code out[i][j][k] = this[i][index[i][j][k]][k]}. The output has the index's shape; off the axis the index may
     * be smaller than this tensor, never larger. Indices are whole numbers stored as floats, in [0, size(axis)): see
     * {@link Indexing} for how a bad one is reported. Differentiable in this tensor (its gradient scatter-adds back).
     */
    public Tensor gather(int axis, Tensor index) {
        return Indexing.gather(this, axis, index);
    }

    /**
     * This tensor with {@code src} added at the positions {@code index} names along {@code axis}, as PyTorch's
     * {@code scatter_add}: for axis 1, {@code out[i][index[i][j][k]][k] += src[i][j][k]}; repeated positions sum, in
     * order of j, the same way on every run and backend (no atomics). The index has this tensor's rank, src is at
     * least the index's size on every axis (only that corner is read). Differentiable in this tensor and in src.
     */
    public Tensor scatterAdd(int axis, Tensor index, Tensor src) {
        return Indexing.scatterAdd(this, axis, index, src);
    }

    /**
     * The slices along {@code axis} at the positions of a 1-D {@code index}, in its order (repeats allowed), as
     * PyTorch's {@code index_select}: size(axis) becomes index.size(0). Its gradient adds each slice's gradient back
     * into its row (an index-add: rows not picked get zero), which is what {@code nn.Embedding} uses.
     */
    public Tensor indexSelect(int axis, Tensor index) {
        return Indexing.INDEX_SELECT.apply(axis, this, index);
    }

    /**
     * {@code a} where {@code cond} is nonzero, else {@code b}, broadcasting the three as the binary ops do, as
     * PyTorch's {@code torch.where}: a pick, so NaN or infinity in the branch not taken never reaches the result.
     * Differentiable in a and b; the condition gets no gradient.
     */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Indexing.WHERE.apply(null, cond, a, b);
    }

    // ------------------------------------------------------------------ linear algebra and losses

    /**
     * Matrix product with numpy's rules: 2-D·2-D, 1-D operands promoted, and leading batch axes.
     * Transposed views are passed to GEMM as transpose flags, never copied.
     */
    public Tensor matmul(Tensor other) {
        DType autocast = Autocast.dtype();
        if (autocast != DType.F32 && dtype() == DType.F32 && other.dtype() == DType.F32) {
            try (Tensor a = to(autocast); Tensor b = other.to(autocast)) {
                return LinearAlgebra.MATMUL.apply(null, a, b);
            }
        }
        return LinearAlgebra.MATMUL.apply(null, this, other);
    }

    /** Softmax along the last axis. */
    public Tensor softmax() {
        return Softmax.SOFTMAX.apply(null, this);
    }

    /** Log-softmax along the last axis. */
    public Tensor logSoftmax() {
        return Softmax.LOG_SOFTMAX.apply(null, this);
    }

    /**
     * Mean softmax cross-entropy of these logits [N, C] against class indices [N] (fused and
     * numerically stable).
     */
    public Tensor crossEntropy(Tensor targets) {
        return Softmax.CROSS_ENTROPY.apply(null, this, targets);
    }

    // ------------------------------------------------------------------ autograd

    /** Marks a leaf tensor as a variable whose gradient {@link #backward} accumulates in {@link #grad}. */
    public Tensor requiresGrad(boolean on) {
        if (on && dtype() != DType.F32) {
            throw new IllegalArgumentException("requiresGrad: tensor " + Shape.format(shape) + " is " + dtype()
                    + "; gradients are F32, so a variable is F32: keep the F32 tensor as the variable and convert it"
                    + " in the forward (x.to(DType." + dtype() + "), or Autocast.to(DType." + dtype() + ") around it)");
        }
        autograd.requiresGrad(on);
        return this;
    }

    public boolean requiresGrad() {
        return autograd.requiresGrad();
    }

    /** Whether this tensor was created by the user rather than recorded by an op. */
    public boolean isLeaf() {
        return autograd.node() == null;
    }

    /**
     * The accumulated gradient of a leaf, or null before any backward (or after {@link #zeroGrad}
     * of a gradient that is not an attached buffer). An attached buffer zeroed since its last write
     * is filled with zeros here, on first read.
     */
    public Tensor grad() {
        return autograd.grad();
    }

    /**
     * Clears the accumulated gradient: drops it (PyTorch's {@code set_to_none=True}), or, for a
     * gradient buffer given by {@link #attachGrad}, zeroes it: lazily, so that the next backward
     * writes its gradient instead of adding it to zeros (one pass over the buffer instead of a fill
     * and an add), and {@link #grad} fills it only if it is read first. Read it through
     * {@link #grad}: a reference taken before this call keeps the old values until then.
     */
    public void zeroGrad() {
        autograd.zeroGrad();
    }

    /**
     * Runs {@code hook} each time a backward sweep has accumulated this leaf's gradient: a sweep adds
     * the sums of every path into a leaf once, so the gradient is final for that sweep when the hook
     * runs (PyTorch's {@code register_post_accumulate_grad_hook}). Data parallelism starts summing a
     * bucket of gradients over the ranks there, while backward goes on. Closing the handle removes it.
     */
    public GradHook onGradAccumulated(Runnable hook) {
        if (hook == null) {
            throw new IllegalArgumentException("onGradAccumulated: a hook is required");
        }
        if (autograd.node() != null) {
            throw new IllegalArgumentException("onGradAccumulated: only leaf tensors accumulate a gradient; this one was"
                    + " produced by an op");
        }
        return autograd.addGradHook(hook);
    }

    /** A hook added by {@link #onGradAccumulated}; closing it removes it. */
    public interface GradHook extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Makes {@code buffer} (same shape, contiguous, e.g. a view into a gradient slab) the place
     * where this leaf's gradients accumulate, in place. The caller keeps ownership of it.
     */
    public void attachGrad(Tensor buffer) {
        autograd.attachGrad(buffer);
    }

    /** Backward from a one-element tensor (the loss). */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalArgumentException("backward: tensor " + Shape.format(shape) + " is not a scalar; "
                    + "pass the gradient of the output: backward(gradient)");
        }
        backward(null, false);
    }

    /** Backward with the given upstream gradient (same shape as this tensor). */
    public void backward(Tensor gradient) {
        backward(gradient, false);
    }

    /**
     * Backward with the given upstream gradient; with {@code retainGraph} the graph's saved tensors
     * are kept so that backward can run through it again.
     */
    public void backward(Tensor gradient, boolean retainGraph) {
        checkOpen("backward");
        if (!requiresGrad()) {
            throw new IllegalStateException("backward: this tensor does not require a gradient (no input of the ops "
                    + "that made it has requiresGrad(true), or it was computed under noGrad())");
        }
        if (gradient != null && !java.util.Arrays.equals(gradient.shape, shape)) {
            throw new IllegalArgumentException("backward: gradient of shape " + Shape.format(gradient.shape)
                    + " for a tensor of shape " + Shape.format(shape));
        }
        Autograd.backward(this, gradient, retainGraph);
    }

    /** The same values, cut off from the graph: a leaf view that requires no gradient. */
    public Tensor detach() {
        return Views.DETACH.apply(null, this);
    }

    /** A view for the saved tensors of {@code op}'s node: not owned by any scope, released by the node. */
    Tensor retained(String op) {
        return Scope.escape(view(op, offset, shape, strides));
    }

    // ------------------------------------------------------------------ lifetime

    /**
     * Releases this tensor's reference to its memory; the memory goes when no view uses it and no op
     * still runs on it. Idempotent, also when several threads close the tensor at once.
     */
    @Override
    public void close() {
        if (CLOSED.compareAndSet(this, false, true)) {
            storage.release();
            autograd.close();
        }
    }

    @Override
    public String toString() {
        return TensorFormat.format(this);
    }
}
