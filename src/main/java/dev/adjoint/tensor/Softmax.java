package dev.adjoint.tensor;

/** Softmax, log-softmax along the last axis, and the fused softmax cross-entropy. */
final class Softmax {
    private Softmax() {}

    static Tensor softmax(Tensor x) {
        return rows("softmax", x, false);
    }

    static Tensor logSoftmax(Tensor x) {
        return rows("log_softmax", x, true);
    }

    private static Tensor rows(String name, Tensor x, boolean log) {
        x.checkOpen(name);
        if (x.dim() == 0) {
            throw new IllegalArgumentException(name + ": needs at least one axis, got a scalar");
        }
        int cols = x.shape[x.dim() - 1];
        int rows = (int) (x.numel() / Math.max(1, cols));
        Tensor out = Tensor.empty(x.device(), x.shape.clone());
        if (x.numel() == 0) {
            return out;
        }
        try (Tensor c = x.contiguous()) {
            x.device().softmax(log, rows, cols, c.buffer(), c.offset, out.buffer(), 0);
        }
        return out;
    }

    static Tensor crossEntropy(Tensor logits, Tensor targets) {
        logits.checkOpen("cross_entropy");
        targets.checkOpen("cross_entropy");
        if (logits.dim() != 2 || targets.dim() != 1 || targets.shape[0] != logits.shape[0]) {
            throw new IllegalArgumentException("cross_entropy: logits must be [N, C] and targets [N] class indices, got "
                    + Shape.format(logits.shape) + " and " + Shape.format(targets.shape));
        }
        if (logits.device() != targets.device()) {
            throw new IllegalArgumentException("cross_entropy: logits on " + logits.device().name() + " but targets on "
                    + targets.device().name());
        }
        int rows = logits.shape[0];
        int cols = logits.shape[1];
        if (rows == 0 || cols == 0) {
            throw new IllegalArgumentException("cross_entropy: empty logits " + Shape.format(logits.shape));
        }
        try (Tensor x = logits.contiguous(); Tensor t = targets.contiguous();
             Tensor losses = Tensor.empty(logits.device(), new int[] {rows});
             Tensor probs = Tensor.empty(logits.device(), new int[] {rows, cols})) {
            logits.device().crossEntropy(rows, cols, x.buffer(), x.offset, t.buffer(), t.offset,
                    losses.buffer(), 0, probs.buffer(), 0);
            return losses.mean();
        }
    }
}
