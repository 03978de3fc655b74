package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;

/**
 * PyTorch's {@code nn.BatchNorm1d} ({@code [N, C]} or {@code [N, C, L]}) and {@code nn.BatchNorm2d}
 * ({@code [N, C, H, W]}): each channel normalised by a mean and variance, then scaled by {@code weight}
 * (ones at the start) and shifted by {@code bias} (zeros), PyTorch's names.
 *
 * <ul>
 *   <li><b>Training</b>: the batch's statistics over every axis but the channel's, the variance biased
 *       (divided by the m = N·L or N·H·W values of a channel), as PyTorch. The running statistics, the
 *       buffers {@code running_mean} (zeros at the start) and {@code running_var} (ones), move towards
 *       the batch's: {@code r ← (1 − momentum)·r + momentum·batch}, with the variance unbiased (times
 *       m / (m − 1)) there. A channel of one value (m = 1) is refused, as PyTorch refuses it.</li>
 *   <li><b>Eval</b>: the running statistics instead; nothing is updated.</li>
 * </ul>
 * Written with tensor ops, so its gradient is theirs, through the batch statistics too; the running
 * statistics are updated on the device with gradients off, so a captured step replays the update.
 * PyTorch's {@code num_batches_tracked} counter is not kept: it only matters with {@code momentum=None}
 * (a cumulative average), and PyTorch loads a state dict without it.
 */
public final class BatchNorm extends Layer {
    /** PyTorch's defaults. */
    public static final float EPS = 1e-5f;
    public static final float MOMENTUM = 0.1f;

    private final String name;
    private final int channels;
    private final int rank;
    private final float eps;
    private final float momentum;
    private final Tensor runningMean;
    private final Tensor runningVar;

    private BatchNorm(String name, Device device, int channels, int rank, float eps, float momentum, boolean affine) {
        if (channels < 1 || !(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException(name + "(" + channels + "): channels must be positive, eps > 0 and momentum"
                    + " in [0, 1], got eps " + eps + ", momentum " + momentum);
        }
        this.name = name;
        this.channels = channels;
        this.rank = rank;
        this.eps = eps;
        this.momentum = momentum;
        if (affine) {
            register("weight", Tensor.ones(device, channels));
            register("bias", Tensor.zeros(device, channels));
        }
        runningMean = buffer("running_mean", Tensor.zeros(device, channels));
        runningVar = buffer("running_var", Tensor.ones(device, channels));
    }

    /** PyTorch's {@code nn.BatchNorm1d(channels)}: inputs {@code [N, C]} or {@code [N, C, L]}. */
    public static BatchNorm of1d(Device device, int channels) {
        return new BatchNorm("BatchNorm1d", device, channels, 1, EPS, MOMENTUM, true);
    }

    /** PyTorch's {@code nn.BatchNorm2d(channels)}: inputs {@code [N, C, H, W]}. */
    public static BatchNorm of2d(Device device, int channels) {
        return new BatchNorm("BatchNorm2d", device, channels, 2, EPS, MOMENTUM, true);
    }

    /** Either, with PyTorch's {@code eps}, {@code momentum} and {@code affine} given. */
    public static BatchNorm of(int spatialAxes, Device device, int channels, float eps, float momentum, boolean affine) {
        if (spatialAxes != 1 && spatialAxes != 2) {
            throw new IllegalArgumentException("BatchNorm: 1d or 2d, got " + spatialAxes + "d");
        }
        return new BatchNorm("BatchNorm" + spatialAxes + "d", device, channels, spatialAxes, eps, momentum, affine);
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] shape = x.shape();
        boolean fits = rank == 1 ? x.dim() == 2 || x.dim() == 3 : x.dim() == 4;
        if (!fits || x.size(1) != channels) {
            throw new IllegalArgumentException(name + "(" + channels + "): input of shape " + Shape.format(shape)
                    + "; it takes " + (rank == 1 ? "[N, " + channels + "] or [N, " + channels + ", L]"
                    : "[N, " + channels + ", H, W]"));
        }
        int n = shape[0];
        long m = x.numel() / Math.max(1, (long) channels);
        Tensor v = x.reshape(n, channels, (int) (n == 0 ? 0 : m / n));
        Tensor mean;
        Tensor var;
        Tensor centred;
        if (isTraining()) {
            if (m <= 1) {
                throw new IllegalArgumentException(name + "(" + channels + "): training needs more than one value per"
                        + " channel, got input of shape " + Shape.format(shape) + " (as PyTorch)");
            }
            mean = v.mean(2, true).mean(0, true);
            centred = v.sub(mean);
            var = centred.square().mean(2, true).mean(0, true);
            try (Autograd.NoGrad off = Autograd.noGrad()) {
                float keep = 1f - momentum;
                InPlace.copy(runningMean, runningMean.mul(keep).add(mean.detach().reshape(channels).mul(momentum)));
                InPlace.copy(runningVar, runningVar.mul(keep)
                        .add(var.detach().reshape(channels).mul((float) (momentum * m / (m - 1.0)))));
            }
        } else {
            mean = runningMean.reshape(1, channels, 1);
            var = runningVar.reshape(1, channels, 1);
            centred = v.sub(mean);
        }
        Tensor y = centred.div(var.add(eps).sqrt());
        Tensor w = param("weight");
        if (w != null) {
            y = y.mul(w.reshape(1, channels, 1)).add(param("bias").reshape(1, channels, 1));
        }
        return y.reshape(shape);
    }
}
