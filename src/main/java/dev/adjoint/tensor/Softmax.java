package dev.adjoint.tensor;

/** Softmax and log-softmax along the last axis, and the fused softmax cross-entropy, with their backward primitives. */
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
            throw new IllegalArgumentException(name + ": tensor " + Shape.format(x.shape)
                    + " is a scalar (no axes); it runs along the last axis, so it needs at least one");
        }
        int cols = x.shape[x.dim() - 1];
        int rows = (int) (x.numel() / Math.max(1, cols));
        Tensor out = Tensor.empty(x.device(), x.shape.clone());
        if (x.numel() == 0) {
            return out;
        }
        x.pin(name);
        try (Tensor c = x.isContiguous() ? null : Elementwise.unary(name, dev.adjoint.device.UnaryOp.COPY, 0f, x)) {
            Tensor in = c == null ? x : c;
            x.device().softmax(log, rows, cols, in.buffer(), in.offset, out.buffer(), 0);
        } finally {
            x.unpin();
        }
        return Autograd.record(out, name, new Tensor[] {x}, new Tensor[] {out}, (ctx, g) -> {
            Tensor y = ctx.saved(0);
            Tensor gx = Tensor.empty(y.device(), y.shape.clone());
            try (Tensor gc = g.contiguous()) {
                y.device().softmaxBackward(log, rows, cols, y.buffer(), y.offset, gc.buffer(), gc.offset, gx.buffer(), 0);
            }
            return new Tensor[] {gx};
        });
    }

    /**
     * Mean cross-entropy of logits [N, C] against class indices [N]. The forward saves the row
     * probabilities; the backward is one fused kernel: (p − onehot(t))·g/N. Targets get no gradient.
     */
    static Tensor crossEntropy(Tensor logits, Tensor targets) {
        logits.checkOpen("cross_entropy");
        targets.checkOpen("cross_entropy");
        if (logits.dim() != 2 || targets.dim() != 1 || targets.shape[0] != logits.shape[0]) {
            throw new IllegalArgumentException("cross_entropy: logits must be [N, C] and targets [N] class indices, got "
                    + Shape.format(logits.shape) + " and " + Shape.format(targets.shape));
        }
        Tensor.sameDevice("cross_entropy", logits, targets);
        int rows = logits.shape[0];
        int cols = logits.shape[1];
        if (rows == 0 || cols == 0) {
            throw new IllegalArgumentException("cross_entropy: empty logits " + Shape.format(logits.shape) + " (targets "
                    + Shape.format(targets.shape) + ")");
        }
        Tensor loss;
        Tensor x;
        Tensor t;
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            x = logits.contiguous();    // a view or a copy: either holds the memory for the kernel below
            t = targets.contiguous();
        }
        Tensor probs = Tensor.empty(logits.device(), new int[] {rows, cols});
        try (Autograd.NoGrad off = Autograd.noGrad();
             Tensor losses = Tensor.empty(logits.device(), new int[] {rows})) {
            logits.device().crossEntropy(rows, cols, x.buffer(), x.offset, t.buffer(), t.offset,
                    losses.buffer(), 0, probs.buffer(), 0);
            loss = losses.mean();
        }
        try (x; t; probs) {
            return Autograd.record(loss, "cross_entropy", new Tensor[] {logits, targets}, new Tensor[] {probs, t},
                    (ctx, g) -> {
                        Tensor p = ctx.saved(0);
                        Tensor tt = ctx.saved(1);
                        Tensor scaled = g.mul(1f / rows);
                        Tensor gx = Tensor.empty(p.device(), new int[] {rows, cols});
                        p.device().crossEntropyBackward(rows, cols, p.buffer(), p.offset, tt.buffer(), tt.offset,
                                scaled.buffer(), scaled.offset, 0, gx.buffer(), 0);
                        return new Tensor[] {gx, null};
                    });
        }
    }
}
