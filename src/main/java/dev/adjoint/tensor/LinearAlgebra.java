package dev.adjoint.tensor;

import java.util.Arrays;

/**
 * Matrix products through the device's GEMM. An operand whose last two axes are a transposed view
 * (column stride 1 on the first of them) is passed as a transpose flag with its leading dimension,
 * so {@code x.matmul(w.transpose())} never copies {@code w}.
 */
final class LinearAlgebra {
    private LinearAlgebra() {}

    /** How GEMM reads a matrix: stored as-is or transposed, and its leading dimension. */
    private record Layout(boolean trans, int ld) {}

    static Tensor matmul(Tensor a, Tensor b) {
        a.checkOpen("matmul");
        b.checkOpen("matmul");
        if (a.device() != b.device()) {
            throw new IllegalArgumentException("matmul: operands are on different devices (" + a.device().name()
                    + " and " + b.device().name() + "); move one with to(device)");
        }
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul: scalar operand (shapes " + Shape.format(a.shape) + " and "
                    + Shape.format(b.shape) + "); use mul for scalars");
        }
        // numpy: a 1-D left operand is a row vector, a 1-D right operand a column vector; both axes dropped after.
        boolean aVec = a.dim() == 1;
        boolean bVec = b.dim() == 1;
        try (Tensor a2 = aVec ? a.reshape(1, a.shape[0]) : a.view(a.offset, a.shape.clone(), a.strides.clone());
             Tensor b2 = bVec ? b.reshape(b.shape[0], 1) : b.view(b.offset, b.shape.clone(), b.strides.clone())) {
            Tensor out = batched(a2, b2, a.shape, b.shape);
            if (!aVec && !bVec) {
                return out;
            }
            int[] s = out.shape;
            int[] dropped = aVec && bVec ? Arrays.copyOf(s, s.length - 2)
                    : aVec ? dropAxis(s, s.length - 2) : Arrays.copyOf(s, s.length - 1);
            try (out) {
                return out.reshape(dropped);
            }
        }
    }

    private static int[] dropAxis(int[] s, int axis) {
        int[] r = new int[s.length - 1];
        for (int d = 0, j = 0; d < s.length; d++) {
            if (d != axis) {
                r[j++] = s[d];
            }
        }
        return r;
    }

    private static Tensor batched(Tensor a, Tensor b, int[] aShape, int[] bShape) {
        int m = a.shape[a.dim() - 2];
        int k = a.shape[a.dim() - 1];
        int kb = b.shape[b.dim() - 2];
        int n = b.shape[b.dim() - 1];
        if (k != kb) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.format(aShape) + " and " + Shape.format(bShape)
                    + " are not aligned: " + k + " (last axis of the first) != " + kb
                    + " (" + (bShape.length == 1 ? "only" : "second-to-last") + " axis of the second)");
        }
        int[] aBatch = Arrays.copyOf(a.shape, a.dim() - 2);
        int[] bBatch = Arrays.copyOf(b.shape, b.dim() - 2);
        int[] batch = Shape.broadcast("matmul (batch axes)", aBatch, bBatch);
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.empty(a.device(), Shape.check("matmul", outShape));
        long count = Shape.numel(batch);
        if (count == 0 || m == 0 || n == 0) {
            return out;
        }
        Tensor ac = layout(a) == null ? a.copy() : null;
        Tensor bc = layout(b) == null ? b.copy() : null;
        try (ac; bc) {
            Tensor aa = ac == null ? a : ac;
            Tensor bb = bc == null ? b : bc;
            Layout la = layout(aa);
            Layout lb = layout(bb);
            long[] aStr = Shape.broadcastStrides(aBatch, Arrays.copyOf(aa.strides, aa.dim() - 2), batch);
            long[] bStr = Shape.broadcastStrides(bBatch, Arrays.copyOf(bb.strides, bb.dim() - 2), batch);
            int[] idx = new int[batch.length];
            for (long i = 0; i < count; i++) {
                long ao = aa.offset;
                long bo = bb.offset;
                for (int d = 0; d < batch.length; d++) {
                    ao += idx[d] * aStr[d];
                    bo += idx[d] * bStr[d];
                }
                a.device().gemm(la.trans, lb.trans, m, n, k, 1f, aa.buffer(), ao, la.ld, bb.buffer(), bo, lb.ld,
                        0f, out.buffer(), i * m * n, n);
                for (int d = batch.length - 1; d >= 0 && ++idx[d] == batch[d]; d--) {
                    idx[d] = 0;
                }
            }
        }
        return out;
    }

    /** The GEMM reading of the last two axes, or null if they need a copy first. */
    private static Layout layout(Tensor t) {
        int rows = t.shape[t.dim() - 2];
        int cols = t.shape[t.dim() - 1];
        long rs = t.strides[t.dim() - 2];
        long cs = t.strides[t.dim() - 1];
        if ((cs == 1 || cols == 1) && (rows == 1 || rs >= Math.max(1, cols)) && rs <= Integer.MAX_VALUE) {
            return new Layout(false, rows == 1 ? Math.max(1, cols) : (int) rs);
        }
        if ((rs == 1 || rows == 1) && (cols == 1 || cs >= Math.max(1, rows)) && cs <= Integer.MAX_VALUE) {
            return new Layout(true, cols == 1 ? Math.max(1, rows) : (int) cs);
        }
        return null;
    }
}
