package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Datasets;
import dev.adjoint.data.Dataset;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.graph.CapturingDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Anomaly;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TrainerTest {
    private static final Split<Dataset> SPIRAL = Datasets.spiral(3, 300, 7);

    @TempDir
    Path tmp;

    private static MlpSpec spec(float dropout) {
        return MlpSpec.of(2, new int[] {32, 16}, 3, Activation.Kind.TANH, Init.XAVIER_UNIFORM, dropout, 5);
    }

    /** Trains {@code epochs} epochs (resuming from {@code resume} if given) and returns the final parameters. */
    private static float[] train(Device device, int epochs, Path checkpoint, Path resume, float dropout, String optimizer) {
        MlpSpec spec = spec(dropout);
        try (Sequential model = spec.build(device); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName(optimizer, params, 0.01f, 1e-4f)) {
            Trainer.Config cfg = Trainer.Config.of(epochs, 32).withSeed(3).withSchedule(Schedule.cosine(200, 0.1))
                    .withCheckpoints(checkpoint).withProgress(Progress.silent());
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"), cfg, spec.toConfig());
            if (resume != null) {
                trainer.resume(resume);
            }
            trainer.fit(SPIRAL.train(), SPIRAL.test(), device, e -> {});
            return params.values().toArray();
        }
    }

    @Test
    void aModelThatDoesNotFitTheDataIsAClearErrorBeforeAnyStep() {
        try (Device cpu = new CpuDevice(2)) {
            // 2 outputs for the spiral's 3 classes; then 5 inputs for its 2 features
            for (MlpSpec spec : List.of(MlpSpec.of(2, new int[] {8}, 2, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 5),
                    MlpSpec.of(5, new int[] {8}, 3, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 5))) {
                try (Sequential model = spec.build(cpu); Parameters params = Parameters.of(model);
                     Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f)) {
                    float[] before = params.values().toArray();
                    Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                            Trainer.Config.of(1, 32).withProgress(Progress.silent()), spec.toConfig());
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> trainer.fit(SPIRAL.train(), SPIRAL.test(), cpu, x -> {}));
                    String expected = spec.sizes()[0] == 2
                            ? "train: the model gives outputs of shape [1, 2] for one sample, but dataset '"
                                    + SPIRAL.train().name() + "' has 3 classes: its last layer must have 3 outputs"
                            : "train: dataset '" + SPIRAL.train().name() + "' has 2 features per sample, and the model"
                                    + " does not take them: Linear(5 -> 8): input of shape [1, 2]";
                    assertTrue(e.getMessage().contains(expected), e.getMessage());
                    assertArrayEquals(before, params.values().toArray(), "nothing trained");
                    assertEquals(0, opt.steps());
                    assertTrue(model.isTraining(), "the mode is restored");
                }
            }
        }
    }

    @Test
    void resumingFromACheckpointIsBitIdenticalToAnUninterruptedRun() {
        try (Device cpu = new CpuDevice(2)) {
            for (String optimizer : List.of("adamw", "nesterov")) {
                Path full = tmp.resolve(optimizer + "-full");
                Path half = tmp.resolve(optimizer + "-half");
                float[] uninterrupted = train(cpu, 3, full, null, 0.1f, optimizer);
                train(cpu, 2, half, null, 0.1f, optimizer);
                float[] resumed = train(cpu, 3, null, half, 0.1f, optimizer);
                assertArrayEquals(uninterrupted, resumed, optimizer + ": resumed run differs");
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameWeightsWhateverTheThreadCount() {
        float[] one;
        float[] two;
        try (Device cpu1 = new CpuDevice(1)) {
            one = train(cpu1, 2, null, null, 0f, "adam");
        }
        try (Device cpu2 = new CpuDevice(2)) {
            two = train(cpu2, 2, null, null, 0f, "adam");
        }
        assertArrayEquals(one, two);
    }

    @Test
    void loadingACheckpointIntoAnotherShapeIsAClearErrorAndLoadsNothing() {
        try (Device cpu = new CpuDevice(2)) {
            Path dir = tmp.resolve("ckpt");
            train(cpu, 1, dir, null, 0f, "adam");
            // The first layer matches, the second does not: nothing may be copied, not even the first.
            MlpSpec other = MlpSpec.of(2, new int[] {32, 8}, 3, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 5);
            try (Sequential model = other.build(cpu); Parameters params = Parameters.of(model);
                 Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f)) {
                float[] before = params.values().toArray();
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> SavedModel.loadParameters(params, dev.adjoint.io.Checkpoint.load(dir), dir));
                assertTrue(e.getMessage().contains("'2.weight' has shape [16, 32] but the model needs [8, 32]"), e.getMessage());
                assertArrayEquals(before, params.values().toArray(), "a refused checkpoint changed the model");
                Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"), Trainer.Config.of(1, 32),
                        other.toConfig());
                IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> trainer.resume(dir));
                assertTrue(r.getMessage().contains("model.sizes = [2, 32, 16, 3], and this run has [2, 32, 8, 3]"),
                        r.getMessage());
                assertArrayEquals(before, params.values().toArray());
                assertEquals(0, trainer.epochsDone());
            }
        }
    }

    @Test
    void resumingWithAnotherOptimizerIsAClearErrorAndLoadsNothing() {
        try (Device cpu = new CpuDevice(2)) {
            Path dir = tmp.resolve("sgd");
            train(cpu, 1, dir, null, 0f, "sgd");
            MlpSpec spec = spec(0f);
            try (Sequential model = spec.build(cpu); Parameters params = Parameters.of(model);
                 Optimizer adam = Optimizer.byName("adam", params, 0.01f, 0f)) {
                float[] before = params.values().toArray();
                Trainer trainer = new Trainer(model, params, adam, Losses.byName("cross-entropy"), Trainer.Config.of(1, 32),
                        spec.toConfig());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> trainer.resume(dir));
                assertTrue(e.getMessage().contains("was trained with optimizer.name = sgd, and this run has adam"),
                        e.getMessage());
                assertArrayEquals(before, params.values().toArray());
            }
        }
    }

    /** A learning rate multiplied by 1e30 each epoch: the run stops at the first non-finite loss and the last good checkpoint stays. */
    @Test
    void aDivergingRunStopsWithAClearErrorAndKeepsTheLastGoodCheckpoint() {
        Path dir = tmp.resolve("diverged");
        MlpSpec spec = spec(0f);
        int batchesPerEpoch = (SPIRAL.train().size() + 31) / 32;
        try (Device cpu = new CpuDevice(2); Sequential model = spec.build(cpu); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName("sgd", params, 0.01f, 0f)) {
            Trainer.Config cfg = Trainer.Config.of(4, 32).withSchedule(Schedule.step(batchesPerEpoch, 1e30))
                    .withCheckpoints(dir).withProgress(Progress.silent());
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"), cfg, spec.toConfig());
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> trainer.fit(SPIRAL.train(), SPIRAL.test(), cpu, s -> {}));
            int good = trainer.epochsDone();
            assertTrue(good >= 1 && good < 4, "epochs before the loss went non-finite: " + good);
            assertTrue(e.getMessage().startsWith("train: the mean loss of epoch " + (good + 1) + " is ")
                    && e.getMessage().contains("training diverged (the checkpoint of epoch " + good + " is kept)")
                    && e.getMessage().contains("--detect-anomaly"), e.getMessage());
            var saved = dev.adjoint.io.Checkpoint.load(dir);
            assertEquals((long) good, saved.config().get("epochs_done"));
            for (float w : saved.tensors().get("0.weight").data()) {
                assertTrue(Float.isFinite(w), "the kept checkpoint holds " + w);
            }
        }
    }

    /** Anomaly checks download every result, which a captured step refuses: the trainer says so before replaying. */
    @Test
    void aReplayedStepRefusesAnomalyDetectionWithAClearError() {
        MlpSpec spec = spec(0f);
        try (CapturingDevice device = new CapturingDevice(new CpuDevice(1)); Sequential model = spec.build(device);
             Parameters params = Parameters.of(model); Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f);
             Tensor x = Tensor.zeros(device, 4, 2); Tensor y = Tensor.zeros(device, 4)) {
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"), Trainer.Config.of(1, 4),
                    spec.toConfig()).replay(true);
            trainer.step(x, y, null, null);
            try (Anomaly.Detecting on = Anomaly.detecting()) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.step(x, y, null, null));
                assertTrue(e.getMessage().contains("anomaly detection is on") && e.getMessage().contains("replay(false)"),
                        e.getMessage());
            }
            trainer.replay(false).step(x, y, null, null);
            assertEquals(2, opt.steps());
        }
    }

    static List<String> backends() {
        return Backends.names();
    }

    /**
     * End to end on every available backend: the spiral set to at least 95% test accuracy (no
     * validation split: the target applies to the training accuracy, the test is measured on the
     * epoch of lowest training loss).
     */
    @ParameterizedTest
    @MethodSource("backends")
    void trainsTheSpiralSetOnEveryBackend(String backend) {
        Device device = Backends.open(backend);
        Split<Dataset> data = Datasets.spiral(3, 500, 11);
        MlpSpec spec = MlpSpec.of(2, new int[] {64, 32}, 3, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);
        try (Sequential model = spec.build(device); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.adam(params, 1e-2f, 0f, false)) {
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                    Trainer.Config.of(40, 64).withTargetAccuracy(0.97).withProgress(Progress.silent()), spec.toConfig());
            List<EpochStats> h = trainer.fit(data.train(), data.test(), device, e -> {});
            double acc = trainer.test().accuracy();
            assertTrue(acc >= 0.95, backend + ": spiral test accuracy " + acc + " after " + h.size() + " epochs");
            if (trainer.bestEpoch() == h.size()) {      // the model now holds the last epoch's weights
                assertEquals(acc, Trainer.evaluate(model, data.test(), dev.adjoint.data.Normalization.of(data.train()),
                        device), 1e-6);   // the device counts in float32
            }
        }
    }
}
