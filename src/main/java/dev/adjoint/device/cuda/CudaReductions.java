package dev.adjoint.device.cuda;

import dev.adjoint.device.DType;
import dev.adjoint.device.ReduceOp;

/**
 * Launchers for {@code kernels/cuda/reduce.cu} and {@code softmax.cu}. A few long rows (a full
 * sum, say) are split across many blocks in two passes, through a scratch block of partials that
 * is kept and grown as needed.
 */
final class CudaReductions {
    /** Rows at least this long, when there are few of them, take the two-pass path. */
    private static final int SPLIT_MIN = 1 << 16;
    private static final int CHUNK_MIN = 8192;
    private static final int MAX_SPLITS = 1024;

    private final CudaKernels kernels;
    private final CudaMemory memory;
    private CudaMemory.Block scratch;

    CudaReductions(CudaKernels kernels, CudaMemory memory) {
        this.kernels = kernels;
        this.memory = memory;
    }

    void reduce(ReduceOp op, int outer, int n, int inner, long x, long out) {
        if ((long) outer * inner == 0) {
            return;
        }
        if (inner == 1 && n >= SPLIT_MIN && outer <= 64) {
            int splits = (int) Math.min(MAX_SPLITS, ((long) n + CHUNK_MIN - 1) / CHUNK_MIN);
            long chunk = ((long) n + splits - 1) / splits;
            splits = (int) (((long) n + chunk - 1) / chunk);
            long partial = scratch((long) outer * splits * 4);
            kernels.launch2d("reduce", "reduce_partial_forward", splits, outer, op.ordinal(), (long) outer, (long) n,
                    chunk, x, partial);
            kernels.launch("reduce", "reduce_combine_forward", (outer + CudaKernels.BLOCK - 1) / CudaKernels.BLOCK,
                    op.ordinal(), (long) outer, (long) n, (long) splits, partial, out);
        } else if (inner == 1) {
            kernels.launch("reduce", "reduce_rows_forward", outer, op.ordinal(), (long) outer, (long) n, x, out);
        } else {
            long count = (long) outer * inner;
            kernels.launch("reduce", "reduce_columns_forward", kernels.gridFor(count), op.ordinal(), (long) outer,
                    (long) n, (long) inner, x, out);
        }
    }

    void softmax(boolean log, int rows, int cols, long x, long out) {
        if (rows > 0 && cols > 0) {
            kernels.launch("softmax", "softmax_forward", rows, log, (long) rows, (long) cols, x, out);
        }
    }

    void softmaxBackward(boolean log, int rows, int cols, long y, long gy, long gx) {
        if (rows > 0 && cols > 0) {
            kernels.launch("softmax", "softmax_backward", rows, log, (long) rows, (long) cols, y, gy, gx);
        }
    }

    void crossEntropy(int rows, int cols, long logits, long targets, long loss, long probs) {
        if (rows > 0 && cols > 0) {
            kernels.launch("softmax", "cross_entropy_forward", rows, (long) rows, (long) cols, logits, targets,
                    loss, probs);
        }
    }

    void crossEntropyBackward(int rows, int cols, long probs, long targets, long gLoss, long gLossStride, long gx) {
        long count = (long) rows * cols;
        if (count > 0) {
            kernels.launch("softmax", "cross_entropy_backward", kernels.gridFor(count), (long) rows, (long) cols,
                    probs, targets, gLoss, gLossStride, gx);
        }
    }

    /** Address of a scratch block of at least {@code floats} floats (stream order makes reuse safe). */
    private synchronized long scratch(long floats) {
        if (scratch == null || scratch.bytes() < floats * Float.BYTES) {
            if (scratch != null) {
                memory.release(scratch);
            }
            scratch = memory.allocate(floats, DType.F32);
        }
        return scratch.address();
    }
}
