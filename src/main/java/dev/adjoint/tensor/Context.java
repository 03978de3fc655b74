package dev.adjoint.tensor;

/**
 * What a rule sees besides the gradient (or tangents) it maps: the tensors its forward saved, the
 * shapes of the op's inputs, and which inputs need a gradient (so a rule can skip work nobody needs).
 */
public final class Context {
    private final Tensor[] saved;
    private final boolean[] needs;
    private final Tensor[] inputs;

    Context(Tensor[] saved, boolean[] needs, Tensor[] inputs) {
        this.saved = saved;
        this.needs = needs;
        this.inputs = inputs;
    }

    /** The i-th tensor saved by the forward. */
    public Tensor saved(int i) {
        return saved[i];
    }

    /** Whether input i needs a gradient. */
    public boolean needsGrad(int i) {
        return needs[i];
    }

    int inputCount() {
        return inputs.length;
    }

    dev.adjoint.device.Device inputDevice(int i) {
        return inputs[i].device();
    }

    /** The shape of input i (known also when the op saved nothing of it). */
    int[] inputShape(int i) {
        return inputs[i].shape;
    }
}
