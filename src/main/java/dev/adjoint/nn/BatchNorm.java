package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Context;
import dev.adjoint.tensor.Function;
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
 * Training mode is one {@link Function} with PyTorch's closed-form rules, written in tensor ops: with
 * x̂ = (x − mean)·s, s = 1/sqrt(var + eps), and g the output's gradient, over a channel's m values,
 * {@code dx = weight·s·(g − mean(g) − x̂·mean(g·x̂))}, {@code dweight = Σ g·x̂}, {@code dbias = Σ g}, and
 * forward mode's {@code dx̂ = s·(dx − mean(dx) − x̂·mean(x̂·dx))}: about 7 passes over the activations
 * backward, where differentiating the forward's ops took 20. Eval mode is plain ops. The running
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
        Tensor w = param("weight");
        Tensor y;
        if (isTraining()) {
            if (m <= 1) {
                throw new IllegalArgumentException(name + "(" + channels + "): training needs more than one value per"
                        + " channel, got input of shape " + Shape.format(shape) + " (as PyTorch)");
            }
            y = w == null ? new Normalise(m, false).apply(v) : new Normalise(m, true).apply(v, w, param("bias"));
        } else {
            Tensor scale = runningVar.add(eps).sqrt().reciprocal();
            if (w != null) {
                scale = scale.mul(w);
            }
            y = v.sub(column(runningMean)).mul(column(scale));
            if (w != null) {
                y = y.add(column(param("bias")));
            }
        }
        return y.reshape(shape);
    }

    /** A per-channel vector [c] as [1, c, 1], to broadcast over [n, c, inner]. */
    private Tensor column(Tensor t) {
        return t.reshape(1, channels, 1);
    }

    /** Σ over every axis of [n, c, inner] but the channel's, kept as [1, c, 1]. */
    private static Tensor channelSum(Tensor t) {
        return t.sum(2, true).sum(0, true);
    }

    /** Training mode on x [n, c, inner] (and weight, bias [c] when affine); saves x − mean and s. */
    private final class Normalise extends Function {
        private final long m;
        private final boolean affine;

        Normalise(long m, boolean affine) {
            super(name);
            this.m = m;
            this.affine = affine;
        }

        @Override
        protected Tensor forward(Saved saved, Tensor... in) {
            Tensor v = in[0];
            Tensor mean = channelSum(v).mul((float) (1.0 / m));
            Tensor centred = v.sub(mean);
            Tensor var = channelSum(centred.square()).mul((float) (1.0 / m));
            Tensor s = var.add(eps).sqrt().reciprocal();
            float keep = 1f - momentum;
            InPlace.copy(runningMean, runningMean.mul(keep).add(mean.reshape(channels).mul(momentum)));
            InPlace.copy(runningVar, runningVar.mul(keep).add(var.reshape(channels).mul((float) (momentum * m / (m - 1.0)))));
            saved.save(centred, s);
            if (!affine) {
                return centred.mul(s);
            }
            saved.save(in[1]);
            return centred.mul(s.mul(column(in[1]))).add(column(in[2]));
        }

        @Override
        protected Tensor[] backward(Context ctx, Tensor g) {
            Tensor centred = ctx.saved(0);
            Tensor s = ctx.saved(1);
            Tensor gSum = channelSum(g);
            Tensor gxhatSum = channelSum(g.mul(centred)).mul(s);           // Σ g·x̂
            Tensor[] out = new Tensor[affine ? 3 : 1];
            if (ctx.needsGrad(0)) {
                Tensor k = affine ? s.mul(column(ctx.saved(2))) : s;     // weight·s
                float invM = (float) (1.0 / m);
                // weight·s·(g − Σg/m − x̂·Σ(g·x̂)/m), with x̂ = centred·s
                out[0] = g.mul(k).add(centred.mul(k.mul(s).mul(gxhatSum).mul(-invM))).add(k.mul(gSum).mul(-invM));
            }
            if (affine && ctx.needsGrad(1)) {
                out[1] = gxhatSum.reshape(channels);
            }
            if (affine && ctx.needsGrad(2)) {
                out[2] = gSum.reshape(channels);
            }
            return out;
        }

        /**
         * Along x's tangent; the weight and bias are the layer's own and carry none ({@link dev.adjoint.tensor.Dual#jvp}
         * gives tangents to its primals alone).
         */
        @Override
        protected Tensor jvp(Context ctx, Tensor... t) {
            Tensor centred = ctx.saved(0);
            Tensor s = ctx.saved(1);
            Tensor xhat = centred.mul(s);
            if (t[0] == null) {
                return xhat.mul(0f);
            }
            float invM = (float) (1.0 / m);
            Tensor dx = t[0];
            Tensor dxhat = dx.sub(channelSum(dx).mul(invM)).sub(xhat.mul(channelSum(xhat.mul(dx)).mul(invM))).mul(s);
            return affine ? dxhat.mul(column(ctx.saved(2))) : dxhat;
        }
    }
}
