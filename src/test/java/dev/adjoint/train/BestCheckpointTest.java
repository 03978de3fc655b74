package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Datasets;
import dev.adjoint.data.Dataset;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #20 class 2: the checkpoint directory keeps the best model (by the monitored metric) apart from the
 * last one, a run never replaces a better model without saying so, and a loss that explodes, not
 * only one that turns NaN, stops training before its epoch is saved.
 */
class BestCheckpointTest {
    private static final Split<Dataset> SPIRAL = Datasets.spiral(3, 200, 7);
    private static final MlpSpec SPEC = MlpSpec.of(2, new int[] {16}, 3, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 5);

    @TempDir
    Path tmp;

    private static float accuracy(Path dir) {
        return ((Number) Checkpoint.load(dir).config().get("test_accuracy")).floatValue();
    }

    private static double monitored(Path dir) {
        return ((Number) ((Map<?, ?>) Checkpoint.load(dir).config().get("monitor")).get("value")).doubleValue();
    }

    private static final Monitor ACC = Monitor.of("val_accuracy");

    private static Map<String, Object> cfg(long epoch, double accuracy) {
        return Map.of("epochs_done", epoch, "monitor", Map.of("metric", "val_accuracy", "value", accuracy));
    }

    private static long epoch(Path dir) {
        return ((Number) Checkpoint.load(dir).config().get("epochs_done")).longValue();
    }

    @Test
    void theBestEpochByValidationAccuracyIsInBestAndTheLastInTheDirectory() {
        Path dir = tmp.resolve("run");
        List<float[]> weights = new ArrayList<>();
        List<EpochStats> history;
        try (Device cpu = new CpuDevice(1); Sequential model = SPEC.build(cpu); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName("sgd", params, 0.5f, 0f)) {
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                    Trainer.Config.of(6, 32).withValidation(0.2).withCheckpoints(dir).withProgress(Progress.silent()),
                    SPEC.toConfig());
            history = trainer.fit(SPIRAL.train(), SPIRAL.test(), cpu, s -> weights.add(params.values().toArray()));
            assertEquals(1, trainer.testEvaluations(), "the test split is measured once");
            int best = 0;
            for (int i = 1; i < history.size(); i++) {
                best = history.get(i).valAccuracy() > history.get(best).valAccuracy() ? i : best;
            }
            assertEquals(best + 1, trainer.bestEpoch());
            assertEquals(6, epoch(dir));
            assertEquals(best + 1, epoch(dir.resolve("best")), "the best epoch of " + history);
            assertEquals(history.get(best).valAccuracy(), monitored(dir.resolve("best")));
            assertArrayEquals(weights.get(best), concat(dir.resolve("best")), "best holds that epoch's weights");
            assertEquals((float) trainer.test().accuracy(), accuracy(dir.resolve("best")), "best records its test accuracy");
            assertArrayEquals(weights.get(5), params.values().toArray(), "the trainer keeps the last epoch's weights");
        }
    }

    /** The parameters of a saved MLP [2, 16, 3] in slab order. */
    private static float[] concat(Path dir) {
        Map<String, dev.adjoint.io.Safetensors.Loaded> t = Checkpoint.load(dir).tensors();
        float[] out = new float[32 + 16 + 48 + 3];
        int at = 0;
        for (String name : List.of("0.weight", "0.bias", "2.weight", "2.bias")) {
            float[] d = t.get(name).data();
            System.arraycopy(d, 0, out, at, d.length);
            at += d.length;
        }
        return out;
    }

    @Test
    void aWorseEpochReplacesTheLastButNotTheBestAndSaysSo() throws Exception {
        Path dir = tmp.resolve("dir");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        Progress progress = Progress.lines(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try (Device cpu = new CpuDevice(1); Tensor a = Tensor.of(cpu, new float[] {1f}, 1);
             Tensor b = Tensor.of(cpu, new float[] {2f}, 1);
             CheckpointDir d = CheckpointDir.open(dir, null, false, ACC, progress)) {
            d.save(Map.of("w", a), cfg(1L, 0.9), 1, 0.9, progress);
            d.save(Map.of("w", b), cfg(2L, 0.5), 2, 0.5, progress);
        }
        assertEquals(2f, Checkpoint.load(dir).tensors().get("w").data()[0], "the last epoch's model");
        assertEquals(1f, Checkpoint.load(dir.resolve("best")).tensors().get("w").data()[0], "the better model stays");
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("epoch 2: val_accuracy 50.00% is not better than the "
                + "best, 90.00% at epoch 1, which stays in " + dir.resolve("best")), printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aResumedRunKeepsItsDirectorysBetterBest() throws Exception {
        Path dir = tmp.resolve("resumed");
        try (Device cpu = new CpuDevice(1); Tensor a = Tensor.of(cpu, new float[] {1f}, 1);
             Tensor b = Tensor.of(cpu, new float[] {2f}, 1)) {
            try (CheckpointDir d = CheckpointDir.open(dir, null, false, ACC, Progress.silent())) {
                d.save(Map.of("w", a), cfg(3L, 0.95), 3, 0.95, Progress.silent());
            }
            try (CheckpointDir d = CheckpointDir.open(dir, dir, false, ACC, Progress.silent())) {
                assertTrue(d.hasBest());
                d.save(Map.of("w", b), cfg(4L, 0.49), 4, 0.49, Progress.silent());
            }
        }
        assertEquals(1f, Checkpoint.load(dir.resolve("best")).tensors().get("w").data()[0]);
        assertEquals(0.95, monitored(dir.resolve("best")));
        assertEquals(4, epoch(dir));
    }

    /** A best chosen by another metric cannot be compared: the resumed run says it will replace it. */
    @Test
    void aBestChosenByAnotherMetricIsReplacedAndItIsSaid() throws Exception {
        Path dir = tmp.resolve("other-metric");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (Device cpu = new CpuDevice(1); Tensor a = Tensor.of(cpu, new float[] {1f}, 1)) {
            try (CheckpointDir d = CheckpointDir.open(dir, null, false, ACC, Progress.silent())) {
                d.save(Map.of("w", a), cfg(3L, 0.95), 3, 0.95, Progress.silent());
            }
            try (CheckpointDir d = CheckpointDir.open(dir, dir, false, Monitor.of("train_loss"),
                    Progress.lines(new PrintStream(printed, true, StandardCharsets.UTF_8)))) {
                assertFalse(d.hasBest(), "no best by train_loss is known");
            }
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("resume: " + dir.resolve("best") + " was not chosen by train_loss (epoch 3, val_accuracy"
                + " 95.00%); the checkpoint resumed replaces it"), out);
    }

    /**
     * A checkpoint saved with Trainer.save records no accuracy: resumed into its own directory, it is
     * measured and kept as the best before any epoch runs (here none does), so no later epoch can
     * replace it unseen.
     */
    @Test
    void aResumedCheckpointWithoutAnAccuracyIsMeasuredAndKeptFirst() {
        Path dir = tmp.resolve("legacy");
        double measured;
        try (Device cpu = new CpuDevice(1)) {
            try (Sequential model = SPEC.build(cpu); Parameters params = Parameters.of(model);
                 Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f)) {
                Trainer t = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                        Trainer.Config.of(1, 32).withProgress(Progress.silent()), SPEC.toConfig());
                t.fit(SPIRAL.train(), SPIRAL.test(), cpu, s -> {});
                t.save(dir);
                measured = Trainer.evaluate(model, SPIRAL.test(), dev.adjoint.data.Normalization.of(SPIRAL.train()), cpu);
            }
            assertFalse(Checkpoint.load(dir).config().containsKey("test_accuracy"));
            try (Sequential model = SPEC.build(cpu); Parameters params = Parameters.of(model);
                 Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f)) {
                Trainer t = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                        Trainer.Config.of(1, 32).withCheckpoints(dir).withProgress(Progress.silent()), SPEC.toConfig());
                t.resume(dir);
                assertEquals(List.of(), t.fit(SPIRAL.train(), SPIRAL.test(), cpu, s -> {}), "nothing left to train");
            }
        }
        assertEquals(1, epoch(dir.resolve("best")));
        assertEquals((float) measured, accuracy(dir.resolve("best")));
        assertArrayEquals(concat(dir), concat(dir.resolve("best")));
    }

    /** Adam at lr 1e6, as the issue ran it: epoch losses of 1e11 are finite, and training must still stop. */
    @Test
    void anExplodingLossStopsTrainingBeforeItsEpochIsSaved() {
        Path dir = tmp.resolve("exploded");
        try (Device cpu = new CpuDevice(1); Sequential model = SPEC.build(cpu); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName("adam", params, 1e6f, 0f)) {
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                    Trainer.Config.of(5, 32).withCheckpoints(dir).withProgress(Progress.silent()), SPEC.toConfig());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.fit(SPIRAL.train(), SPIRAL.test(), cpu, s -> {}));
            assertTrue(e.getMessage().startsWith("train: the mean loss of epoch 1 is ")
                    && e.getMessage().contains(", over 100 times max(1, ")
                    && e.getMessage().contains("training diverged (no checkpoint was written)"), e.getMessage());
            assertFalse(Files.exists(dir.resolve(Checkpoint.MODEL)));
        }
    }
}
