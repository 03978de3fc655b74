package dev.adjoint.train;

import dev.adjoint.device.Device;
import dev.adjoint.nn.Parameters;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;

/**
 * FP16's dynamic loss scaling, with PyTorch's {@code GradScaler} defaults: the loss is multiplied
 * by a scale (initially 2^16) before backward, so that small gradients survive F16's range; after
 * backward the gradients are checked, and if any is infinite or NaN the step is skipped and the
 * scale halved, else they are divided by the scale and the optimizer steps; after
 * {@value #GROWTH_INTERVAL} good steps in a row the scale doubles. The scale lives on the device,
 * a one-element tensor the step multiplies by, so a captured step replays with the current scale.
 * The check reads one number per step.
 */
final class LossScaler implements AutoCloseable {
    static final float INITIAL_SCALE = 65536f;
    static final float GROWTH = 2f;
    static final float BACKOFF = 0.5f;
    static final int GROWTH_INTERVAL = 2000;

    private final Tensor scale;
    private final Tensor inverse;
    /** The loss of the step in flight (as the trainer sums it), added to the epoch's only when the step is kept. */
    private final Tensor stepLoss;
    private float value = INITIAL_SCALE;
    private int goodSteps;
    private long skipped;

    LossScaler(Device device) {
        scale = Tensor.full(device, value, 1);
        inverse = Tensor.full(device, 1f / value, 1);
        stepLoss = Tensor.zeros(device, 1);
    }

    /** The current scale. */
    float value() {
        return value;
    }

    /** Steps skipped so far because a gradient overflowed. */
    long skipped() {
        return skipped;
    }

    /** {@code loss} times the scale: what backward starts from. */
    Tensor scaled(Tensor loss) {
        return loss.mul(scale);
    }

    /** The one-element tensor a step sums its loss into, emptied first. */
    Tensor stepLoss() {
        InPlace.fill(stepLoss, 0f);
        return stepLoss;
    }

    /**
     * After backward: whether every gradient is finite. If so they are unscaled in place, the
     * step's loss is added to {@code lossSum}, and true; else the scale is lowered and false (the
     * caller skips the update).
     */
    boolean unscale(Parameters params, Tensor lossSum) {
        Tensor grads = params.grads();
        double check;
        try (Tensor zeros = grads.mul(0f); Tensor sum = zeros.sum()) {
            check = sum.item();        // 0 when every gradient is finite; NaN when one is infinite or NaN
        }
        if (check != 0) {
            skipped++;
            goodSteps = 0;
            set(value * BACKOFF);
            return false;
        }
        InPlace.mul(grads, inverse);
        if (lossSum != null) {
            InPlace.add(lossSum, stepLoss);
        }
        if (++goodSteps == GROWTH_INTERVAL) {
            goodSteps = 0;
            set(value * GROWTH);
        }
        return true;
    }

    private void set(float v) {
        value = v;
        InPlace.fill(scale, v);
        InPlace.fill(inverse, 1f / v);
    }

    @Override
    public void close() {
        scale.close();
        inverse.close();
        stepLoss.close();
    }
}
