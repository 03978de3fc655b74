package dev.adjoint.bench.jmh;

import dev.adjoint.bench.TrainStep;
import dev.adjoint.conformance.Reference;
import dev.adjoint.nn.Layer;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks that an MLP's forward and training step compute what they should on the device under
 * test, before a benchmark times them. Only the forward of a few rows is recomputed in float64
 * (a whole float64 step of the 4096-wide MLP would take minutes); the step is then checked piece
 * by piece around those logits: the last bias's gradient exactly, the whole gradient along its own
 * direction by a central difference of the loss, and Adam's update over the slab. The float64
 * forward is {@link Float64Mlp}; softmax, cross-entropy and Adam are {@link Reference}'s.
 */
final class MlpValidation {
    /** Rows of a batch whose logits are recomputed in float64. */
    private static final int ROWS = 8;
    /** Loss change the central difference aims at: far above float32 noise in the loss, small enough to stay local. */
    private static final double LOSS_STEP = 1e-2;

    private MlpValidation() {}

    /** The logits of {@code x}, without recording gradients. */
    static float[] logits(Layer model, Tensor x) {
        try (Scope scope = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            return model.forward(x).toArray();
        }
    }

    /**
     * Fails unless the {@code logits} the device computed for input {@code x} agree, on sampled
     * rows, with a float64 forward of the model's weights, to 1e-4 of the row's Σ|w·h| scale.
     */
    static void forward(String what, Layer model, Tensor x, float[] logits) {
        Float64Mlp mlp = Float64Mlp.of(model);
        int classes = mlp.sizes()[mlp.sizes().length - 1];
        float[] input = x.toArray();
        for (int row : Validation.sample(x.size(0), ROWS, 11)) {
            double[][] reference = mlp.forward(input, row);
            Validation.requireClose(what + ", logits of row " + row,
                    Arrays.copyOfRange(logits, row * classes, (row + 1) * classes), reference[0], reference[1], 1e-4, 0);
        }
    }

    /** Takes the first step of a fresh {@link TrainStep} (batch 0) and fails unless it was right. */
    static void firstStep(String what, TrainStep s) {
        if (s.steps() != 0) {
            throw new IllegalStateException(what + ": the step check needs a fresh step, " + s.steps() + " taken");
        }
        Tensor x = s.inputs(0);
        float[] labels = s.labels(0).toArray();
        float[] logits = logits(s.model(), x);
        forward(what, s.model(), x, logits);
        float[] before = s.parameters().values().toArray();
        s.run();
        float[] grads = s.parameters().grads().toArray();
        float[] after = s.parameters().values().toArray();
        int classes = logits.length / labels.length;
        lastBiasGradient(what, s, logits, labels, classes);
        adamUpdate(what, s, before, grads, after);
        directionalDerivative(what, s, before, grads, after, labels, classes);
    }

    /** d(mean loss)/d(last bias)[c] = mean over rows of (softmax(logits)[r][c] − [c == label r]). */
    private static void lastBiasGradient(String what, TrainStep s, float[] logits, float[] labels, int classes) {
        int rows = labels.length;
        double[] perRow = Reference.crossEntropyBackward(Reference.softmax(false, logits, 0, rows, classes), labels,
                new float[] {1f / rows}, 0, rows, classes);
        double[] expected = new double[classes];
        for (int i = 0; i < perRow.length; i++) {
            expected[i % classes] += perRow[i];
        }
        List<Tensor> named = List.copyOf(s.parameters().named().values());
        Tensor lastBias = named.get(named.size() - 1);
        Validation.requireClose(what + ", gradient of the last bias", lastBias.grad().toArray(), expected, null,
                1e-4, 1e-6);
    }

    /** The first Adam update over a sample of the slab, from the parameters before and the gradients. */
    private static void adamUpdate(String what, TrainStep s, float[] before, float[] grads, float[] after) {
        Map<String, Object> c = s.optimizer().config();
        int[] at = Validation.sample(before.length, 1 << 16, 13);
        double[] p = Reference.widen(Validation.gather(before, at));
        Reference.adamStep(p, Validation.gather(grads, at), new double[at.length], new double[at.length], 0,
                at.length, number(c, "lr"), number(c, "beta1"), number(c, "beta2"), number(c, "eps"),
                number(c, "weight_decay"), false, 1);
        Validation.requireClose(what + ", Adam's first update", Validation.gather(after, at), p, null, 1e-5, 1e-6);
    }

    /**
     * The whole backward at once: along the unit gradient direction u, the loss must change at the
     * rate |g| = g·u. The loss is taken in float64 from device logits at θ ± t·u, t chosen so the
     * loss moves by about {@link #LOSS_STEP}; the parameters are put back afterwards.
     */
    private static void directionalDerivative(String what, TrainStep s, float[] before, float[] grads, float[] after,
                                              float[] labels, int classes) {
        double norm = 0;
        for (float g : grads) {
            norm += (double) g * g;
        }
        norm = Math.sqrt(norm);
        if (!(norm > 0) || !Double.isFinite(norm)) {
            throw new IllegalStateException(what + ": the gradient's norm is " + norm);
        }
        double t = LOSS_STEP / norm;
        double[] loss = new double[2];
        int rows = labels.length;
        try (Scope scope = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            Tensor theta = Tensor.of(s.parameters().values().device(), before, before.length);
            Tensor u = Tensor.of(s.parameters().values().device(), grads, grads.length).mul((float) (1 / norm));
            for (int side = 0; side < 2; side++) {
                InPlace.copy(s.parameters().values(), theta.add(u.mul((float) (side == 0 ? t : -t))));
                loss[side] = Arrays.stream(Reference.crossEntropy(logits(s.model(), s.inputs(0)), 0, labels, rows,
                        classes)).average().orElseThrow();
            }
            InPlace.copy(s.parameters().values(), Tensor.of(s.parameters().values().device(), after, after.length));
        }
        double slope = (loss[0] - loss[1]) / (2 * t);
        if (!(Math.abs(slope - norm) <= 0.02 * norm)) {
            throw new IllegalStateException(String.format("%s is wrong: along the gradient the loss changes at %.6g per"
                    + " unit (central difference, step %.3g), but the gradient's norm is %.6g", what, slope, t, norm));
        }
    }

    private static double number(Map<String, Object> config, String key) {
        return ((Number) config.get(key)).doubleValue();
    }
}
