package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.optim.Clip;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Gradcheck;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.CountingDevice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class NnTest {
    private static final Device CPU = new CpuDevice(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    @Test
    void linearComputesXWtPlusBWithPyTorchLayout() {
        try (Linear layer = new Linear(CPU, 3, 2, true, Init.PYTORCH, 5); Scope s = Scope.open()) {
            float[] w = layer.parameters().get("weight").toArray();
            float[] b = layer.parameters().get("bias").toArray();
            assertArrayEquals(new int[] {2, 3}, layer.parameters().get("weight").shape());
            for (float v : w) {
                assertTrue(Math.abs(v) <= 1 / Math.sqrt(3), "PyTorch init bound");
            }
            float[] x = {1, 2, 3, -1, 0.5f, 2};
            float[] y = layer.forward(Tensor.of(CPU, x, 2, 3)).toArray();
            for (int i = 0; i < 2; i++) {
                for (int o = 0; o < 2; o++) {
                    double e = b[o];
                    for (int k = 0; k < 3; k++) {
                        e += (double) x[i * 3 + k] * w[o * 3 + k];
                    }
                    assertEquals(e, y[i * 2 + o], 1e-6);
                }
            }
            IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
                    () -> layer.forward(Tensor.zeros(CPU, 2, 4)));
            assertTrue(err.getMessage().contains("Linear(3 -> 2)") && err.getMessage().contains("[2, 4]"), err.getMessage());
        }
    }

    @Test
    void initialisersHaveTheirVariance() {
        int fanIn = 400;
        int fanOut = 200;
        double[][] expected = {
            {Init.XAVIER_UNIFORM.ordinal(), 2.0 / (fanIn + fanOut)}, {Init.XAVIER_NORMAL.ordinal(), 2.0 / (fanIn + fanOut)},
            {Init.HE_UNIFORM.ordinal(), 2.0 / fanIn}, {Init.HE_NORMAL.ordinal(), 2.0 / fanIn},
            {Init.PYTORCH.ordinal(), 1.0 / (3 * fanIn)},
        };
        for (double[] e : expected) {
            Init init = Init.values()[(int) e[0]];
            try (Tensor w = init.weight(CPU, 9, fanIn, fanOut, fanOut, fanIn)) {
                double sq = 0;
                for (float v : w.toArray()) {
                    sq += v * v;
                }
                assertEquals(e[1], sq / (fanIn * fanOut), e[1] * 0.03, init.name());
            }
        }
    }

    @Test
    void mlpNamesLayersLikeTorchSequentialAndSlabsParameters() {
        try (Sequential mlp = Sequential.mlp(CPU, new int[] {4, 8, 3}, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1)) {
            Map<String, Tensor> before = mlp.parameters();
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(before.keySet()));
            float[] w0 = before.get("0.weight").toArray();
            try (Parameters p = Parameters.of(mlp); Scope s = Scope.open()) {
                assertEquals(4 * 8 + 8 + 8 * 3 + 3, p.count());
                assertArrayEquals(w0, mlp.parameters().get("0.weight").toArray(), "values survive the move");
                assertArrayEquals(w0, java.util.Arrays.copyOf(p.values().toArray(), 32));
                Tensor x = Tensor.normal(CPU, 3, 0f, 1f, 5, 4);
                mlp.forward(x).sum().backward();
                Tensor g = mlp.parameters().get("2.bias").grad();
                assertArrayEquals(new float[] {5, 5, 5}, g.toArray(), "d(sum)/d(bias) is the batch size");
                float[] slab = p.grads().toArray();
                assertArrayEquals(new float[] {5, 5, 5}, java.util.Arrays.copyOfRange(slab, slab.length - 3, slab.length));
                p.zeroGrad();
                assertArrayEquals(new float[] {0, 0, 0}, mlp.parameters().get("2.bias").grad().toArray(),
                        "read through grad(), a zeroed gradient is zeros");
                assertArrayEquals(new float[4 * 8 + 8 + 8 * 3 + 3], p.grads().toArray(), "so is the whole slab");
            }
        }
    }

    /**
     * Zeroing is lazy (the next backward writes instead of adding): the gradients after zeroGrad and
     * one backward are those of that backward alone, two backwards without zeroGrad add up, and a
     * parameter the loss does not use reads as zeros in the slab the optimizer sees.
     */
    @Test
    void lazilyZeroedGradientsAreWrittenSummedAndZeroWhereUnused() {
        try (Sequential mlp = Sequential.mlp(CPU, new int[] {4, 8, 3}, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);
             Parameters p = Parameters.of(mlp); Scope s = Scope.open()) {
            Tensor x = Tensor.normal(CPU, 3, 0f, 1f, 5, 4);
            mlp.forward(x).sum().backward();
            float[] once = p.grads().toArray();
            mlp.forward(x).sum().backward();
            float[] twice = p.grads().toArray();
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], twice[i], 1e-6 * Math.abs(once[i]), "two backwards add up at " + i);
            }
            p.zeroGrad();
            mlp.forward(x).sum().backward();
            assertArrayEquals(once, p.grads().toArray(), "after zeroGrad: one backward's gradients, bit for bit");
            p.zeroGrad();
            // Only the first layer's weight takes part: every other gradient must read 0, not its stale value.
            Tensor w0 = mlp.parameters().get("0.weight");
            w0.mul(w0).sum().backward();
            float[] g = p.grads().toArray();
            float[] w = w0.toArray();
            for (int i = 0; i < g.length; i++) {
                float want = i < w.length ? 2 * w[i] : 0f;
                assertEquals(want, g[i], 1e-6f * Math.abs(want), "gradient " + i);
            }
        }
    }

    /** Closing frees both slabs and does not first fill the lazily zeroed gradients it is about to free. */
    @Test
    void closingParametersFreesTheSlabsWithoutFillingPendingZeros() {
        CountingDevice dev = new CountingDevice(CPU);
        try (Sequential mlp = Sequential.mlp(dev, new int[] {4, 8, 3}, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);
             Parameters p = Parameters.of(mlp)) { // closed twice on success: close is idempotent
            try (Scope s = Scope.open()) {
                mlp.forward(Tensor.normal(dev, 3, 0f, 1f, 5, 4)).sum().backward();
            }
            p.zeroGrad();
            long fills = dev.fills();
            long live = dev.liveBytes();
            p.close();
            assertEquals(fills, dev.fills(), "close filled a gradient it then freed");
            assertEquals(live - 2 * 4 * p.count(), dev.liveBytes(), "the value and gradient slabs are freed");
        }
    }

    @Test
    void sgdStepMatchesTheFormula() {
        try (Linear layer = new Linear(CPU, 2, 1, true, Init.XAVIER_UNIFORM, 3); Parameters p = Parameters.of(layer);
             Optimizer opt = Optimizer.sgd(p, 0.1f, 0f, 0f, false); Scope s = Scope.open()) {
            float[] before = p.values().toArray();
            Tensor x = Tensor.of(CPU, new float[] {1, 2}, 1, 2);
            layer.forward(x).sum().backward(); // dW = x, db = 1
            opt.step();
            float[] after = p.values().toArray();
            assertEquals(before[0] - 0.1f * 1, after[0], 1e-6);
            assertEquals(before[1] - 0.1f * 2, after[1], 1e-6);
            assertEquals(before[2] - 0.1f, after[2], 1e-6);
        }
    }

    @Test
    void lossesAgainstHandComputedValues() {
        try (Scope s = Scope.open()) {
            Tensor scores = Tensor.of(CPU, new float[][] {{3.2f, 5.1f, -1.7f}, {1.3f, 4.9f, 2.0f}});
            Tensor classes = Tensor.of(CPU, new float[] {0, 1}, 2);
            // cs231n's example: row 0 margins max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1) = 2.9; row 1: 0.
            assertEquals(2.9 / 2, Losses.hinge(scores, classes, Losses.Reduction.MEAN).item(), 1e-5);
            assertEquals(2.9, Losses.hinge(scores, classes, Losses.Reduction.SUM).item(), 1e-5);
            Tensor p = Tensor.of(CPU, new float[] {1, 2, 3, 4}, 2, 2);
            Tensor t = Tensor.of(CPU, new float[] {0, 2, 3, 7}, 2, 2);
            assertEquals((1 + 0 + 0 + 9) / 4.0, Losses.mse(p, t, Losses.Reduction.MEAN).item(), 1e-6);
            assertEquals((0.5 * 1 + 0.5 * 9) / 2, Losses.euclidean(p, t, Losses.Reduction.MEAN).item(), 1e-6);
            Tensor logit = Tensor.of(CPU, new float[] {-100f, 0f, 100f}, 3);
            Tensor label = Tensor.of(CPU, new float[] {0, 1, 1}, 3);
            double bce = (Math.log1p(Math.exp(-100)) + Math.log(2) + Math.log1p(Math.exp(-100))) / 3;
            assertEquals(bce, Losses.binaryCrossEntropyWithLogits(logit, label, Losses.Reduction.MEAN).item(), 1e-6);
            Tensor onehot = Losses.oneHot(classes, 3);
            assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0}, onehot.toArray());
            assertEquals(scores.crossEntropy(classes).item(),
                    Losses.crossEntropySoft(scores, onehot, Losses.Reduction.MEAN).item(), 1e-5);
            // By name (as the trainer takes them), mse and euclidean compare the logits [N, C] with one-hot rows of
            // the class indices [N]: the same [N, C] shape, which the losses now require.
            assertEquals(Losses.mse(scores, onehot, Losses.Reduction.MEAN).item(),
                    Losses.byName("mse").apply(scores, classes).item(), 1e-6);
            assertEquals(Losses.euclidean(scores, onehot, Losses.Reduction.MEAN).item(),
                    Losses.byName("euclidean").apply(scores, classes).item(), 1e-6);
            Tensor w = Tensor.of(CPU, new float[] {1, -2}, 2);
            assertEquals(0.1 * 3, Losses.l1(List.of(w), 0.1f).item(), 1e-6);
            assertEquals(0.05 * 5, Losses.l2(List.of(w), 0.1f).item(), 1e-6);
        }
    }

    @Test
    void lossGradientsPassGradcheck() {
        try (Scope s = Scope.open()) {
            Tensor scores = Tensor.of(CPU, new float[][] {{3.2f, 5.1f, -1.7f}, {1.3f, 4.9f, 2.0f}, {0.1f, 0.5f, 2.2f}});
            Tensor classes = Tensor.of(CPU, new float[] {0, 1, 1}, 3);
            Tensor targets = Tensor.of(CPU, new float[] {0.3f, -1f, 2f, 1f, 0f, 0f, 1f, 1f, 1f}, 3, 3);
            Tensor bits = Tensor.of(CPU, new float[] {0, 1, 1, 0, 1, 0, 0, 0, 1}, 3, 3);
            Gradcheck.check("hinge", x -> Losses.hinge(x[0], classes, Losses.Reduction.MEAN), 3e-3, 1e-3, scores);
            Gradcheck.check("mse", x -> Losses.mse(x[0], targets, Losses.Reduction.SUM), 3e-3, 1e-3, scores);
            Gradcheck.check("euclidean", x -> Losses.euclidean(x[0], targets, Losses.Reduction.MEAN), 3e-3, 1e-3, scores);
            Gradcheck.check("bce", x -> Losses.binaryCrossEntropyWithLogits(x[0], bits, Losses.Reduction.MEAN), 3e-3, 1e-3, scores);
            Gradcheck.check("soft ce", x -> Losses.crossEntropySoft(x[0], bits, Losses.Reduction.MEAN), 3e-3, 1e-3, scores);
            Gradcheck.check("l2 + l1", x -> Losses.l2(List.of(x[0]), 0.3f).add(Losses.l1(List.of(x[0]), 0.2f)), 3e-3, 1e-3, scores);
        }
    }

    @Test
    void schedules() {
        assertEquals(1.0, Schedule.constant().factor(99));
        assertEquals(0.25, Schedule.step(10, 0.5).factor(25), 1e-12);
        assertEquals(Math.pow(0.9, 3), Schedule.exponential(0.9).factor(3), 1e-12);
        assertEquals(1.0, Schedule.cosine(100, 0.1).factor(0), 1e-12);
        assertEquals(0.55, Schedule.cosine(100, 0.1).factor(50), 1e-12);
        assertEquals(0.1, Schedule.cosine(100, 0.1).factor(100), 1e-12);
        Schedule w = Schedule.warmup(4, Schedule.constant());
        assertEquals(0.25, w.factor(0), 1e-12);
        assertEquals(1.0, w.factor(3), 1e-12);
        assertEquals(1.0, w.factor(10), 1e-12);
    }

    @Test
    void clippingScalesToTheMaximumNormOnlyWhenAbove() {
        try (Linear layer = new Linear(CPU, 3, 2, true, Init.XAVIER_UNIFORM, 1); Parameters p = Parameters.of(layer);
             Scope s = Scope.open()) {
            layer.forward(Tensor.of(CPU, new float[] {10, 20, 30}, 1, 3)).sum().backward();
            double norm = norm(p.grads().toArray());
            assertTrue(norm > 1);
            Clip.globalNorm(p, 1f);
            assertEquals(1.0, norm(p.grads().toArray()), 1e-5);
            Clip.globalNorm(p, 5f);
            assertEquals(1.0, norm(p.grads().toArray()), 1e-5);
        }
    }

    private static double norm(float[] g) {
        double s = 0;
        for (float v : g) {
            s += v * v;
        }
        return Math.sqrt(s);
    }

    @Test
    void dropoutScalesInTrainingAndIsIdentityInEval() {
        try (Dropout d = new Dropout(0.25f, 7); Scope s = Scope.open()) {
            Tensor x = Tensor.ones(CPU, 100_000);
            float[] y = d.forward(x).toArray();
            int zeros = 0;
            for (float v : y) {
                if (v == 0f) {
                    zeros++;
                } else {
                    assertEquals(1 / 0.75f, v, 1e-6);
                }
            }
            assertEquals(0.25, zeros / 100_000.0, 0.01);
            d.eval();
            assertSame(x, d.forward(x));
        }
    }
}
