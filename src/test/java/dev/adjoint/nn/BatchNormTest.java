package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Gradcheck;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * BatchNorm against its definition in float64 (training output, running statistics after two steps, eval
 * output on them) and against finite differences, on every backend; its refusals. PyTorch's own numbers:
 * {@link TorchConvolutionTest}.
 */
class BatchNormTest {
    private static float[] gaussian(int n, long seed, double scale, double shift) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale + shift);
        }
        return v;
    }

    /** Per channel of x [n, c, inner]: {mean, biased variance}, in float64. */
    private static double[][] stats(float[] x, int n, int c, int inner) {
        double[][] out = new double[c][2];
        int m = n * inner;
        for (int ch = 0; ch < c; ch++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < inner; k++) {
                    sum += x[(i * c + ch) * inner + k];
                }
            }
            double mean = sum / m;
            double sq = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < inner; k++) {
                    double dv = x[(i * c + ch) * inner + k] - mean;
                    sq += dv * dv;
                }
            }
            out[ch][0] = mean;
            out[ch][1] = sq / m;
        }
        return out;
    }

    private static void assertNormalised(float[] x, float[] y, int n, int c, int inner, double[] mean, double[] var,
                                         float[] w, float[] b, String what) {
        for (int i = 0; i < n; i++) {
            for (int ch = 0; ch < c; ch++) {
                for (int k = 0; k < inner; k++) {
                    int at = (i * c + ch) * inner + k;
                    double want = (x[at] - mean[ch]) / Math.sqrt(var[ch] + 1e-5) * w[ch] + b[ch];
                    assertEquals(want, y[at], 2e-5 * Math.max(1, Math.abs(want)), what + " at " + at);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void trainingAndEvalFollowTheDefinition(String backend) {
        Device d = Backends.open(backend);
        int n = 4;
        int c = 3;
        int inner = 5 * 6;
        try (Scope s = Scope.open(); BatchNorm bn = BatchNorm.of2d(d, c)) {
            float[] w = {0.5f, -2, 1.5f};
            float[] b = {1, 0, -0.25f};
            InPlace.copy(bn.parameters().get("weight"), Tensor.of(d, w, c));
            InPlace.copy(bn.parameters().get("bias"), Tensor.of(d, b, c));
            double[] runMean = {0, 0, 0};
            double[] runVar = {1, 1, 1};
            int m = n * inner;
            for (int step = 0; step < 2; step++) {
                float[] x = gaussian(n * c * inner, 10 + step, 3, step == 0 ? 2 : -1);
                float[] y = bn.forward(Tensor.of(d, x, n, c, 5, 6)).toArray();
                double[][] st = stats(x, n, c, inner);
                double[] mean = new double[c];
                double[] var = new double[c];
                for (int ch = 0; ch < c; ch++) {
                    mean[ch] = st[ch][0];
                    var[ch] = st[ch][1];
                    runMean[ch] = 0.9 * runMean[ch] + 0.1 * mean[ch];
                    runVar[ch] = 0.9 * runVar[ch] + 0.1 * var[ch] * m / (m - 1.0);   // unbiased in the running variance
                }
                assertNormalised(x, y, n, c, inner, mean, var, w, b, backend + " training step " + step);
            }
            float[] gotMean = bn.buffers().get("running_mean").toArray();
            float[] gotVar = bn.buffers().get("running_var").toArray();
            for (int ch = 0; ch < c; ch++) {
                assertEquals(runMean[ch], gotMean[ch], 1e-5 * Math.max(1, Math.abs(runMean[ch])), backend + " running_mean");
                assertEquals(runVar[ch], gotVar[ch], 1e-5 * Math.max(1, runVar[ch]), backend + " running_var");
            }
            bn.eval();
            float[] x = gaussian(2 * c * inner, 30, 1, 0);
            float[] y = bn.forward(Tensor.of(d, x, 2, c, 5, 6)).toArray();
            assertNormalised(x, y, 2, c, inner, runMean, runVar, w, b, backend + " eval");
            assertEquals(gotMean[0], bn.buffers().get("running_mean").toArray()[0], "eval leaves the statistics alone");
        }
    }

    /** Through the batch statistics: every input moves every output of its channel. */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gradientsMatchFiniteDifferences(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open(); BatchNorm two = BatchNorm.of2d(d, 2); BatchNorm one = BatchNorm.of1d(d, 3)) {
            InPlace.copy(two.parameters().get("weight"), Tensor.of(d, new float[] {1.5f, -0.5f}, 2));
            float[] u2 = gaussian(3 * 2 * 2 * 3, 5, 1, 0);
            Gradcheck.check("BatchNorm2d", t -> two.forward(t[0]).mul(Tensor.of(d, u2, 3, 2, 2, 3)).sum(), 1e-2, 2e-2,
                    Tensor.of(d, gaussian(3 * 2 * 2 * 3, 6, 2, 1), 3, 2, 2, 3));
            float[] u1 = gaussian(5 * 3, 7, 1, 0);
            Gradcheck.check("BatchNorm1d", t -> one.forward(t[0]).mul(Tensor.of(d, u1, 5, 3)).sum(), 1e-2, 2e-2,
                    Tensor.of(d, gaussian(5 * 3, 8, 2, 1), 5, 3));
            // the parameters' gradients: d/dweight = Σ u·x̂, d/dbias = Σ u over the channel's values
            Tensor x = Tensor.of(d, gaussian(5 * 3, 8, 2, 1), 5, 3);
            one.parameters().values().forEach(Tensor::zeroGrad);    // the gradchecks' backwards added into them
            one.forward(x).mul(Tensor.of(d, u1, 5, 3)).sum().backward();
            float[] xs = x.toArray();
            double[][] st = stats(xs, 5, 3, 1);
            float[] gw = one.parameters().get("weight").grad().toArray();
            float[] gb = one.parameters().get("bias").grad().toArray();
            for (int ch = 0; ch < 3; ch++) {
                double w = 0;
                double bsum = 0;
                for (int i = 0; i < 5; i++) {
                    w += u1[i * 3 + ch] * (xs[i * 3 + ch] - st[ch][0]) / Math.sqrt(st[ch][1] + 1e-5);
                    bsum += u1[i * 3 + ch];
                }
                assertEquals(w, gw[ch], 1e-4 * Math.max(1, Math.abs(w)), backend + " weight gradient " + ch);
                assertEquals(bsum, gb[ch], 1e-5 * Math.max(1, Math.abs(bsum)), backend + " bias gradient " + ch);
            }
        }
    }

    /** Forward mode's J·v of sum(u·bn(x)) against reverse mode's gradient · v, in training mode. */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void forwardModeAgreesWithReverseMode(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open(); BatchNorm bn = BatchNorm.of2d(d, 2)) {
            InPlace.copy(bn.parameters().get("weight"), Tensor.of(d, new float[] {1.5f, -0.5f}, 2));
            float[] u = gaussian(3 * 2 * 4, 11, 1, 0);
            float[] v = gaussian(3 * 2 * 4, 12, 1, 0);
            Tensor x = Tensor.of(d, gaussian(3 * 2 * 4, 13, 2, 1), 3, 2, 2, 2).requiresGrad(true);
            bn.forward(x).mul(Tensor.of(d, u, 3, 2, 2, 2)).sum().backward();
            float[] grad = x.grad().toArray();
            double dot = 0;
            for (int i = 0; i < v.length; i++) {
                dot += grad[i] * v[i];
            }
            dev.adjoint.tensor.Dual jvp = dev.adjoint.tensor.Dual.jvp(t -> bn.forward(t[0]).mul(Tensor.of(d, u, 3, 2, 2, 2))
                    .sum(), new Tensor[] {x.detach()}, new Tensor[] {Tensor.of(d, v, 3, 2, 2, 2)});
            assertEquals(dot, jvp.tangent().item(), 1e-4 * Math.max(1, Math.abs(dot)), backend + ": J·v");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void refusesShapesAndASingleValuePerChannel(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open(); BatchNorm two = BatchNorm.of2d(d, 3); BatchNorm one = BatchNorm.of1d(d, 3)) {
            String m = assertThrows(IllegalArgumentException.class, () -> two.forward(Tensor.zeros(d, 2, 4, 5, 5)))
                    .getMessage();
            assertTrue(m.startsWith("BatchNorm2d(3): input of shape [2, 4, 5, 5]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> one.forward(Tensor.zeros(d, 2, 3, 4, 4))).getMessage();
            assertTrue(m.contains("[N, 3] or [N, 3, L]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> one.forward(Tensor.zeros(d, 1, 3))).getMessage();
            assertTrue(m.contains("more than one value per channel"), m);
            one.eval();
            assertEquals(3, one.forward(Tensor.ones(d, 1, 3)).numel(), "eval takes a single row");
        }
    }
}
