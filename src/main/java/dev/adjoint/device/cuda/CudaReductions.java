package dev.adjoint.device.cuda;

import dev.adjoint.device.ReduceOp;

/** Launchers for {@code kernels/cuda/reduce.cu} and {@code softmax.cu}. */
final class CudaReductions {
    private final CudaKernels kernels;

    CudaReductions(CudaKernels kernels) {
        this.kernels = kernels;
    }

    void reduce(ReduceOp op, int outer, int n, int inner, long x, long out) {
        if ((long) outer * inner == 0) {
            return;
        }
        if (inner == 1) {
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
}
