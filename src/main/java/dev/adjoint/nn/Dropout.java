package dev.adjoint.nn;

import dev.adjoint.tensor.Tensor;

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the rest by
 * 1/(1−p); in eval mode, the identity. The mask of training step s is drawn on the device from
 * (seed, s), so runs and resumed runs are reproducible.
 */
public final class Dropout extends Layer {
    private final float p;
    private final long seed;
    private long step;

    public Dropout(float p, long seed) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("Dropout: p must be in [0, 1), got " + p);
        }
        this.p = p;
        this.seed = seed;
    }

    @Override
    public void step(long s) {
        step = s;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (!isTraining() || p == 0f) {
            return x;
        }
        Tensor mask = Tensor.bernoulli(x.device(), seed * 0x9E3779B97F4A7C15L + step, 1f - p, x.shape());
        return x.mul(mask).mul(1f / (1f - p));
    }
}
