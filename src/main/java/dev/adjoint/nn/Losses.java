package dev.adjoint.nn;

import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;

/**
 * Loss functions, written in tensor ops so their gradients come from autograd. Classification
 * targets are class indices stored as floats ([N]); regression targets match the predictions.
 * Shapes are checked at the call: a loss never broadcasts its predictions against its targets
 * (an [N, 1] output against [N] targets would otherwise compare every pair, [N, N]), as
 * PyTorch's binary cross-entropy refuses differing sizes.
 */
public final class Losses {
    private Losses() {}

    /** How per-sample losses combine: their mean (the default) or their sum. */
    public enum Reduction { MEAN, SUM }

    /** A loss of (predictions, targets), as the trainer uses it. */
    @FunctionalInterface
    public interface Loss {
        Tensor apply(Tensor predictions, Tensor targets);

        /**
         * What {@link #apply}'s mean divides by for this batch, as a one-element tensor: for a weighted
         * loss Σ w_yᵢ, so that a split's loss is Σ over batches of apply·weight over Σ of weight (the
         * split-wide weighted mean, whatever the batches); null for a plain mean over the rows.
         */
        default Tensor weight(Tensor targets) {
            return null;
        }

        /** Its name as {@link #byName} takes it, recorded in checkpoints; {@code custom} for any other loss. */
        default String name() {
            return "custom";
        }
    }

    /** By name: cross-entropy, hinge, mse, euclidean (the last two against one-hot targets). */
    public static Loss byName(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "cross-entropy", "ce", "softmax" -> named("cross-entropy", (p, t) -> crossEntropy(p, t, Reduction.MEAN));
            case "hinge", "svm" -> named("hinge", (p, t) -> hinge(p, t, Reduction.MEAN));
            case "mse" -> named("mse", (p, t) -> mse(p, oneHot(t, p.size(-1)), Reduction.MEAN));
            case "euclidean" -> named("euclidean", (p, t) -> euclidean(p, oneHot(t, p.size(-1)), Reduction.MEAN));
            default -> throw new IllegalArgumentException("unknown loss '" + name
                    + "'; choose one of cross-entropy, hinge, mse, euclidean");
        };
    }

    /** {@code loss} under {@code name} (what checkpoints record). */
    public static Loss named(String name, Loss loss) {
        return weighted(name, loss, null);
    }

    /**
     * {@code loss} under {@code name}, a class-weighted mean whose batch denominator is
     * {@code weight}(targets) (null: a plain mean over the rows; see {@link Loss#weight}).
     */
    public static Loss weighted(String name, Loss loss, java.util.function.UnaryOperator<Tensor> weight) {
        return new Loss() {
            @Override
            public Tensor apply(Tensor predictions, Tensor targets) {
                return loss.apply(predictions, targets);
            }

            @Override
            public Tensor weight(Tensor targets) {
                return weight == null ? null : weight.apply(targets).reshape(1);
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    private static Tensor reduce(Tensor perSample, Reduction r) {
        return r == Reduction.MEAN ? perSample.mean() : perSample.sum();
    }

    /** Softmax cross-entropy from logits [N, C] and class indices [N]: fused and stable. */
    public static Tensor crossEntropy(Tensor logits, Tensor classes, Reduction r) {
        Tensor mean = logits.crossEntropy(classes);
        return r == Reduction.MEAN ? mean : mean.mul(logits.size(0));
    }

    /** Cross-entropy against one-hot (or soft) targets [N, C]: −Σ t·log softmax(x) per row. */
    public static Tensor crossEntropySoft(Tensor logits, Tensor targets, Reduction r) {
        if (logits.dim() != 2 || !Arrays.equals(logits.shape(), targets.shape())) {
            throw new IllegalArgumentException("cross_entropy_soft: logits and targets must both be [N, C], got "
                    + Shape.format(logits.shape()) + " and " + Shape.format(targets.shape()));
        }
        return reduce(targets.mul(logits.logSoftmax()).sum(1, false).neg(), r);
    }

    /** Mean (or sum) of squared errors over all elements. */
    public static Tensor mse(Tensor predictions, Tensor targets, Reduction r) {
        sameShape("mse", "predictions", predictions, targets);
        Tensor sq = predictions.sub(targets).square();
        return r == Reduction.MEAN ? sq.mean() : sq.sum();
    }

    /** ½‖y − t‖² per sample (rows), then mean or sum over samples. */
    public static Tensor euclidean(Tensor predictions, Tensor targets, Reduction r) {
        sameShape("euclidean", "predictions", predictions, targets);
        Tensor perSample = predictions.sub(targets).square().sum(-1, false).mul(0.5f);
        return reduce(perSample, r);
    }

    /** Multiclass SVM hinge loss, margin 1: Σ_{j≠y} max(0, s_j − s_y + 1) per sample. */
    public static Tensor hinge(Tensor scores, Tensor classes, Reduction r) {
        if (scores.dim() != 2 || classes.dim() != 1 || classes.size(0) != scores.size(0)) {
            throw new IllegalArgumentException("hinge: scores must be [N, C] and classes [N] class indices, got "
                    + Shape.format(scores.shape()) + " and " + Shape.format(classes.shape()));
        }
        Tensor mask = oneHot(classes, scores.size(1));
        Tensor correct = scores.mul(mask).sum(1, true);
        Tensor margins = scores.sub(correct).add(1f).relu().mul(mask.neg().add(1f));
        return reduce(margins.sum(1, false), r);
    }

    /**
     * Binary cross-entropy from logits against targets 0 or 1 of the same shape, stable for any x
     * (PyTorch's {@code binary_cross_entropy_with_logits}): max(x,0) − x·t + log(1 + e^−|x|) per element
     * (see {@link #binaryCrossEntropyTerms}).
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets, Reduction r) {
        sameShape("binary_cross_entropy_with_logits", "logits", logits, targets);
        return reduce(binaryCrossEntropyTerms(logits, targets), r);
    }

    /**
     * As {@link #binaryCrossEntropyWithLogits}, each element weighted by its class, and the weighted
     * mean taken: Σ wᵢ·lᵢ / Σ wᵢ with wᵢ = {@code weights[tᵢ]}, PyTorch's {@code CrossEntropyLoss(weight=…)}
     * rule applied to the two classes (not {@code pos_weight}, which scales only the positive term and
     * divides by N). Weights 1 and 1 give the plain mean.
     */
    public static Tensor binaryCrossEntropyWithLogits(Tensor logits, Tensor targets, float negativeWeight,
                                                      float positiveWeight) {
        sameShape("binary_cross_entropy_with_logits", "logits", logits, targets);
        Tensor w = targets.detach().mul(positiveWeight - negativeWeight).add(negativeWeight);
        return binaryCrossEntropyTerms(logits, targets).mul(w).sum().div(w.sum());
    }

    /**
     * The per-element terms max(x,0) − x·t + log(1 + e^−|x|): nothing overflows (e^−|x| ≤ 1), and
     * for |x| past ~17 the last term is below float32's resolution next to 1, an absolute error under
     * 6e-8 (there is no log1p primitive). max(x,0) is written (x + |x|)/2 so that at x = 0 its
     * derivative is ½, as PyTorch's maximum splits a tie, and the whole derivative is σ(x) − t everywhere.
     */
    static Tensor binaryCrossEntropyTerms(Tensor x, Tensor t) {
        Tensor a = x.abs();
        return x.add(a).mul(0.5f).sub(x.mul(t)).add(a.neg().exp().add(1f).log());
    }

    /**
     * Softmax cross-entropy from logits [N, C] and class indices [N], each sample weighted by its
     * class, then the weighted mean Σ w_yᵢ·lᵢ / Σ w_yᵢ, as PyTorch's {@code CrossEntropyLoss(weight=w)}
     * with {@code reduction='mean'}. Built from log-softmax (not the fused kernel), so every backend
     * and forward mode have it.
     *
     * <p>{@code classes} must hold whole numbers in [0, C), as a {@code Dataset}'s labels always do: the
     * classes stay on the device and are not read back to check them (that would stall every step), and
     * a value outside matches no column of {@link #oneHot}, so its row weighs 0 and drops out.
     */
    public static Tensor crossEntropy(Tensor logits, Tensor classes, float[] weights) {
        if (logits.dim() != 2 || classes.dim() != 1 || classes.size(0) != logits.size(0)
                || weights.length != logits.size(1)) {
            throw new IllegalArgumentException("cross_entropy: logits must be [N, C], classes [N] and weights [C], got "
                    + Shape.format(logits.shape()) + ", " + Shape.format(classes.shape()) + " and [" + weights.length + "]");
        }
        Tensor onehot = oneHot(classes, logits.size(1));
        Tensor w = onehot.mul(Tensor.of(logits.device(), weights, 1, weights.length)).sum(1, false);
        Tensor perSample = onehot.mul(logits.logSoftmax()).sum(1, false).neg();
        return perSample.mul(w).sum().div(w.sum());
    }

    /** Mean (or sum) of absolute errors over all elements (PyTorch's {@code L1Loss}); the derivative at 0 is 0. */
    public static Tensor mae(Tensor predictions, Tensor targets, Reduction r) {
        sameShape("mae", "predictions", predictions, targets);
        return reduce(predictions.sub(targets).abs(), r);
    }

    /**
     * Huber loss with threshold {@code delta} over all elements (PyTorch's {@code HuberLoss}): ½d² where
     * |d| ≤ δ, δ·(|d| − ½δ) beyond. Written ½(|d| − e)² + δ·e with e = relu(|d| − δ), whose derivative is
     * d inside, δ·sign(d) outside, and continuous at |d| = δ whatever relu's derivative at 0.
     */
    public static Tensor huber(Tensor predictions, Tensor targets, float delta, Reduction r) {
        sameShape("huber", "predictions", predictions, targets);
        if (!(delta > 0) || !Float.isFinite(delta)) {
            throw new IllegalArgumentException("huber: delta must be a finite number > 0, got " + delta);
        }
        Tensor a = predictions.sub(targets).abs();
        Tensor excess = a.sub(delta).relu();
        return reduce(a.sub(excess).square().mul(0.5f).add(excess.mul(delta)), r);
    }

    /** Element-by-element losses need targets of the predictions' own shape: no broadcast between them. */
    private static void sameShape(String loss, String what, Tensor predictions, Tensor targets) {
        if (!Arrays.equals(predictions.shape(), targets.shape())) {
            throw new IllegalArgumentException(loss + ": " + what + " " + Shape.format(predictions.shape())
                    + " and targets " + Shape.format(targets.shape()) + " must have the same shape (a loss does not "
                    + "broadcast: reshape one to the other, e.g. an [N, 1] output with reshape(-1) for [N] targets)");
        }
    }

    /** λ·Σ|w| over the given parameters, to add to a loss. */
    public static Tensor l1(Collection<Tensor> params, float lambda) {
        Tensor total = null;
        for (Tensor p : params) {
            Tensor s = p.abs().sum();
            total = total == null ? s : total.add(s);
        }
        return total.mul(lambda);
    }

    /** (λ/2)·Σ w² over the given parameters, to add to a loss. */
    public static Tensor l2(Collection<Tensor> params, float lambda) {
        Tensor total = null;
        for (Tensor p : params) {
            Tensor s = p.square().sum();
            total = total == null ? s : total.add(s);
        }
        return total.mul(lambda / 2f);
    }

    /**
     * One-hot rows [N, C] from class indices [N], built on the device (a broadcast comparison). An index
     * that is not a whole number in [0, C) gives a row of zeros (not checked: the indices stay on the device).
     */
    public static Tensor oneHot(Tensor classes, int numClasses) {
        float[] range = new float[numClasses];
        for (int i = 0; i < numClasses; i++) {
            range[i] = i;
        }
        Tensor cols = Tensor.of(classes.device(), range, 1, numClasses);
        return classes.reshape(-1, 1).detach().equal(cols);
    }
}
