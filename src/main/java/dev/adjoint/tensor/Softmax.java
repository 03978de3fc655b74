package dev.adjoint.tensor;

import java.util.List;

/** Softmax and log-softmax along the last axis, and the fused softmax cross-entropy, with their backward primitives. */
final class Softmax {
    private Softmax() {}

    /** VJP through the backward primitive; JVP y·(t − Σ y·t), the row sums along the last axis. */
    static final Op<Void> SOFTMAX = Op.of("softmax", rows("softmax", false), (none, c, g) -> rowsBackward(c, g, false),
            (none, c, t) -> {
                Tensor y = c.saved(0);
                return y.mul(t[0].sub(y.mul(t[0]).sum(-1, true)));
            });
    /** JVP t − Σ softmax·t, softmax being exp of the saved output. */
    static final Op<Void> LOG_SOFTMAX = Op.of("log_softmax", rows("log_softmax", true),
            (none, c, g) -> rowsBackward(c, g, true),
            (none, c, t) -> t[0].sub(c.saved(0).exp().mul(t[0]).sum(-1, true)));
    /**
     * Mean cross-entropy of logits [N, C] against class indices [N]. The forward saves the row
     * probabilities; the VJP is one fused kernel, (p − onehot(t))·g/N, and the JVP is that kernel's
     * result with g = 1 dotted with the logits' tangent. Class indices get no derivative.
     */
    static final Op<Void> CROSS_ENTROPY = Op.of("cross_entropy", (none, saved, in) -> crossEntropy(saved, in[0], in[1]),
            (none, c, g) -> new Tensor[] {crossEntropyBackward(c, g), null},
            (none, c, t) -> t[0] == null ? null : crossEntropyBackward(c, Tensor.ones(t[0].device())).mul(t[0]).sum());

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(SOFTMAX, LOG_SOFTMAX, CROSS_ENTROPY);

    private static Op.Forward<Void> rows(String name, boolean log) {
        return (none, saved, in) -> {
            Tensor x = in[0];
            x.checkOpen(name);
            if (x.dim() == 0) {
                throw new IllegalArgumentException(name + ": tensor " + Shape.format(x.shape)
                        + " is a scalar (no axes); it runs along the last axis, so it needs at least one");
            }
            int cols = x.shape[x.dim() - 1];
            int rows = (int) (x.numel() / Math.max(1, cols));
            Tensor out = Tensor.empty(x.device(), x.shape.clone());
            saved.save(out);
            if (x.numel() == 0) {
                return out;
            }
            x.pin(name);
            try (Tensor c = x.isContiguous() ? null : Elementwise.unary(name, dev.adjoint.device.UnaryOp.COPY, 0f, x)) {
                Tensor src = c == null ? x : c;
                x.device().softmax(log, rows, cols, src.buffer(), src.offset, out.buffer(), 0);
            } finally {
                x.unpin();
            }
            return out;
        };
    }

    private static Tensor[] rowsBackward(Context c, Tensor g, boolean log) {
        Tensor y = c.saved(0);
        int cols = y.shape[y.dim() - 1];
        int rows = (int) (y.numel() / Math.max(1, cols));
        Tensor gx = Tensor.empty(y.device(), y.shape.clone());
        if (y.numel() == 0) {
            return new Tensor[] {gx};
        }
        try (Tensor gc = g.contiguous()) {
            y.device().softmaxBackward(log, rows, cols, y.buffer(), y.offset, gc.buffer(), gc.offset, gx.buffer(), 0);
        }
        return new Tensor[] {gx};
    }

    private static Tensor crossEntropy(Function.Saved saved, Tensor logits, Tensor targets) {
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
        try (Autograd.NoGrad off = Autograd.noGrad();
             Tensor x = logits.contiguous();    // a view or a copy: either holds the memory for the kernel below
             Tensor losses = Tensor.empty(logits.device(), new int[] {rows})) {
            Tensor probs = Tensor.empty(logits.device(), new int[] {rows, cols});
            saved.own(probs);
            Tensor t = targets.contiguous();
            saved.own(t);
            logits.device().crossEntropy(rows, cols, x.buffer(), x.offset, t.buffer(), t.offset,
                    losses.buffer(), 0, probs.buffer(), 0);
            return losses.mean();
        }
    }

    /** (p − onehot(t))·g/N from the saved probabilities p and targets t. */
    private static Tensor crossEntropyBackward(Context c, Tensor g) {
        Tensor p = c.saved(0);
        Tensor tt = c.saved(1);
        int rows = p.shape[0];
        int cols = p.shape[1];
        Tensor scaled = g.mul(1f / rows);
        Tensor gx = Tensor.empty(p.device(), new int[] {rows, cols});
        p.device().crossEntropyBackward(rows, cols, p.buffer(), p.offset, tt.buffer(), tt.offset,
                scaled.buffer(), scaled.offset, 0, gx.buffer(), 0);
        return gx;
    }
}
