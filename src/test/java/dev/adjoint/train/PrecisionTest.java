package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Dataset;
import dev.adjoint.data.Datasets;
import dev.adjoint.data.Split;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.graph.CapturingDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Linear;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #25 Deliver 2 and 5 in the trainer: BF16 and FP16 steps follow FP32 training within a
 * tolerance, keep F32 master weights and checkpoints, replay bit-identically to define-by-run,
 * and FP16's loss scaler skips overflowing steps and unscales the others exactly.
 */
class PrecisionTest {
    private static final Split<Dataset> SPIRAL = Datasets.spiral(3, 300, 11);
    private static final MlpSpec SPEC = MlpSpec.of(2, new int[] {64, 32}, 3, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 4);

    @TempDir
    Path tmp;

    private record Run(List<EpochStats> history, double testAccuracy, float[] weights, Trainer trainer) {}

    private static Run fit(Device device, Precision p, boolean replay, Path checkpoints) {
        try (Sequential model = SPEC.build(device); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f)) {
            Trainer.Config cfg = Trainer.Config.of(8, 32).withSeed(2).withProgress(Progress.silent());
            Trainer t = new Trainer(model, params, opt, Task.classification(), checkpoints == null ? cfg
                    : cfg.withCheckpoints(checkpoints), SPEC.toConfig()).precision(p).replay(replay);
            List<EpochStats> h = t.fit(SPIRAL.train(), SPIRAL.test(), device, e -> { });
            t.replay(false);
            assertEquals(DType.F32, params.values().dtype(), "master weights stay F32");
            return new Run(h, t.test().accuracy(), params.values().toArray(), t);
        }
    }

    @Test
    void bf16AndFp16TrainingFollowFp32() {
        Device cpu = Backends.open("cpu");
        Run fp32 = fit(cpu, Precision.FP32, false, null);
        for (Precision p : List.of(Precision.BF16, Precision.FP16)) {
            Run low = fit(cpu, p, false, tmp.resolve(p.id()));
            assertFalse(java.util.Arrays.equals(fp32.weights(), low.weights()), p + " computes differently");
            // Training is chaotic: rounding differences grow step by step, as any two FP32 runs with another
            // summation order do. Measured here: epochs 1-2 within 1%, later epochs up to 15% apart, the same end.
            // So the first two epochs are held to 2%, the last to 30%, and the test accuracy to 2 points.
            for (int e = 0; e < 2; e++) {
                double a = fp32.history().get(e).trainLoss();
                double b = low.history().get(e).trainLoss();
                assertTrue(Math.abs(a - b) <= 0.02 * a, p + " epoch " + (e + 1) + " loss " + b + " vs FP32 " + a);
            }
            double a = fp32.history().getLast().trainLoss();
            double b = low.history().getLast().trainLoss();
            assertTrue(Math.abs(a - b) <= 0.3 * a, p + " last epoch's loss " + b + " vs FP32 " + a);
            assertTrue(Math.abs(fp32.testAccuracy() - low.testAccuracy()) <= 0.02,
                    p + " test accuracy " + low.testAccuracy() + " vs FP32 " + fp32.testAccuracy());
            Checkpoint.Loaded saved = Checkpoint.load(tmp.resolve(p.id()));
            assertEquals(p.id(), saved.config().get("precision"));
            assertTrue(saved.tensors().values().stream().allMatch(t -> t.stored() == DType.F32), "checkpoints are F32");
        }
    }

    @Test
    void aReplayedBf16StepIsTheSameAsDefineByRun() {
        Device cpu = Backends.open("cpu");
        float[] plain = fit(cpu, Precision.BF16, false, null).weights();
        float[] replayed = fit(new CapturingDevice(cpu), Precision.BF16, true, null).weights();
        assertArrayEquals(plain, replayed, "8 epochs of BF16 steps, replayed from captured plans");
        float[] fp16 = fit(cpu, Precision.FP16, false, null).weights();
        float[] fp16Replayed = fit(new CapturingDevice(cpu), Precision.FP16, true, null).weights();
        assertArrayEquals(fp16, fp16Replayed, "the loss scale lives on the device: a replay reads the current one");
    }

    @Test
    void theLossScalerSkipsOverflowAndUnscalesExactly() {
        Device cpu = Backends.open("cpu");
        try (Sequential model = new Sequential(new Linear(cpu, 3, 2, true, Init.XAVIER_UNIFORM, 1));
             Parameters params = Parameters.of(model); LossScaler scaler = new LossScaler(cpu);
             Tensor lossSum = Tensor.zeros(cpu, 1)) {
            Tensor grads = params.grads();
            float[] g = new float[(int) grads.numel()];
            for (int i = 0; i < g.length; i++) {
                g[i] = (i + 1) * 0.75f * LossScaler.INITIAL_SCALE;    // what backward of the scaled loss gave
            }
            try (Tensor src = Tensor.of(cpu, g, g.length)) {
                InPlace.copy(grads, src);
            }
            InPlace.add(scaler.stepLoss(), Tensor.full(cpu, 2.5f, 1));
            assertTrue(scaler.unscale(params, lossSum));
            float[] back = params.grads().toArray();
            for (int i = 0; i < back.length; i++) {
                assertEquals((i + 1) * 0.75f, back[i], 0f, "divided by 2^16 exactly");
            }
            assertEquals(2.5f, lossSum.item(), "a kept step's loss counts");

            g[1] = Float.POSITIVE_INFINITY;
            try (Tensor src = Tensor.of(cpu, g, g.length)) {
                InPlace.copy(params.grads(), src);
            }
            InPlace.add(scaler.stepLoss(), Tensor.full(cpu, 7f, 1));
            assertFalse(scaler.unscale(params, lossSum), "an infinite gradient skips the step");
            assertEquals(LossScaler.INITIAL_SCALE * LossScaler.BACKOFF, scaler.value());
            assertEquals(1, scaler.skipped());
            assertEquals(2.5f, lossSum.item(), "a skipped step's loss does not count");
            g[1] = Float.NaN;
            try (Tensor src = Tensor.of(cpu, g, g.length)) {
                InPlace.copy(params.grads(), src);
            }
            assertFalse(scaler.unscale(params, lossSum), "so does a NaN");
            float after = scaler.value();
            g[1] = 1f;
            for (int i = 0; i < LossScaler.GROWTH_INTERVAL; i++) {
                try (Tensor src = Tensor.of(cpu, g, g.length)) {
                    InPlace.copy(params.grads(), src);
                }
                assertTrue(scaler.unscale(params, null));
            }
            assertEquals(after * LossScaler.GROWTH, scaler.value(), "doubled after a run of good steps");
        }
    }

    @Test
    void precisionsByName() {
        assertEquals(Precision.BF16, Precision.of("BF16"));
        assertEquals(DType.F16, Precision.of("fp16").matmulDtype());
        assertTrue(Precision.FP16.scalesLoss() && !Precision.BF16.scalesLoss());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precision.of("fp8"));
        assertEquals("unknown precision 'fp8'; choose one of fp32, tf32, bf16, fp16", e.getMessage());
    }
}
