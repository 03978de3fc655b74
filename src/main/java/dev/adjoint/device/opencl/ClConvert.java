package dev.adjoint.device.opencl;

import dev.adjoint.device.DType;

/**
 * Launchers of {@code convert.cl}: float32 to and from BF16 / F16, bit for bit as {@link DType}'s
 * host conversions, and the widening of 16-bit GEMM operands into float32 scratch that the SGEMM
 * then reads packed. The scratch (one buffer for A, one for B) belongs to the device: it only grows,
 * so a training step of fixed shapes allocates nothing after its first, and it is released with
 * the device's other buffers when the device closes. Callers hold the device's lock.
 */
final class ClConvert {
    /** Work-group sides of the operand widening (columns, rows). */
    private static final int MATRIX_X = 16;
    private static final int MATRIX_Y = 4;

    private final OpenClDevice device;
    private final int local;
    private final OpenClBuffer[] scratch = new OpenClBuffer[2];

    ClConvert(OpenClDevice device, int local) {
        this.device = device;
        this.local = local;
    }

    /** {@code n} elements from {@code src} at {@code so} to {@code dst} at {@code dOff}: one of them F32, the other 16-bit. */
    void convert(OpenClBuffer src, long so, OpenClBuffer dst, long dOff, long n) {
        if (n == 0) {
            return;
        }
        String name = kernel(src.dtype(), dst.dtype());
        device.launch(name, () -> "convert " + src.dtype() + " to " + dst.dtype() + " [" + n + " elements from offset "
                        + so + " to offset " + dOff + "]")
                .mem(src).l(so).mem(dst).l(dOff).l(n).run1d(n, local);
    }

    /**
     * The 16-bit {@code rows × cols} matrix stored in {@code src} at {@code off} with leading
     * dimension {@code ld}, widened into scratch buffer {@code slot} (0 for A, 1 for B) from 0 with
     * leading dimension {@code cols}; returns that buffer.
     */
    OpenClBuffer widenMatrix(int slot, String role, OpenClBuffer src, long off, int ld, int rows, int cols) {
        OpenClBuffer dst = scratch(slot, (long) rows * cols);
        String name = src.dtype() == DType.BF16 ? "convert_bf16_to_f32_matrix" : "convert_f16_to_f32_matrix";
        device.launch(name, () -> "gemm " + role + ": widening " + src.dtype() + " " + rows + "x" + cols + " (ld=" + ld
                        + ", offset " + off + ") to F32")
                .mem(src).l(off).i(ld).i(rows).i(cols).mem(dst).run2d(cols, rows, MATRIX_X, MATRIX_Y);
        return dst;
    }

    /** Scratch buffer {@code slot} with room for {@code floats}, replaced by a larger one when it has not. */
    private OpenClBuffer scratch(int slot, long floats) {
        OpenClBuffer b = scratch[slot];
        if (b == null || b.isClosed() || b.length() < floats) {
            if (b != null) {
                b.close();        // the in-order queue finishes its earlier uses before OpenCL frees it
                scratch[slot] = null;
            }
            b = (OpenClBuffer) device.allocate(floats, DType.F32);
            scratch[slot] = b;
        }
        return b;
    }

    private static String kernel(DType from, DType to) {
        if (from == DType.F32) {
            return to == DType.BF16 ? "convert_f32_to_bf16" : "convert_f32_to_f16";
        }
        if (to == DType.F32) {
            return from == DType.BF16 ? "convert_bf16_to_f32" : "convert_f16_to_f32";
        }
        throw new IllegalArgumentException("opencl: no conversion from " + from + " to " + to + " (a bug: DeviceChecks passed it)");
    }
}
