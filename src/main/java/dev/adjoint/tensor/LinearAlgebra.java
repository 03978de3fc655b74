package dev.adjoint.tensor;

import dev.adjoint.device.DType;
import dev.adjoint.device.UnaryOp;
import java.util.Arrays;
import java.util.List;

/**
 * Matrix products through the device's GEMM. An operand whose last two axes are a transposed view
 * (column stride 1 on the first of them) is passed as a transpose flag with its leading dimension,
 * so {@code x.matmul(w.transpose())} never copies {@code w}.
 */
final class LinearAlgebra {
    private LinearAlgebra() {}

    /** How GEMM reads a matrix: stored as-is or transposed, and its leading dimension. */
    private record Layout(boolean trans, int ld) {}

    /**
     * Forward through GEMM. VJP: dL/da = dL/dy·bᵀ and dL/db = aᵀ·dL/dy, themselves matmuls of
     * transposed views, so GEMM's transpose flags do the work: no transposed copy, no Jacobian. JVP:
     * d(ab) = da·b + a·db.
     */
    static final Op<Void> MATMUL = Op.<Void>of("matmul", (none, saved, in) -> {
        saved.save(in[0], in[1]);
        return forward(in[0], in[1]);
    }, (none, c, g) -> gradients(c, g), (none, c, t) -> t[0] == null ? c.saved(0).matmul(t[1])
            : t[1] == null ? t[0].matmul(c.saved(1)) : t[0].matmul(c.saved(1)).add(c.saved(0).matmul(t[1])))
            .takingAnyDtype();

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(MATMUL);

    private static Tensor[] gradients(Context ctx, Tensor g) {
        int[] as = ctx.inputShape(0);
        int[] bs = ctx.inputShape(1);
        Tensor a2 = as.length == 1 ? ctx.saved(0).reshape(1, as[0]) : ctx.saved(0);
        Tensor b2 = bs.length == 1 ? ctx.saved(1).reshape(bs[0], 1) : ctx.saved(1);
        int[] batch = Shape.broadcast("matmul", Arrays.copyOf(a2.shape, a2.dim() - 2), Arrays.copyOf(b2.shape, b2.dim() - 2));
        int[] full = Arrays.copyOf(batch, batch.length + 2);
        full[batch.length] = a2.shape[a2.dim() - 2];
        full[batch.length + 1] = b2.shape[b2.dim() - 1];
        // 16-bit operands: the gradient meets them in their dtype (GEMM takes one dtype for A and B), the products
        // summed into F32 gradients, as PyTorch's autocast backward does
        DType low = ctx.saved(0).dtype();
        Tensor g2 = low == DType.F32 ? g.reshape(full) : Views.cast(g.reshape(full), low);
        Tensor ga = null;
        Tensor gb = null;
        if (ctx.needsGrad(0)) {
            // dL/da = g·bᵀ, computed as (b·gᵀ)ᵀ when a is stored transposed, so it lands in a's layout.
            ga = columnMajor(a2) ? Elementwise.sumTo(b2.matmul(g2.transpose()), swapLast(a2.shape)).transpose()
                    : Elementwise.sumTo(g2.matmul(b2.transpose()), a2.shape);
            ga = as.length == 1 ? ga.reshape(as) : ga;
        }
        if (ctx.needsGrad(1)) {
            // dL/db = aᵀ·g, or (gᵀ·a)ᵀ for a transposed b (a weight used as W.transpose()): the gradient
            // then maps back onto W contiguously instead of through a strided accumulation.
            gb = columnMajor(b2) ? Elementwise.sumTo(g2.transpose().matmul(a2), swapLast(b2.shape)).transpose()
                    : Elementwise.sumTo(a2.transpose().matmul(g2), b2.shape);
            gb = bs.length == 1 ? gb.reshape(bs) : gb;
        }
        return new Tensor[] {ga, gb};
    }

    /** Whether the last two axes are stored transposed (column stride 1, row stride larger). */
    private static boolean columnMajor(Tensor t) {
        int d = t.dim();
        return d >= 2 && t.shape[d - 2] > 1 && t.shape[d - 1] > 1 && t.strides[d - 2] == 1 && t.strides[d - 1] != 1;
    }

    private static int[] swapLast(int[] shape) {
        int[] s = shape.clone();
        s[s.length - 2] = shape[shape.length - 1];
        s[s.length - 1] = shape[shape.length - 2];
        return s;
    }

    private static Tensor forward(Tensor a, Tensor b) {
        Tensor.pin("matmul", a, b);
        try {
            return product(a, b);
        } finally {
            Tensor.unpin(a, b);
        }
    }

    /** The product of operands that {@link #forward} holds for the call. */
    private static Tensor product(Tensor a, Tensor b) {
        Tensor.sameDevice("matmul", a, b);
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException("matmul: operands " + Shape.format(a.shape) + " and " + Shape.format(b.shape)
                    + " are " + a.dtype() + " and " + b.dtype() + "; GEMM takes one dtype: convert one with to(DType."
                    + a.dtype() + ") or to(DType." + b.dtype() + ") (Autocast.to converts both F32 operands for you)");
        }
        if (a.dim() == 0 || b.dim() == 0) {
            throw new IllegalArgumentException("matmul: scalar operand (shapes " + Shape.format(a.shape) + " and "
                    + Shape.format(b.shape) + "); use mul for scalars");
        }
        // numpy: a 1-D left operand is a row vector, a 1-D right operand a column vector; both axes dropped after.
        boolean aVec = a.dim() == 1;
        boolean bVec = b.dim() == 1;
        Tensor a2 = aVec ? a.view("matmul", a.offset, new int[] {1, a.shape[0]}, new long[] {a.shape[0] * a.strides[0], a.strides[0]}) : a;
        Tensor b2 = bVec ? b.view("matmul", b.offset, new int[] {b.shape[0], 1}, new long[] {b.strides[0], 1}) : b;
        try {
            Tensor out = batched(a2, b2, a.shape, b.shape);
            if (!aVec && !bVec) {
                return out;
            }
            int[] s = out.shape;
            int[] dropped = aVec && bVec ? Arrays.copyOf(s, s.length - 2)
                    : aVec ? dropAxis(s, s.length - 2) : Arrays.copyOf(s, s.length - 1);
            try (out) {
                return out.view("matmul", out.offset, dropped, Shape.contiguousStrides(dropped));
            }
        } finally {
            if (aVec) {
                a2.close();
            }
            if (bVec) {
                b2.close();
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
        int[] batch;
        try {
            batch = Shape.broadcast("batch axes", aBatch, bBatch);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("matmul: shapes " + Shape.format(aShape) + " and " + Shape.format(bShape)
                    + ", " + e.getMessage(), e);
        }
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.empty(a.device(), Shape.check("matmul", outShape));
        long count = Shape.numel(batch);
        if (count == 0 || m == 0 || n == 0) {
            return out;
        }
        Tensor ac = layout(a) == null ? copy(a, aShape, bShape) : null;
        Tensor bc = layout(b) == null ? copy(b, aShape, bShape) : null;
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

    /** A contiguous copy of an operand GEMM cannot read as it is laid out (F32 only: the copy computes in F32). */
    private static Tensor copy(Tensor t, int[] aShape, int[] bShape) {
        if (t.dtype() != DType.F32) {
            throw new IllegalArgumentException("matmul: a " + t.dtype() + " operand of shapes " + Shape.format(aShape)
                    + " and " + Shape.format(bShape) + " is a view GEMM cannot read (strides "
                    + Arrays.toString(t.strides) + "); convert a contiguous F32 tensor instead");
        }
        return Elementwise.unary("matmul", UnaryOp.COPY, 0f, t);
    }

    /** The GEMM reading of the last two axes, or null if they need a copy first. */
    private static Layout layout(Tensor t) {
        int rows = t.shape[t.dim() - 2];
        int cols = t.shape[t.dim() - 1];
        long rs = t.strides[t.dim() - 2];
        long cs = t.strides[t.dim() - 1];
        if (rows == 0 || cols == 0) {
            return new Layout(false, Math.max(1, cols));        // nothing is read: any layout will do
        }
        if ((cs == 1 || cols == 1) && (rows == 1 || rs >= Math.max(1, cols)) && rs <= Integer.MAX_VALUE) {
            return new Layout(false, rows == 1 ? Math.max(1, cols) : (int) rs);
        }
        if ((rs == 1 || rows == 1) && (cols == 1 || cs >= Math.max(1, rows)) && cs <= Integer.MAX_VALUE) {
            return new Layout(true, cols == 1 ? Math.max(1, rows) : (int) cs);
        }
        return null;
    }
}
