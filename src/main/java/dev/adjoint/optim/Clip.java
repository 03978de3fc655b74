package dev.adjoint.optim;

import dev.adjoint.nn.Parameters;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;

/** Gradient clipping by global norm, computed and applied on the device (no host round trip). */
public final class Clip {
    private Clip() {}

    /** Scales all gradients by min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ over every parameter. */
    public static void globalNorm(Parameters params, float maxNorm) {
        Checks.positive("clip", "maxNorm", maxNorm);
        try (Scope s = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            Tensor g = params.grads();
            Tensor norm = g.square().sum().sqrt();
            Tensor factor = norm.add(1e-6f).reciprocal().mul(maxNorm).minimum(Tensor.scalar(g.device(), 1f));
            InPlace.mul(g, factor);
        }
    }
}
