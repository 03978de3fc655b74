package dev.adjoint.device;

import java.util.Arrays;

/**
 * The argument checks of every {@link Device} primitive, shared by all backends: sizes are
 * non-negative, every element a call would read or write lies inside its buffer (and inside the
 * Java array of a transfer), and every buffer holds the dtype the primitive takes (F32, but for
 * {@code convert}, {@code copy} and gemm's A and B). A backend calls the check of a primitive first, before it touches
 * memory, so a bad call throws {@link IllegalArgumentException} naming the primitive and the
 * numbers and changes nothing, instead of failing deep in a kernel, or, on a GPU, reading and
 * writing memory it does not own.
 *
 * <p>Each check is O(rank) arithmetic and allocates nothing unless it throws. Empty extents (a
 * zero size) are not checked against the buffer beyond a non-negative offset: nothing is touched.
 * Whether a buffer belongs to the device is the backend's check, not this class's, made with
 * {@link #owned}, which also refuses every call on a closed device ({@link #open}).
 */
public final class DeviceChecks {
    private DeviceChecks() {}

    /**
     * {@code b} as a buffer of {@code device} (of the backend's buffer {@code type}), or an error naming
     * the role it was passed in; {@code op} (may be null) prefixes the role, and the message is built
     * only on failure.
     */
    public static <T extends Buffer> T owned(Device device, Class<T> type, Buffer b, Object op, String role) {
        if (type.isInstance(b) && b.device() == device && !device.isClosed()) {
            return type.cast(b);
        }
        open(device);
        throw new IllegalArgumentException(device.name() + ": " + (op == null ? "" : op + " ") + role + " is "
                + (b == null ? "null" : "a buffer of " + b.device().name()) + ", expected a buffer of this device");
    }

    /**
     * Refuses any call on a closed device with an {@link IllegalStateException} naming it. Every
     * primitive that takes a buffer makes this check in {@link #owned}; {@code allocate} and
     * {@code synchronize}, which take none, call it first.
     */
    public static void open(Device device) {
        if (device.isClosed()) {
            throw new IllegalStateException(device.name() + ": device is closed; nothing runs on it any more, "
                    + "nor on its tensors and buffers (open a new device and make them there)");
        }
    }

    // ------------------------------------------------------------------ memory

    public static void upload(float[] src, int srcOffset, Buffer dst, long dstOffset, int length) {
        nonNegative("upload", "length", length);
        array("upload", "source", src, srcOffset, length);
        range("upload", null, "destination", dst, dstOffset, length);
    }

    public static void download(Buffer src, long srcOffset, float[] dst, int dstOffset, int length) {
        nonNegative("download", "length", length);
        range("download", null, "source", src, srcOffset, length);
        array("download", "destination", dst, dstOffset, length);
    }

    public static void fill(Buffer dst, long offset, long length) {
        nonNegative("fill", "length", length);
        range("fill", null, "destination", dst, offset, length);
    }

    public static void copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        nonNegative("copy", "length", length);
        typedRange("copy", null, "source", src, srcOffset, length);
        typedRange("copy", null, "destination", dst, dstOffset, length);
        if (src.dtype() != dst.dtype()) {
            throw new IllegalArgumentException("copy: source is " + src.dtype() + " and destination " + dst.dtype()
                    + "; copy moves elements of one dtype (convert changes it)");
        }
    }

    /** {@link Device#convert}: F32 to or from BF16 or F16, or one dtype to itself; both ranges inside their buffers. */
    public static void convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) {
        nonNegative("convert", "length", length);
        typedRange("convert", null, "source", src, srcOffset, length);
        typedRange("convert", null, "destination", dst, dstOffset, length);
        DType from = src.dtype();
        DType to = dst.dtype();
        if (from != to && from != DType.F32 && to != DType.F32) {
            throw new IllegalArgumentException("convert: " + from + " to " + to + " directly is not supported; convert"
                    + " through F32 (" + from + " to F32 is exact)");
        }
    }

    public static void random(Buffer dst, long offset, long length) {
        nonNegative("random", "length", length);
        range("random", null, "destination", dst, offset, length);
    }

    // ------------------------------------------------------------------ compute

    /**
     * {@link Device#gemm}: m, n, k ≥ 0; each leading dimension at least its stored matrix's column
     * count (A: k, or m with transA; B: n, or k with transB; C: n); offsets ≥ 0; and the last float
     * of each non-empty matrix, {@code offset + (rows − 1)·ld + cols − 1}, inside its buffer.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            Buffer a, long aOffset, int lda, Buffer b, long bOffset, int ldb,
                            Buffer c, long cOffset, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: sizes m=" + m + ", n=" + n + ", k=" + k + " must not be negative");
        }
        matrix("A", "lda", transA ? k : m, transA ? m : k, transA ? "k×m" : "m×k", transA ? "m" : "k",
                transA ? " (transA true)" : " (transA false)", a, aOffset, lda);
        matrix("B", "ldb", transB ? n : k, transB ? k : n, transB ? "n×k" : "k×n", transB ? "k" : "n",
                transB ? " (transB true)" : " (transB false)", b, bOffset, ldb);
        matrix("C", "ldc", m, n, "m×n", "n", "", c, cOffset, ldc);
        if (a.dtype() != b.dtype() || c.dtype() != DType.F32) {
            throw new IllegalArgumentException("gemm: A is " + a.dtype() + ", B " + b.dtype() + " and C " + c.dtype()
                    + "; A and B must have one dtype (F32, BF16 or F16; convert one of them) and C must be F32");
        }
    }

    /** One gemm operand: {@code rows×cols} stored row-major with leading dimension {@code ld} at {@code offset}. */
    private static void matrix(String name, String ldName, int rows, int cols, String stored, String colName,
                               String flag, Buffer buf, long offset, int ld) {
        if (ld < cols) {
            throw new IllegalArgumentException("gemm: " + ldName + " " + ld + " < " + colName + " " + cols + " for "
                    + name + " stored " + stored + flag);
        }
        long length = name.equals("C") ? length("gemm", null, name, buf) : typedLength("gemm", null, name, buf);
        if (offset < 0) {
            throw new IllegalArgumentException("gemm: " + name + " offset " + offset + " is negative");
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long needs = (long) (rows - 1) * ld + cols;       // < 2^62: no overflow
        if (offset > length - needs) {
            throw new IllegalArgumentException("gemm: " + name + " needs " + needs + " " + elements(buf) + " from offset " + offset
                    + " but its buffer holds " + length + " (" + name + " stored " + stored + " = " + rows + "×" + cols
                    + ", " + ldName + " " + ld + flag + ")");
        }
    }

    /** {@link Device#unary}: x's strided view over {@code shape} and out's contiguous range inside their buffers. */
    public static void unary(UnaryOp op, int[] shape, Buffer x, long xOffset, long[] xStrides,
                             Buffer out, long outOffset) {
        long count = count("unary", op, shape);
        strided("unary", op, "input", shape, count, x, xOffset, xStrides);
        range("unary", op, "output", out, outOffset, count);
    }

    /** {@link Device#binary}: a's and b's strided views over {@code shape} and out's contiguous range. */
    public static void binary(BinaryOp op, int[] shape, Buffer a, long aOffset, long[] aStrides,
                              Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        long count = count("binary", op, shape);
        strided("binary", op, "input a", shape, count, a, aOffset, aStrides);
        strided("binary", op, "input b", shape, count, b, bOffset, bStrides);
        range("binary", op, "output", out, outOffset, count);
    }

    /** {@link Device#reduce}: outer, inner ≥ 0 and n ≥ 1; x holds outer·n·inner floats, out outer·inner. */
    public static void reduce(ReduceOp op, int outer, int n, int inner, Buffer x, long xOffset,
                              Buffer out, long outOffset) {
        if (outer < 0 || n < 1 || inner < 0) {
            throw new IllegalArgumentException("reduce " + op + ": sizes outer=" + outer + ", n=" + n + ", inner="
                    + inner + " are invalid (outer, inner ≥ 0, n ≥ 1)");
        }
        range("reduce", op, "input", x, xOffset, multiply("reduce", op, (long) outer * n, inner));
        range("reduce", op, "output", out, outOffset, (long) outer * inner);
    }

    public static void softmax(int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset) {
        long count = rowsCols("softmax", rows, cols);
        range("softmax", null, "input", x, xOffset, count);
        range("softmax", null, "output", out, outOffset, count);
    }

    public static void softmaxBackward(int rows, int cols, Buffer y, long yOffset, Buffer gy, long gyOffset,
                                       Buffer gx, long gxOffset) {
        long count = rowsCols("softmaxBackward", rows, cols);
        range("softmaxBackward", null, "output y", y, yOffset, count);
        range("softmaxBackward", null, "upstream gradient gy", gy, gyOffset, count);
        range("softmaxBackward", null, "gradient gx", gx, gxOffset, count);
    }

    public static void crossEntropy(int rows, int cols, Buffer logits, long logitsOffset, Buffer targets,
                                    long targetsOffset, Buffer loss, long lossOffset, Buffer probs, long probsOffset) {
        long count = rowsCols("crossEntropy", rows, cols);
        range("crossEntropy", null, "logits", logits, logitsOffset, count);
        range("crossEntropy", null, "targets", targets, targetsOffset, rows);
        range("crossEntropy", null, "loss", loss, lossOffset, rows);
        range("crossEntropy", null, "probabilities", probs, probsOffset, count);
    }

    /** The upstream gradient is read at {@code gLossOffset + r·gLossStride}, stride ≥ 0, for each row r. */
    public static void crossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset, Buffer targets,
                                            long targetsOffset, Buffer gLoss, long gLossOffset, long gLossStride,
                                            Buffer gx, long gxOffset) {
        long count = rowsCols("crossEntropyBackward", rows, cols);
        range("crossEntropyBackward", null, "probabilities", probs, probsOffset, count);
        range("crossEntropyBackward", null, "targets", targets, targetsOffset, rows);
        if (gLossStride < 0) {
            throw new IllegalArgumentException("crossEntropyBackward: upstream gradient stride " + gLossStride
                    + " is negative");
        }
        long span = rows == 0 ? 0 : multiply("crossEntropyBackward", null, rows - 1, gLossStride) + 1;
        range("crossEntropyBackward", null, "upstream gradient", gLoss, gLossOffset, span);
        range("crossEntropyBackward", null, "gradient gx", gx, gxOffset, count);
    }

    /**
     * {@link Device#gather}: sizes ≥ 0, x holds outer·n·inner floats, out outer·m·inner, and the index
     * view over [outer, m, inner] with its three strides reads inside its buffer. The index values
     * are the backend's to check, where it reads them.
     */
    public static void gather(int outer, int n, int inner, int m, Buffer x, long xOffset,
                              Buffer index, long indexOffset, long[] indexStrides, Buffer out, long outOffset) {
        long count = fibers("gather", outer, n, inner, m, index, indexOffset, indexStrides);
        range("gather", null, "input x", x, xOffset, multiply("gather", null, (long) outer * n, inner));
        range("gather", null, "output", out, outOffset, count);
    }

    /** {@link Device#scatterAdd}: as {@link #gather}, with src [outer][m][inner] read and out [outer][n][inner] updated. */
    public static void scatterAdd(int outer, int n, int inner, int m, Buffer index, long indexOffset,
                                  long[] indexStrides, Buffer src, long srcOffset, Buffer out, long outOffset) {
        long count = fibers("scatterAdd", outer, n, inner, m, index, indexOffset, indexStrides);
        range("scatterAdd", null, "source", src, srcOffset, count);
        range("scatterAdd", null, "output", out, outOffset, multiply("scatterAdd", null, (long) outer * n, inner));
    }

    /** {@link Device#select}: cond's, a's and b's strided views over {@code shape} and out's contiguous range. */
    public static void select(int[] shape, Buffer cond, long condOffset, long[] condStrides, Buffer a, long aOffset,
                              long[] aStrides, Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) {
        long count = count("select", null, shape);
        strided("select", null, "condition", shape, count, cond, condOffset, condStrides);
        strided("select", null, "input a", shape, count, a, aOffset, aStrides);
        strided("select", null, "input b", shape, count, b, bOffset, bStrides);
        range("select", null, "output", out, outOffset, count);
    }

    /** The sizes of gather and scatterAdd and their index view; returns outer·m·inner. */
    private static long fibers(String primitive, int outer, int n, int inner, int m, Buffer index, long indexOffset,
                               long[] indexStrides) {
        if (outer < 0 || n < 0 || inner < 0 || m < 0) {
            throw new IllegalArgumentException(primitive + ": sizes outer=" + outer + ", n=" + n + ", inner=" + inner
                    + ", m=" + m + " must not be negative");
        }
        int[] view = {outer, m, inner};
        long count = count(primitive, null, view);
        strided(primitive, null, "index", view, count, index, indexOffset, indexStrides);
        return count;
    }

    public static void im2col(Window window, Buffer x, long xOffset, Buffer cols, long colsOffset) {
        windows("im2col", window, x, xOffset, cols, colsOffset);
    }

    public static void col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset) {
        windows("col2im", window, x, xOffset, cols, colsOffset);
    }

    public static void maxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax,
                               long argmaxOffset) {
        pooled("maxPool", window, x, xOffset, out, outOffset, argmax, argmaxOffset);
    }

    public static void maxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset,
                                       Buffer gx, long gxOffset) {
        pooled("maxPoolBackward", window, gx, gxOffset, gy, gyOffset, argmax, argmaxOffset);
    }

    private static void pooled(String primitive, Window window, Buffer image, long imageOffset, Buffer out, long outOffset,
                               Buffer argmax, long argmaxOffset) {
        if (window == null) {
            throw new IllegalArgumentException(primitive + ": no window given");
        }
        long outputs = window.pooledSize();
        range(primitive, null, "image", image, imageOffset, window.imageSize());
        range(primitive, null, "pooled output", out, outOffset, outputs);
        range(primitive, null, "arg-max", argmax, argmaxOffset, outputs);
    }

    /**
     * {@link Device#conv} and its gradients: the weight {@code [out, c·kh·kw]}, the image block, the output
     * {@code [n, out, outH, outW]} and the {@link Device#convWorkspace} floats of work that {@code device} asks for
     * (unchecked when 0: it may then be null).
     */
    public static void conv(String primitive, Window window, int out, Buffer weight, long weightOffset, Buffer x,
                            long xOffset, Buffer y, long yOffset, Buffer work, long workOffset, Device device) {
        if (window == null) {
            throw new IllegalArgumentException(primitive + ": no window given");
        }
        nonNegative(primitive, "output channels", out);
        long workspace = device.convWorkspace(window, out);
        range(primitive, null, "weight", weight, weightOffset, Math.multiplyExact(out, window.taps()));
        range(primitive, null, "image", x, xOffset, window.imageSize());
        range(primitive, null, "output", y, yOffset, Math.multiplyExact(out, window.positions()));
        if (workspace > 0) {
            range(primitive, null, "workspace", work, workOffset, workspace);
        }
    }

    /** {@link Device#conv}'s bias: none (null), or {@code out} floats from its offset. */
    public static void convBias(int out, Buffer bias, long biasOffset) {
        if (bias != null) {
            range("conv", null, "bias", bias, biasOffset, out);
        }
    }

    private static void windows(String primitive, Window window, Buffer x, long xOffset, Buffer cols, long colsOffset) {
        if (window == null) {
            throw new IllegalArgumentException(primitive + ": no window given");
        }
        range(primitive, null, "image", x, xOffset, window.imageSize());
        range(primitive, null, "columns", cols, colsOffset, window.columns());
    }

    /** {@link Device#sgdStep}: the velocity is checked only where it is used ({@code momentum != 0}). */
    public static void sgdStep(Buffer param, Buffer grad, Buffer velocity, long offset, long length, float momentum) {
        nonNegative("sgdStep", "length", length);
        range("sgdStep", null, "param", param, offset, length);
        range("sgdStep", null, "grad", grad, offset, length);
        if (momentum != 0f) {
            range("sgdStep", null, "velocity", velocity, offset, length);
        }
    }

    public static void adamStep(Buffer param, Buffer grad, Buffer m, Buffer v, long offset, long length) {
        nonNegative("adamStep", "length", length);
        range("adamStep", null, "param", param, offset, length);
        range("adamStep", null, "grad", grad, offset, length);
        range("adamStep", null, "m", m, offset, length);
        range("adamStep", null, "v", v, offset, length);
    }

    // ------------------------------------------------------------------ pieces

    /** The primitive's name for a message, with its op where it has one: {@code unary RELU}. */
    private static String name(String primitive, Object op) {
        return op == null ? primitive : primitive + " " + op;
    }

    private static void nonNegative(String primitive, String what, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(primitive + ": " + what + " " + v + " is negative");
        }
    }

    /** The length of an F32 buffer; any other dtype is refused, naming it (the primitive computes in F32). */
    private static long length(String primitive, Object op, String role, Buffer b) {
        long length = typedLength(primitive, op, role, b);
        if (b.dtype() != DType.F32) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " holds " + b.dtype() + " elements; "
                    + primitive + " computes in F32 (convert it to F32 first)");
        }
        return length;
    }

    /** The length of a buffer of any dtype. */
    private static long typedLength(String primitive, Object op, String role, Buffer b) {
        if (b == null) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " buffer is null");
        }
        return b.length();
    }

    /** {@code length} floats from {@code offset} inside an F32 buffer (offset ≥ 0 even when empty). */
    private static void range(String primitive, Object op, String role, Buffer b, long offset, long length) {
        length(primitive, op, role, b);
        typedRange(primitive, op, role, b, offset, length);
    }

    /** {@code length} elements from {@code offset} inside a buffer of any dtype (offset ≥ 0 even when empty). */
    private static void typedRange(String primitive, Object op, String role, Buffer b, long offset, long length) {
        long holds = typedLength(primitive, op, role, b);
        if (offset < 0) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " offset " + offset + " is negative");
        }
        if (length > 0 && offset > holds - length) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " needs " + length + " "
                    + elements(b) + " from offset " + offset + " but its buffer holds " + holds);
        }
    }

    /** What a buffer's elements are called in a message: floats, or BF16 or F16 elements. */
    private static String elements(Buffer b) {
        return b.dtype() == DType.F32 ? "floats" : b.dtype() + " elements";
    }

    /** {@code [offset, offset + length)} inside a Java array, as {@link java.util.Objects#checkFromIndexSize}. */
    private static void array(String primitive, String role, float[] a, int offset, int length) {
        if (a == null) {
            throw new IllegalArgumentException(primitive + ": " + role + " array is null");
        }
        if (offset < 0 || offset > a.length - length) {
            throw new IllegalArgumentException(primitive + ": " + role + " array range [" + offset + ", "
                    + ((long) offset + length) + ") is outside the array of " + a.length + " floats");
        }
    }

    private static long rowsCols(String primitive, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(primitive + ": sizes rows=" + rows + ", cols=" + cols
                    + " must not be negative");
        }
        return (long) rows * cols;
    }

    /** Elements of {@code shape}: each extent ≥ 0, the product without overflow. */
    private static long count(String primitive, Object op, int[] shape) {
        if (shape == null) {
            throw new IllegalArgumentException(name(primitive, op) + ": shape is null");
        }
        long count = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException(name(primitive, op) + ": shape " + Arrays.toString(shape)
                        + " has a negative extent");
            }
            count = multiply(primitive, op, count, s);
        }
        return count;
    }

    /**
     * The strided view {@code buffer[offset + Σ idx[d]·strides[d]]} over a shape of {@code count}
     * elements: one stride per axis, and its lowest and highest index inside the buffer.
     */
    private static void strided(String primitive, Object op, String role, int[] shape, long count,
                                Buffer b, long offset, long[] strides) {
        long holds = length(primitive, op, role, b);
        if (strides == null || strides.length != shape.length) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " has "
                    + (strides == null ? "no" : String.valueOf(strides.length)) + " strides for shape "
                    + Arrays.toString(shape) + " of rank " + shape.length);
        }
        if (offset < 0) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " offset " + offset + " is negative");
        }
        if (count == 0) {
            return;
        }
        long lo = offset;
        long hi = offset;
        try {
            for (int d = 0; d < shape.length; d++) {
                long reach = Math.multiplyExact(shape[d] - 1L, strides[d]);
                if (reach > 0) {
                    hi = Math.addExact(hi, reach);
                } else {
                    lo = Math.addExact(lo, reach);
                }
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " view (offset " + offset
                    + ", shape " + Arrays.toString(shape) + ", strides " + Arrays.toString(strides)
                    + ") overflows a long index");
        }
        if (lo < 0 || hi >= holds) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + role + " view (offset " + offset
                    + ", shape " + Arrays.toString(shape) + ", strides " + Arrays.toString(strides)
                    + ") reads floats " + lo + " to " + hi + " but its buffer holds " + holds);
        }
    }

    private static long multiply(String primitive, Object op, long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name(primitive, op) + ": " + a + "·" + b + " floats overflow a long");
        }
    }
}
