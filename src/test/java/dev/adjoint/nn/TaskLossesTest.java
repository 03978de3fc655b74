package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Dual;
import dev.adjoint.tensor.Gradcheck;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The losses of the binary and regression tasks and the class-weighted ones (#24), on every
 * backend, against float64 references written out here: the value, the gradient (reverse mode,
 * against the closed-form derivative), finite differences, and forward mode (a JVP equals the
 * gradient dotted with the tangent). All are composed of existing ops, so no backend needs a kernel.
 */
class TaskLossesTest {
    static List<String> backends() {
        return Backends.names();
    }

    /** Logits from far negative to far positive, 0 included, where a naive log(σ(x)) overflows or loses everything. */
    private static final float[] X = {-100f, -30f, -17f, -3.5f, -0.5f, 0f, 0f, 0.25f, 2f, 17f, 30f, 100f};
    private static final float[] Y = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0};

    private static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** The float64 reference: max(x,0) − x·y + log1p(e^−|x|). */
    private static double bce(double x, double y) {
        return Math.max(x, 0) - x * y + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** The loss's value and gradient with respect to {@code x}, computed on the device. */
    private record Result(double value, float[] grad) {}

    private static Result run(Device d, float[] x, int[] shape, Function<Tensor, Tensor> loss) {
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.of(d, x, shape).requiresGrad(true);
            Tensor l = loss.apply(t);
            l.backward();
            return new Result(l.item(), t.grad().toArray());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void binaryCrossEntropyWithLogitsIsStableAndItsGradientIsSigmoidMinusTarget(String backend) {
        Device d = Backends.open(backend);
        int n = X.length;
        try (Scope s = Scope.open()) {
            Tensor y = Tensor.of(d, Y, n);
            Result r = run(d, X, new int[] {n}, x -> Losses.binaryCrossEntropyWithLogits(x, y, Losses.Reduction.MEAN));
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += bce(X[i], Y[i]);
            }
            assertTrue(Double.isFinite(r.value()), backend + ": finite where log(sigmoid(x)) overflows: " + r.value());
            assertEquals(sum / n, r.value(), 1e-6 * Math.max(1, sum / n), backend + ": mean BCE");
            for (int i = 0; i < n; i++) {
                // the derivative is σ(x) − y everywhere, x = 0 included (½ − y, as PyTorch's)
                assertEquals((sigmoid(X[i]) - Y[i]) / n, r.grad()[i], 1e-7, backend + ": dBCE/dx at x = " + X[i]);
            }
            // each element on its own, to see the terms at large |x| that a mean would hide
            Result sum1 = run(d, X, new int[] {n}, x -> Losses.binaryCrossEntropyWithLogits(x, y, Losses.Reduction.SUM));
            assertEquals(sum, sum1.value(), 1e-5 * Math.max(1, sum), backend + ": summed BCE");
            for (int i = 0; i < n; i++) {
                float[] one = {X[i]};
                Tensor yi = Tensor.of(d, new float[] {Y[i]}, 1);
                Result e = run(d, one, new int[] {1}, x -> Losses.binaryCrossEntropyWithLogits(x, yi, Losses.Reduction.MEAN));
                double ref = bce(X[i], Y[i]);
                // float32: relative 1e-6, and an absolute 6e-8 below which log(1 + e^-|x|) rounds away next to 1
                assertEquals(ref, e.value(), Math.max(1e-6 * ref, 6e-8), backend + ": BCE(" + X[i] + ", " + Y[i] + ")");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void classWeightedBinaryCrossEntropyIsTheWeightedMean(String backend) {
        Device d = Backends.open(backend);
        int n = X.length;
        float w0 = 0.4f;
        float w1 = 2.5f;
        try (Scope s = Scope.open()) {
            Tensor y = Tensor.of(d, Y, n);
            Result r = run(d, X, new int[] {n}, x -> Losses.binaryCrossEntropyWithLogits(x, y, w0, w1));
            double num = 0;
            double den = 0;
            for (int i = 0; i < n; i++) {
                double w = Y[i] == 1 ? w1 : w0;
                num += w * bce(X[i], Y[i]);
                den += w;
            }
            assertEquals(num / den, r.value(), 1e-6 * Math.max(1, num / den), backend + ": weighted BCE");
            for (int i = 0; i < n; i++) {
                double w = Y[i] == 1 ? w1 : w0;
                assertEquals(w * (sigmoid(X[i]) - Y[i]) / den, r.grad()[i], 1e-7, backend + ": gradient at " + X[i]);
            }
            Result plain = run(d, X, new int[] {n}, x -> Losses.binaryCrossEntropyWithLogits(x, y, Losses.Reduction.MEAN));
            Result ones = run(d, X, new int[] {n}, x -> Losses.binaryCrossEntropyWithLogits(x, y, 1f, 1f));
            assertEquals(plain.value(), ones.value(), 1e-6, backend + ": weights 1 and 1 are the plain mean");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void classWeightedCrossEntropyMatchesAFloat64Computation(String backend) {
        Device d = Backends.open(backend);
        int n = 9;
        int c = 4;
        Random rnd = new Random(11);
        float[] logits = new float[n * c];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (3 * rnd.nextGaussian());
        }
        logits[5] = 60f;     // a large logit: the log-softmax must not overflow
        float[] classes = {0, 1, 2, 3, 1, 1, 0, 3, 2};
        float[] w = {0.5f, 2f, 1f, 3.25f};
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.of(d, classes, n);
            Result r = run(d, logits, new int[] {n, c}, x -> Losses.crossEntropy(x, t, w));
            double num = 0;
            double den = 0;
            double[][] p = new double[n][c];
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < c; j++) {
                    max = Math.max(max, logits[i * c + j]);
                }
                double z = 0;
                for (int j = 0; j < c; j++) {
                    z += Math.exp(logits[i * c + j] - max);
                }
                for (int j = 0; j < c; j++) {
                    p[i][j] = Math.exp(logits[i * c + j] - max) / z;
                }
                int k = (int) classes[i];
                num += w[k] * (max + Math.log(z) - logits[i * c + k]);
                den += w[k];
            }
            assertEquals(num / den, r.value(), 1e-5 * Math.max(1, num / den), backend + ": weighted cross-entropy");
            for (int i = 0; i < n; i++) {
                int k = (int) classes[i];
                for (int j = 0; j < c; j++) {
                    double g = w[k] * (p[i][j] - (j == k ? 1 : 0)) / den;
                    assertEquals(g, r.grad()[i * c + j], 2e-6, backend + ": gradient [" + i + ", " + j + "]");
                }
            }
            float[] ones = {1, 1, 1, 1};
            Result weighted = run(d, logits, new int[] {n, c}, x -> Losses.crossEntropy(x, t, ones));
            Result fused = run(d, logits, new int[] {n, c}, x -> x.crossEntropy(t));
            assertEquals(fused.value(), weighted.value(), 1e-5, backend + ": weights of 1 are the fused kernel's mean");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void mseMaeAndHuberAgainstTheirFormulas(String backend) {
        Device d = Backends.open(backend);
        float[] pred = {0f, 1.5f, -2f, 0.3f, 4f, -0.75f, 2f, 1f};
        float[] targ = {0f, 0.25f, 1f, 0.3f, -1f, 0.25f, 1f, 1.5f};   // differences 0, 1.25, -3, 0, 5, -1, 1 (= δ), -0.5
        int n = pred.length;
        float delta = 1f;
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.of(d, targ, n);
            Result mse = run(d, pred, new int[] {n}, x -> Losses.mse(x, t, Losses.Reduction.MEAN));
            Result mae = run(d, pred, new int[] {n}, x -> Losses.mae(x, t, Losses.Reduction.MEAN));
            Result hub = run(d, pred, new int[] {n}, x -> Losses.huber(x, t, delta, Losses.Reduction.MEAN));
            Result hub2 = run(d, pred, new int[] {n}, x -> Losses.huber(x, t, 2.5f, Losses.Reduction.SUM));
            double sq = 0;
            double ab = 0;
            double hu = 0;
            double hu2 = 0;
            for (int i = 0; i < n; i++) {
                double e = (double) pred[i] - targ[i];
                sq += e * e;
                ab += Math.abs(e);
                hu += Math.abs(e) <= delta ? 0.5 * e * e : delta * (Math.abs(e) - 0.5 * delta);
                hu2 += Math.abs(e) <= 2.5 ? 0.5 * e * e : 2.5 * (Math.abs(e) - 0.5 * 2.5);
                assertEquals(2 * e / n, mse.grad()[i], 1e-6, backend + ": dMSE at " + e);
                assertEquals(Math.signum(e) / n, mae.grad()[i], 1e-7, backend + ": dMAE at " + e + " (0 at 0, as L1Loss)");
                assertEquals(Math.max(-delta, Math.min(delta, e)) / n, hub.grad()[i], 1e-6, backend + ": dHuber at " + e);
                assertEquals(Math.max(-2.5, Math.min(2.5, e)), hub2.grad()[i], 1e-6, backend + ": dHuber(2.5) at " + e);
            }
            assertEquals(sq / n, mse.value(), 1e-6, backend + ": MSE");
            assertEquals(ab / n, mae.value(), 1e-6, backend + ": MAE");
            assertEquals(hu / n, hub.value(), 1e-6, backend + ": Huber");
            assertEquals(hu2, hub2.value(), 1e-5, backend + ": Huber, delta 2.5, summed");
            assertThrows(IllegalArgumentException.class, () -> Losses.huber(t, t, 0f, Losses.Reduction.MEAN));
            assertThrows(IllegalArgumentException.class, () -> Losses.mae(Tensor.zeros(d, n, 1), t, Losses.Reduction.MEAN),
                    "[N, 1] against [N] is refused, not broadcast to [N, N]");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void finiteDifferencesAndForwardModeAgree(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            // away from the kinks (|d| = 0, |d| = δ, x = 0), where a finite difference straddles two slopes
            Tensor logits = Tensor.of(d, new float[] {1.3f, -0.7f, 2.1f, 0.4f, -1.9f, 0.9f, 0.2f, -0.3f, 1.1f}, 3, 3);
            Tensor classes = Tensor.of(d, new float[] {2, 0, 1}, 3);
            Tensor pred = Tensor.of(d, new float[] {0.4f, -1.7f, 2.9f, 0.35f, -0.2f}, 5);
            Tensor targ = Tensor.of(d, new float[] {0.1f, 0.3f, 0.2f, 1.6f, 0.5f}, 5);
            Tensor bits = Tensor.of(d, new float[] {1, 0, 1, 0, 0}, 5);
            float[] w = {0.5f, 2f, 1.5f};
            Gradcheck.check(backend + " weighted ce", x -> Losses.crossEntropy(x[0], classes, w), 3e-3, 2e-3, logits);
            Gradcheck.check(backend + " weighted bce", x -> Losses.binaryCrossEntropyWithLogits(x[0], bits, 0.3f, 1.7f),
                    3e-3, 2e-3, pred);
            Gradcheck.check(backend + " huber", x -> Losses.huber(x[0], targ, 1f, Losses.Reduction.MEAN), 3e-3, 2e-3, pred);
            Gradcheck.check(backend + " mae", x -> Losses.mae(x[0], targ, Losses.Reduction.MEAN), 3e-3, 2e-3, pred);
            float[] v = {0.3f, -1f, 0.5f, 2f, -0.25f};
            Tensor tangent = Tensor.of(d, v, 5);
            List<Function<Tensor, Tensor>> losses = List.of(
                    x -> Losses.binaryCrossEntropyWithLogits(x, bits, Losses.Reduction.MEAN),
                    x -> Losses.binaryCrossEntropyWithLogits(x, bits, 0.3f, 1.7f),
                    x -> Losses.huber(x, targ, 1f, Losses.Reduction.MEAN),
                    x -> Losses.mae(x, targ, Losses.Reduction.MEAN));
            for (Function<Tensor, Tensor> f : losses) {
                Result r = run(d, pred.toArray(), new int[] {5}, f);
                double dot = 0;
                for (int i = 0; i < v.length; i++) {
                    dot += r.grad()[i] * v[i];
                }
                Dual jvp = Dual.jvp(x -> f.apply(x[0]), new Tensor[] {pred}, new Tensor[] {tangent});
                assertEquals(r.value(), jvp.value().item(), 1e-6, backend + ": forward mode's value");
                assertEquals(dot, jvp.tangent().item(), 1e-5, backend + ": forward mode's J·v against the gradient · v");
            }
            float[] lv = new float[9];
            for (int i = 0; i < 9; i++) {
                lv[i] = (i % 3) - 0.7f;
            }
            Result r = run(d, logits.toArray(), new int[] {3, 3}, x -> Losses.crossEntropy(x, classes, w));
            double dot = 0;
            for (int i = 0; i < 9; i++) {
                dot += r.grad()[i] * lv[i];
            }
            Dual jvp = Dual.jvp(x -> Losses.crossEntropy(x[0], classes, w), new Tensor[] {logits},
                    new Tensor[] {Tensor.of(d, lv, 3, 3)});
            assertEquals(dot, jvp.tangent().item(), 1e-5, backend + ": weighted cross-entropy's J·v");
        }
    }
}
