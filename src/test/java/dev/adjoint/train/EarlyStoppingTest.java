package dev.adjoint.train;

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
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** #24 Deliver 3: the stopping rule on scripted metrics, then on real training. */
class EarlyStoppingTest {
    private static final Monitor LOSS = Monitor.of("val_loss");
    private static final Monitor ACC = Monitor.of("val_accuracy");

    @TempDir
    Path tmp;

    @Test
    void stopsAfterPatienceEpochsWithoutImprovement() {
        double[] losses = {1.0, 0.8, 0.81, 0.79, 0.85, 0.9, 0.95};
        assertEquals(6, EarlyStopping.stopEpoch(LOSS, 2, 0, losses), "epoch 4 improves, 5 and 6 do not");
        assertEquals(4, EarlyStopping.stopEpoch(LOSS, 2, 0.02, losses), "0.79 is not 0.02 below 0.8");
        assertEquals(3, EarlyStopping.stopEpoch(LOSS, 1, 0, losses));
        assertEquals(7, EarlyStopping.stopEpoch(LOSS, 0, 0, losses), "patience 0 never stops");
        assertEquals(7, EarlyStopping.stopEpoch(LOSS, 9, 0, losses), "the run ends first");
    }

    @Test
    void accuracyIsMaximizedAndAnEqualValueIsNoImprovement() {
        assertEquals(4, EarlyStopping.stopEpoch(ACC, 2, 0, 0.5, 0.6, 0.6, 0.6, 0.9));
        assertEquals(6, EarlyStopping.stopEpoch(ACC, 2, 0, 0.5, 0.6, 0.59, 0.61, 0.6, 0.6), "epoch 4 improves");
    }

    @Test
    void nanNeverImproves() {
        assertEquals(3, EarlyStopping.stopEpoch(LOSS, 2, 0, 0.5, Double.NaN, Double.NaN));
        assertTrue(LOSS.better(0.5, Double.NaN, 0), "anything beats no value");
        assertFalse(LOSS.better(Double.NaN, 0.5, 0));
    }

    @Test
    void monitorsAreKnownByName() {
        assertTrue(Monitor.of("train_loss").minimize());
        assertFalse(Monitor.of("val_macro_f1").minimize());
        assertThrows(IllegalArgumentException.class, () -> Monitor.of("test_accuracy"));
        assertThrows(IllegalArgumentException.class, () -> Trainer.Config.of(1, 1).withEarlyStopping(LOSS, 1, 0),
                "val_loss needs a validation split");
    }

    /** Real training on the spiral set: no epoch improves val_loss by 10, so patience 1 stops after epoch 2. */
    @Test
    void realTrainingStopsAndTestsTheBestModelOnce() {
        Split<Dataset> spiral = Datasets.spiral(3, 100, 4);
        MlpSpec spec = MlpSpec.of(2, new int[] {16}, 3, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 2);
        Path dir = tmp.resolve("run");
        try (Device cpu = new CpuDevice(1); Sequential model = spec.build(cpu); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName("adam", params, 0.01f, 0f)) {
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                    Trainer.Config.of(10, 32).withValidation(0.2).withEarlyStopping(LOSS, 1, 10).withCheckpoints(dir)
                            .withProgress(Progress.silent()), spec.toConfig());
            List<EpochStats> h = trainer.fit(spiral.train(), spiral.test(), cpu, s -> {});
            assertEquals(2, h.size(), "stopped after epoch 2");
            assertEquals(2, trainer.epochsDone());
            assertTrue(h.get(1).valLoss() < h.get(0).valLoss(), "epoch 2 is better, but not by 10: " + h);
            assertEquals(2, trainer.bestEpoch(), "the best checkpoint needs no min-delta");
            assertEquals(1, trainer.testEvaluations(), "the test split is measured once");
            assertEquals(60, h.get(0).validation().samples(), "20% of 300");
            assertEquals(300, trainer.test().samples());
            assertEquals(2L, ((Number) Checkpoint.load(dir.resolve("best")).config().get("epochs_done")).longValue());
        }
    }
}
