package dev.adjoint.device.cuda;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.DType;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.UnaryOp;
import java.util.Arrays;

/**
 * Launchers for {@code kernels/cuda/elementwise.cu}, {@code random.cu} and {@code convert.cu}. Strided views are first
 * simplified (axes of size 1 dropped, axes that are contiguous in every operand merged); what is
 * then contiguous in every input runs the plain kernel, the rest the strided kernel (rank ≤ 8).
 */
final class CudaElementwise {
    static final int MAX_RANK = 8;

    private final CudaKernels kernels;

    CudaElementwise(CudaKernels kernels) {
        this.kernels = kernels;
    }

    void unary(UnaryOp op, float p, int[] shape, long x, long[] xStrides, long out) {
        Layout l = Layout.of(shape, xStrides);
        if (l.count == 0) {
            return;
        }
        int blocks = kernels.gridFor(l.count);
        if (l.contiguous()) {
            kernels.launch("elementwise", "unary_forward", blocks, op.ordinal(), p, l.count, x, out);
        } else {
            kernels.launch("elementwise", "unary_strided_forward", blocks, op.ordinal(), p, l.count, x,
                    l.pack(op.name()), out);
        }
    }

    void binary(BinaryOp op, float p, int[] shape, long a, long[] aStrides, long b, long[] bStrides, long out) {
        Layout l = Layout.of(shape, aStrides, bStrides);
        if (l.count == 0) {
            return;
        }
        int blocks = kernels.gridFor(l.count);
        if (l.contiguous()) {
            kernels.launch("elementwise", "binary_forward", blocks, op.ordinal(), p, l.count, a, b, out);
        } else {
            kernels.launch("elementwise", "binary_strided_forward", blocks, op.ordinal(), p, l.count, a, b,
                    l.pack(op.name()), out);
        }
    }

    /** C = beta·C over an m×n block (zeros when beta is 0, C unread). */
    void scaleMatrix(int m, int n, float beta, long c, int ldc) {
        long count = (long) m * n;
        if (count > 0) {
            kernels.launch("elementwise", "matrix_scale_forward", kernels.gridFor(count), (long) m, (long) n,
                    (long) ldc, beta, c);
        }
    }

    /**
     * {@code n} elements from {@code x} (of dtype {@code from}) to {@code out} (of dtype {@code to}),
     * one of them F32 and the other BF16 or F16: {@code convert.cu}, bit for bit as {@link DType}.
     */
    void convert(DType from, DType to, long x, long out, long n) {
        if (n > 0) {
            kernels.launch("convert", convertEntry(from, to), kernels.gridFor(n), n, x, out);
        }
    }

    /** The {@code convert.cu} kernel that turns {@code from} into {@code to}. */
    static String convertEntry(DType from, DType to) {
        if (from == DType.F32 && to != DType.F32) {
            return to == DType.BF16 ? "f32_to_bf16_forward" : "f32_to_f16_forward";
        }
        if (to == DType.F32 && from != DType.F32) {
            return from == DType.BF16 ? "bf16_to_f32_forward" : "f16_to_f32_forward";
        }
        throw new IllegalArgumentException("cuda: no convert kernel from " + from + " to " + to);
    }

    void random(long dst, long length, Distribution dist, float a, float b, long seed) {
        if (length > 0) {
            kernels.launch("random", "random_forward", kernels.gridFor(length), dist.ordinal(), a, b, seed,
                    length, dst);
        }
    }

    /** A simplified strided view: shape and one stride array per input, outermost axis first. */
    record Layout(long count, long[] shape, long[][] strides) {
        static Layout of(int[] shape, long[]... inputs) {
            long count = 1;
            for (int s : shape) {
                count *= s;
            }
            long[] sh = new long[shape.length];
            long[][] st = new long[inputs.length][shape.length];
            int rank = 0;
            // Walk from the innermost axis outwards, merging an axis into the one inside it when
            // every input steps over it exactly as if the two were one axis.
            for (int d = shape.length - 1; d >= 0; d--) {
                if (shape[d] == 1) {
                    continue;
                }
                boolean merge = rank > 0;
                for (int i = 0; i < inputs.length && merge; i++) {
                    merge = inputs[i][d] == st[i][rank - 1] * sh[rank - 1];
                }
                if (merge) {
                    sh[rank - 1] *= shape[d];
                } else {
                    sh[rank] = shape[d];
                    for (int i = 0; i < inputs.length; i++) {
                        st[i][rank] = inputs[i][d];
                    }
                    rank++;
                }
            }
            // Reverse into outermost-first order.
            long[] shapeOut = new long[rank];
            long[][] stridesOut = new long[inputs.length][rank];
            for (int r = 0; r < rank; r++) {
                shapeOut[r] = sh[rank - 1 - r];
                for (int i = 0; i < inputs.length; i++) {
                    stridesOut[i][r] = st[i][rank - 1 - r];
                }
            }
            return new Layout(count, shapeOut, stridesOut);
        }

        /** Every input is one run of consecutive floats (or a single element). */
        boolean contiguous() {
            if (shape.length > 1) {
                return false;
            }
            for (long[] s : strides) {
                if (shape.length == 1 && s[0] != 1) {
                    return false;
                }
            }
            return true;
        }

        /** The kernel's Layout1/Layout2 struct: rank, shape[8], then strides[8] per input. */
        long[] pack(String op) {
            if (shape.length > MAX_RANK) {
                throw new IllegalArgumentException("cuda: " + op + " over a strided view of rank " + shape.length
                        + " (shape " + Arrays.toString(shape) + " after merging axes); the CUDA kernels take at most "
                        + MAX_RANK);
            }
            long[] packed = new long[1 + MAX_RANK * (1 + strides.length)];
            packed[0] = shape.length;
            System.arraycopy(shape, 0, packed, 1, shape.length);
            for (int i = 0; i < strides.length; i++) {
                System.arraycopy(strides[i], 0, packed, 1 + MAX_RANK * (1 + i), shape.length);
            }
            return packed;
        }
    }
}
