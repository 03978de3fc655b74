package dev.adjoint.optim;

import dev.adjoint.tensor.Tensor;

/** Argument checks shared by the optimizers. */
final class Checks {
    private Checks() {}

    static void positive(String op, String name, float v) {
        if (!(v > 0f) || Float.isInfinite(v)) {
            throw new IllegalArgumentException(op + ": " + name + " must be a positive number, got " + v);
        }
    }

    static void range(String op, String name, float v) {
        if (!(v >= 0f && v < 1f)) {
            throw new IllegalArgumentException(op + ": " + name + " must be in [0, 1), got " + v);
        }
    }

    static void restore(String op, Tensor slab, float[] saved, String name) {
        if (saved == null || saved.length != slab.numel()) {
            throw new IllegalArgumentException(op + ": checkpoint state '" + name + "' has "
                    + (saved == null ? "no values" : saved.length + " values") + ", the model needs " + slab.numel());
        }
        try (Tensor t = Tensor.of(slab.device(), saved, saved.length)) {
            dev.adjoint.tensor.InPlace.copy(slab, t);
        }
    }
}
