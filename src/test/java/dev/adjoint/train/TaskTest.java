package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Dataset;
import dev.adjoint.data.Holdout;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@link Task} through the Java API: what it fits, what it records, and a Trainer for each kind of task (#24). */
class TaskTest {
    private static final Device CPU = new CpuDevice(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** {@code n} rows of two features; labels 1 for a quarter of them (the sign of x1 − 0.7), else 0. */
    private static Dataset imbalanced(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[i] = x[2 * i] > 0.7f ? 1 : 0;
        }
        return new Dataset("imbalanced", x, y, n, 2, 2);
    }

    /** Targets in large units: 1000 + 50·x1 − 25·x2 + noise of std 2. */
    private static Dataset linear(int n, long seed) {
        Random rnd = new Random(seed);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[i] = (float) (1000 + 50 * x[2 * i] - 25 * x[2 * i + 1] + 2 * rnd.nextGaussian());
        }
        return Dataset.regression("linear", x, y, n, 2, null);
    }

    @Test
    void balancedWeightsAreScikitLearns() {
        Dataset d = imbalanced(400, 1);
        int[] counts = d.classCounts();
        Task t = Task.binary().withClassWeights(Task.ClassWeights.balancedWeights()).fit(d);
        assertEquals(400.0 / (2 * counts[0]), t.classWeights().values().get(0), 1e-12);
        assertEquals(400.0 / (2 * counts[1]), t.classWeights().values().get(1), 1e-12);
        Task given = Task.classification().withClassWeights(Task.ClassWeights.parse("1, 3.5"));
        assertEquals(List.of(1.0, 3.5), given.fit(d).classWeights().values());
        assertThrows(IllegalArgumentException.class, () -> Task.classification()
                .withClassWeights(Task.ClassWeights.of(1, 2, 3)).fit(d), "three weights for two classes");
        assertThrows(IllegalArgumentException.class, () -> Task.ClassWeights.parse("1,-2"));
        assertThrows(IllegalArgumentException.class, () -> Task.ClassWeights.parse("1,heavy"));
        assertThrows(IllegalArgumentException.class, () -> Task.regression("mse").withClassWeights(Task.ClassWeights.of(1)));
        assertThrows(IllegalArgumentException.class, () -> Task.classification().withLoss("hinge")
                .withClassWeights(Task.ClassWeights.of(1, 2)), "weights weight the cross-entropy");
    }

    @Test
    void theConfigReadsBackAndNoneIsAClassifier() {
        Task fitted = Task.regression("huber").withHuberDelta(0.5f).fit(linear(50, 2));
        Task back = Task.fromConfig(fitted.toConfig(), null);
        assertEquals(fitted.kind(), back.kind());
        assertEquals("huber", back.loss());
        assertEquals(0.5f, back.huberDelta());
        assertEquals(fitted.target(), back.target());
        Task old = Task.fromConfig(null, "hinge");
        assertEquals(Task.Kind.CLASSIFICATION, old.kind());
        assertEquals("hinge", old.loss());
        Task weighted = Task.binary().withClassWeights(Task.ClassWeights.balancedWeights()).fit(imbalanced(100, 3));
        assertEquals(weighted.classWeights(), Task.fromConfig(weighted.toConfig(), null).classWeights());
        assertThrows(IllegalArgumentException.class, () -> Task.fromConfig(java.util.Map.of("kind", "regression",
                "loss", "mse"), null), "a regression task needs its target's mean and std");
    }

    @Test
    void eachMetricKnowsWhetherHigherIsBetter() {
        for (String lower : List.of("val_loss", "train_loss", "val_rmse", "val_mae")) {
            assertTrue(Monitor.of(lower).minimize(), lower);
        }
        for (String higher : List.of("val_accuracy", "val_roc_auc", "val_auc", "val_r2", "val_positive_f1", "val_macro_f1")) {
            assertFalse(Monitor.of(higher).minimize(), higher);
        }
        assertEquals("val_roc_auc", Monitor.of("val_auc").metric(), "Keras's name for it");
        assertEquals(Monitor.VAL_ACCURACY, Task.classification().defaultMonitor(true), "a classifier's default, as before");
        assertEquals("val_loss", Task.binary().defaultMonitor(true).metric());
        assertEquals("val_loss", Task.regression("mse").defaultMonitor(true).metric());
        assertEquals(Monitor.TRAIN_LOSS, Task.regression("mse").defaultMonitor(false));
    }

    /**
     * A class-weighted split loss is the weighted mean over the whole split, Σ w_y·l / Σ w_y (what the
     * docs say), not an average of per-batch weighted means: the positives here all sit in the last of
     * two batches of 1000, where a row-count average of the batch means would weigh them wrongly.
     * Checked against float64 on the model's outputs for all rows at once.
     */
    @Test
    void aWeightedSplitLossIsTheWeightedMeanOverTheWholeSplit() {
        int n = 1500;
        Random rnd = new Random(7);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[i] = i >= 1000 && i % 2 == 0 ? 1 : 0;
        }
        Dataset d = new Dataset("clustered", x, y, n, 2, 2);
        Task task = Task.binary().withClassWeights(Task.ClassWeights.of(1, 4));
        MlpSpec spec = spec(1);
        try (Sequential model = spec.build(CPU)) {
            Metrics.Evaluation e = Trainer.evaluate(model, d, dev.adjoint.data.Normalization.NONE, task, CPU);
            float[] z;
            model.eval();
            try (dev.adjoint.tensor.Tensor all = dev.adjoint.tensor.Tensor.of(CPU, x, n, 2);
                 dev.adjoint.tensor.Tensor out = model.forward(all)) {
                z = out.toArray();
            }
            double num = 0;
            double den = 0;
            for (int i = 0; i < n; i++) {
                double l = Math.max(z[i], 0) - z[i] * y[i] + Math.log1p(Math.exp(-Math.abs(z[i])));
                double w = y[i] == 1 ? 4 : 1;
                num += w * l;
                den += w;
            }
            assertEquals(num / den, e.loss(), 1e-5 * num / den, "the split-wide weighted mean");
        }
    }

    private static MlpSpec spec(int outputs) {
        return MlpSpec.of(2, new int[] {16}, outputs, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 5);
    }

    @Test
    void aRegressionTrainerFitsTheTargetOnTheTrainingRowsAndReportsOriginalUnits() {
        Dataset train = linear(400, 4);
        Dataset test = linear(100, 5);
        MlpSpec spec = spec(1);
        try (Sequential model = spec.build(CPU); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.adam(params, 0.01f, 0f, false)) {
            Trainer.Config cfg = Trainer.Config.of(20, 16).withSeed(3).withValidation(0.2)
                    .withProgress(Progress.silent());
            Trainer trainer = new Trainer(model, params, opt, Task.regression("mse"), cfg, spec.toConfig());
            List<EpochStats> history = trainer.fit(train, test, CPU, e -> {});
            assertTrue(Double.isNaN(history.getFirst().trainAccuracy()), "no accuracy for regression");
            double r2 = trainer.test().get("r2");
            assertTrue(r2 > 0.95, "test R² " + trainer.test().scalars());
            assertTrue(trainer.test().get("rmse") < 10, "RMSE in the target's units (std ~56): " + trainer.test().scalars());
            // the standardisation is the float64 mean and std of the rows it trains on: not the validation rows
            float[] rows = Holdout.of(train, 0.2, 3).train().labels();
            double mean = 0;
            for (float v : rows) {
                mean += v;
            }
            mean /= rows.length;
            double sq = 0;
            for (float v : rows) {
                sq += (v - mean) * (v - mean);
            }
            assertEquals(mean, trainer.task().target().mean(), 1e-9);
            assertEquals(Math.sqrt(sq / rows.length), trainer.task().target().std(), 1e-9);
            Metrics.Evaluation again = Trainer.evaluate(model, test, dev.adjoint.data.Normalization.of(Holdout.of(train,
                    0.2, 3).train()), trainer.task(), CPU);
            assertTrue(again.get("r2") > 0.9, "evaluated again through the API: " + again.scalars());
        }
    }

    @Test
    void aBinaryTrainerWithWeightsAndTheRefusals() {
        Dataset train = imbalanced(400, 6);
        Dataset test = imbalanced(200, 7);
        MlpSpec spec = spec(1);
        try (Sequential model = spec.build(CPU); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.adam(params, 0.01f, 0f, false)) {
            Trainer.Config cfg = Trainer.Config.of(10, 16).withSeed(3).withValidation(0.2)
                    .withEarlyStopping(Monitor.of("val_auc"), 0, 0).withProgress(Progress.silent());
            Task task = Task.binary().withClassWeights(Task.ClassWeights.balancedWeights());
            Trainer trainer = new Trainer(model, params, opt, task, cfg, spec.toConfig());
            List<EpochStats> history = trainer.fit(train, test, CPU, e -> {});
            assertTrue(trainer.test().get("roc_auc") > 0.95, trainer.test().scalars().toString());
            assertTrue(history.getLast().trainAccuracy() > 0.8, history.getLast().toString());
            assertEquals(2, trainer.task().classWeights().values().size());
            assertTrue(trainer.task().classWeights().values().get(1) > 1, "the rarer class weighs more");

            Trainer regression = new Trainer(model, params, opt, Task.regression("mae"), cfg.withEarlyStopping(null, 0, 0),
                    spec.toConfig());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> regression.fit(train, test, CPU, x -> {}));
            assertTrue(e.getMessage().contains("a regression task needs numeric targets"), e.getMessage());
        }
        MlpSpec two = spec(2);
        try (Sequential model = two.build(CPU); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.adam(params, 0.01f, 0f, false)) {
            Trainer trainer = new Trainer(model, params, opt, Task.binary(), Trainer.Config.of(1, 16)
                    .withProgress(Progress.silent()), two.toConfig());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> trainer.fit(train, test, CPU, x -> {}));
            assertTrue(e.getMessage().contains("a binary task takes one output a sample: its last layer must have 1 output"),
                    e.getMessage());
            Trainer classifier = new Trainer(model, params, opt, Task.classification(), Trainer.Config.of(1, 16)
                    .withProgress(Progress.silent()), two.toConfig());
            IllegalArgumentException r = assertThrows(IllegalArgumentException.class,
                    () -> classifier.fit(linear(20, 1), linear(10, 2), CPU, x -> {}));
            assertTrue(r.getMessage().contains("holds regression targets"), r.getMessage());
        }
        assertNull(Task.classification().target());
    }
    /** A captured step replays a binary or regression task's loss and metrics with the numbers of define-by-run. */
    @Test
    void replayedStepsMatchDefineByRun() {
        for (Task task : List.of(Task.binary(), Task.regression("huber"), Task.regression("mae"))) {
            float[][] weights = new float[2][];
            float[][] sums = new float[2][];
            for (int run = 0; run < 2; run++) {
                MlpSpec spec = spec(1);
                try (dev.adjoint.graph.CapturingDevice device = new dev.adjoint.graph.CapturingDevice(new CpuDevice(1));
                     Sequential model = spec.build(device); Parameters params = Parameters.of(model);
                     Optimizer opt = Optimizer.adam(params, 0.01f, 0f, false);
                     dev.adjoint.tensor.Tensor x = dev.adjoint.tensor.Tensor.of(device, new float[] {1, 2, -1, 0.5f, 0, -2,
                             0.3f, 0.1f}, 4, 2);
                     dev.adjoint.tensor.Tensor y = dev.adjoint.tensor.Tensor.of(device, new float[] {1, 0, 0, 1}, 4);
                     dev.adjoint.tensor.Tensor lossSum = dev.adjoint.tensor.Tensor.zeros(device, 1);
                     dev.adjoint.tensor.Tensor correct = dev.adjoint.tensor.Tensor.zeros(device, 1)) {
                    Trainer trainer = new Trainer(model, params, opt, task, Trainer.Config.of(1, 4), spec.toConfig())
                            .replay(run == 1);
                    for (int step = 0; step < 3; step++) {
                        trainer.step(x, y, lossSum, correct);
                    }
                    weights[run] = params.values().toArray();
                    sums[run] = new float[] {lossSum.item(), correct.item()};
                    assertEquals(run == 1 ? 1 : 0, trainer.replayPlans().size(), task.name());
                }
            }
            assertTrue(java.util.Arrays.equals(weights[0], weights[1]), task + ": replayed weights differ");
            assertTrue(java.util.Arrays.equals(sums[0], sums[1]), task + ": replayed loss and count differ");
        }
    }
    /** Class-weighted cross-entropy uploads its weight row in the step: a capture refuses it, naming the upload. */
    @Test
    void aWeightedCrossEntropyStepIsNotCapturedSilently() {
        MlpSpec spec = spec(2);
        try (dev.adjoint.graph.CapturingDevice device = new dev.adjoint.graph.CapturingDevice(new CpuDevice(1));
             Sequential model = spec.build(device); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.adam(params, 0.01f, 0f, false);
             dev.adjoint.tensor.Tensor x = dev.adjoint.tensor.Tensor.zeros(device, 4, 2);
             dev.adjoint.tensor.Tensor y = dev.adjoint.tensor.Tensor.zeros(device, 4)) {
            Task weighted = Task.classification().withClassWeights(Task.ClassWeights.of(1, 2));
            Trainer trainer = new Trainer(model, params, opt, weighted, Trainer.Config.of(1, 4), spec.toConfig())
                    .replay(true);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> trainer.step(x, y, null, null));
            assertTrue(e.getMessage().startsWith("upload during a capture"), e.getMessage());
            trainer.replay(false).step(x, y, null, null);
        }
    }
}
