package dev.adjoint.device.cpu;

import dev.adjoint.device.DType;

/**
 * Conversions between float32 and BF16 / F16 bits on the CPU, with {@link DType}'s host
 * conversions (the oracle every backend matches bit for bit), split over the pool in blocks, and
 * the widening of a 16-bit GEMM operand into float32 for the SGEMM.
 */
final class CpuConvert {
    /** Elements per task: enough work to be worth a hand-off. */
    private static final int BLOCK = 1 << 16;

    private CpuConvert() {}

    /** {@code n} floats of {@code src} from {@code so} rounded into {@code dtype} bits in {@code dst} from {@code dOff}. */
    static void narrow(Parallel pool, DType dtype, float[] src, int so, short[] dst, int dOff, int n) {
        boolean bf16 = dtype == DType.BF16;
        blocks(pool, n, (from, to) -> {
            for (int i = from; i < to; i++) {
                float x = src[so + i];
                dst[dOff + i] = bf16 ? DType.floatToBf16(x) : DType.floatToF16(x);
            }
        });
    }

    /** {@code n} {@code dtype} elements of {@code src} from {@code so} widened into {@code dst} from {@code dOff}. */
    static void widen(Parallel pool, DType dtype, short[] src, int so, float[] dst, int dOff, int n) {
        boolean bf16 = dtype == DType.BF16;
        blocks(pool, n, (from, to) -> {
            for (int i = from; i < to; i++) {
                short h = src[so + i];
                dst[dOff + i] = bf16 ? DType.bf16ToFloat(h) : DType.f16ToFloat(h);
            }
        });
    }

    /**
     * The {@code rows × cols} matrix stored with leading dimension {@code ld} at {@code off} of
     * {@code src}, widened into {@code dst} from 0 with leading dimension {@code cols}.
     */
    static void widenMatrix(Parallel pool, DType dtype, short[] src, int off, int ld, int rows, int cols, float[] dst) {
        if (ld == cols) {
            widen(pool, dtype, src, off, dst, 0, rows * cols);
            return;
        }
        boolean bf16 = dtype == DType.BF16;
        int rowsPerTask = Math.max(1, BLOCK / Math.max(1, cols));
        pool.run((rows + rowsPerTask - 1) / rowsPerTask, t -> {
            int r1 = Math.min(rows, (t + 1) * rowsPerTask);
            for (int r = t * rowsPerTask; r < r1; r++) {
                for (int c = 0; c < cols; c++) {
                    short h = src[off + r * ld + c];
                    dst[r * cols + c] = bf16 ? DType.bf16ToFloat(h) : DType.f16ToFloat(h);
                }
            }
        });
    }

    /** Elements {@code [from, to)} of {@code [0, n)}. */
    private interface Block {
        void run(int from, int to);
    }

    /** {@code body} over {@code [0, n)} in blocks of {@link #BLOCK}, one pool task each. */
    private static void blocks(Parallel pool, int n, Block body) {
        pool.run((n + BLOCK - 1) / BLOCK, t -> body.run(t * BLOCK, Math.min(n, t * BLOCK + BLOCK)));
    }
}
