package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Dataset;
import dev.adjoint.data.Datasets;
import dev.adjoint.data.Normalization;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The task's metrics on the training split each epoch (#24): those of the predictions the training
 * steps made. With a learning rate of 1e-30 (0 is refused) the weights do not move within the epoch, so they are the
 * fixed model's outputs on the training rows, recomputed here in float64 (ROC AUC by counting
 * pairs, RMSE, MAE and R² by their definitions); with learning, the accuracy recomputed on the host
 * from the kept predictions is the device's count of correct predictions.
 */
class TrainMetricsTest {
    private static final Device CPU = new CpuDevice(2);

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static MlpSpec spec(int inputs, int outputs) {
        return MlpSpec.of(inputs, new int[] {16}, outputs, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 5);
    }

    /** The fixed model's outputs on {@code data}'s rows, standardised as the trainer does. */
    private static float[] outputs(Sequential model, Dataset data) {
        float[] x = data.features().clone();
        Normalization.of(data).apply(x, 0, x.length);
        model.eval();
        try (Autograd.NoGrad off = Autograd.noGrad(); Tensor in = Tensor.of(CPU, x, data.size(), data.dims());
             Tensor out = model.forward(in)) {
            return out.toArray();
        } finally {
            model.train();
        }
    }

    private static List<EpochStats> fitFrozen(Sequential model, MlpSpec spec, Task task, Dataset train) {
        try (Parameters params = Parameters.of(model); Optimizer sgd = Optimizer.sgd(params, 1e-30f, 0f, 0f, false)) {
            Trainer.Config cfg = Trainer.Config.of(1, 16).withSeed(3).withProgress(Progress.silent());
            return new Trainer(model, params, sgd, task, cfg, spec.toConfig()).fit(train, train, CPU, e -> {});
        }
    }

    @Test
    void binaryTrainAucIsTheFrozenModelsAucCountedPairByPair() {
        int n = 203;   // a last batch of 11
        Random rnd = new Random(1);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[i] = x[2 * i] + 0.5 * rnd.nextGaussian() > 0.3 ? 1 : 0;
        }
        Dataset train = new Dataset("binary", x, y, n, 2, 2);
        MlpSpec spec = spec(2, 1);
        try (Sequential model = spec.build(CPU)) {
            float[] logits = outputs(model, train);
            double pairs = 0;
            double won = 0;
            int right = 0;
            for (int i = 0; i < n; i++) {
                right += (logits[i] > 0 ? 1 : 0) == (int) y[i] ? 1 : 0;
                for (int j = 0; j < n; j++) {
                    if (y[i] == 1 && y[j] == 0) {
                        pairs++;
                        won += logits[i] > logits[j] ? 1 : logits[i] == logits[j] ? 0.5 : 0;
                    }
                }
            }
            EpochStats e = fitFrozen(model, spec, Task.binary(), train).getFirst();
            assertNotNull(e.training(), "the training metrics are kept");
            assertEquals(n, e.training().samples());
            assertEquals(won / pairs, e.value("train_roc_auc"), 1e-9, "train ROC AUC");
            assertEquals((double) right / n, e.training().accuracy(), 1e-12);
            assertEquals(e.trainAccuracy(), e.training().accuracy(), 1e-6, "the device's count, the host's argmax");
            Map<String, Object> json = e.toJson();
            for (String k : List.of("train_loss", "train_accuracy", "train_roc_auc", "train_macro_f1", "train_positive_f1")) {
                assertTrue(json.get(k) instanceof Double, k + " in " + json.keySet());
            }
            assertEquals(e.trainLoss(), (Double) json.get("train_loss"), 0, "the running mean loss, not replaced");
            assertFalse(json.containsKey("train_confusion_matrix") || json.containsKey("train_precision"),
                    "scalars only: " + json.keySet());
            assertTrue(e.toString().contains(String.format(java.util.Locale.ROOT, "train auc %.4f", won / pairs)), e.toString());
        }
    }

    @Test
    void regressionTrainRmseMaeAndR2AreTheFrozenModelsInTheTargetsUnits() {
        int n = 150;
        Random rnd = new Random(2);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) rnd.nextGaussian();
            x[2 * i + 1] = (float) rnd.nextGaussian();
            y[i] = (float) (500 + 40 * x[2 * i] - 10 * x[2 * i + 1] + 3 * rnd.nextGaussian());
        }
        Dataset train = Dataset.regression("linear", x, y, n, 2, null);
        MlpSpec spec = spec(2, 1);
        try (Sequential model = spec.build(CPU)) {
            float[] out = outputs(model, train);
            Task.Target t = Task.Target.fit(y);
            double mean = 0;
            for (float v : y) {
                mean += v;
            }
            mean /= n;
            double se = 0;
            double ae = 0;
            double tot = 0;
            for (int i = 0; i < n; i++) {
                double d = (out[i] * t.std() + t.mean()) - y[i];
                se += d * d;
                ae += Math.abs(d);
                tot += (y[i] - mean) * (y[i] - mean);
            }
            EpochStats e = fitFrozen(model, spec, Task.regression("mse"), train).getFirst();
            assertNotNull(e.training());
            double rmse = Math.sqrt(se / n);
            assertEquals(rmse, e.value("train_rmse"), 1e-5 * rmse, "train RMSE");
            assertEquals(ae / n, e.value("train_mae"), 1e-5 * ae / n, "train MAE");
            assertEquals(1 - se / tot, e.value("train_r2"), 1e-5 * Math.abs(1 - se / tot), "train R²");
            assertTrue(Double.isNaN(e.trainAccuracy()));
            Map<String, Object> json = e.toJson();
            assertFalse(json.containsKey("train_accuracy"), json.keySet().toString());
            assertTrue(e.toString().contains("train rmse"), e.toString());
        }
    }

    @Test
    void classificationTrainMetricsEveryEpochAgreeWithTheDevicesCount() {
        var data = Datasets.spiral(7, 40, 5);
        MlpSpec spec = spec(data.train().dims(), 7);
        try (Sequential model = spec.build(CPU); Parameters params = Parameters.of(model);
             Optimizer adam = Optimizer.adam(params, 0.02f, 0f, false)) {
            Trainer.Config cfg = Trainer.Config.of(3, 16).withSeed(4).withValidation(0.2).withProgress(Progress.silent());
            List<EpochStats> history = new Trainer(model, params, adam, Task.classification(), cfg, spec.toConfig())
                    .fit(data.train(), data.test(), CPU, e -> {});
            assertEquals(3, history.size());
            for (EpochStats e : history) {
                assertNotNull(e.training(), "epoch " + e.epoch());
                assertEquals(e.trainAccuracy(), e.training().accuracy(), 1e-6, "epoch " + e.epoch() + ": the device counts in float");
                assertEquals(e.validation().samples() * 4, e.training().samples(), "80% of the rows train");
                Map<String, Object> json = e.toJson();
                for (String m : List.of("top5_accuracy", "macro_f1")) {
                    double v = (Double) json.get("train_" + m);
                    assertTrue(v >= 0 && v <= 1 && json.containsKey("val_" + m), m + " " + json);
                }
                assertTrue(e.value("train_top5_accuracy") >= e.trainAccuracy());
            }
        }
    }
}
