package dev.adjoint.tensor;

/**
 * What a backward rule sees besides the upstream gradient: the tensors its forward saved, and which
 * inputs need a gradient (so a rule can skip work nobody needs).
 */
public final class Context {
    private final Tensor[] saved;
    private final boolean[] needs;

    Context(Tensor[] saved, boolean[] needs) {
        this.saved = saved;
        this.needs = needs;
    }

    /** The i-th tensor saved by the forward. */
    public Tensor saved(int i) {
        return saved[i];
    }

    /** Whether input i needs a gradient. */
    public boolean needsGrad(int i) {
        return needs[i];
    }
}
