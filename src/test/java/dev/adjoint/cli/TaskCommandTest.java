package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Json;
import dev.adjoint.io.Safetensors;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.train.Binary;
import dev.adjoint.train.Regression;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #24's tasks from the command line, on small generated CSV files: {@code --task binary} and
 * {@code --task regression} train to clearly better than a baseline, {@code eval} and
 * {@code predict} read the task back from the checkpoint (predictions in the targets' own units,
 * which recompute eval's figures in float64), balanced class weights are n / (2 · count), and a
 * label column that does not suit the task is refused naming the file, line and column.
 */
class TaskCommandTest {
    @TempDir
    Path tmp;

    /** Two features and a label "neg" or "pos", the sign of 2·x1 − x2 (plus a little noise): separable but for a few rows. */
    private static String binary(int rows, long seed, double positiveShare) {
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder("x1,x2,y\n");
        for (int i = 0; i < rows; i++) {
            double x1 = rnd.nextGaussian() + (rnd.nextDouble() < positiveShare ? 1.5 : -1.5);
            double x2 = rnd.nextGaussian();
            boolean pos = 2 * x1 - x2 + 0.2 * rnd.nextGaussian() > 0;
            b.append(String.format(Locale.ROOT, "%.5f,%.5f,%s%n", x1, x2, pos ? "pos" : "neg"));
        }
        return b.toString();
    }

    /** A linear target in large units, 500 + 30·x1 − 20·x2 + noise (std 3): standardising it is what lets an MLP fit it. */
    private static String regression(int rows, long seed) {
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder("x1,x2,target\n");
        for (int i = 0; i < rows; i++) {
            double x1 = rnd.nextGaussian();
            double x2 = rnd.nextGaussian();
            b.append(String.format(Locale.ROOT, "%.5f,%.5f,%.4f%n", x1, x2, 500 + 30 * x1 - 20 * x2 + 3 * rnd.nextGaussian()));
        }
        return b.toString();
    }

    private static double number(Map<String, Object> m, String key) {
        return ((Number) m.get(key)).doubleValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void binaryTrainsToAHighAucAndEvalAndPredictReadTheTaskBack() throws Exception {
        Path train = Files.writeString(tmp.resolve("train.csv"), binary(300, 1, 0.5));
        Path test = Files.writeString(tmp.resolve("test.csv"), binary(120, 2, 0.5));
        Path ck = tmp.resolve("ck");
        Path json = tmp.resolve("run.json");
        Cli.Run t = Cli.run("train", "--task", "binary", "--train-csv", train.toString(), "--test-csv", test.toString(),
                "--label", "y", "--hidden", "8", "--epochs", "8", "--batch", "16", "--lr", "0.01", "--early-stopping",
                "val_auc", "--patience", "0", "--checkpoint", ck.toString(), "--json", json.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("MLP [2, 8, 1]"), "one output logit: " + t.out());
        assertTrue(t.out().contains("val auc "), t.out());
        Map<String, Object> run = Json.parseObject(Files.readString(json));
        Map<String, Object> testJson = map(run.get("test"));
        assertTrue(number(testJson, "roc_auc") > 0.95, "test ROC AUC " + testJson);
        assertTrue(number(testJson, "accuracy") > 0.85, "test accuracy " + testJson);
        assertTrue(testJson.containsKey("positive_f1"), testJson.toString());
        Map<String, Object> epoch = map(((List<?>) run.get("epochs")).getFirst());
        assertTrue(epoch.containsKey("val_roc_auc") && epoch.containsKey("val_positive_precision"), epoch.toString());
        Map<String, Object> cfg = Checkpoint.load(ck.resolve("best")).config();
        assertEquals("binary", map(cfg.get("task")).get("kind"));
        assertEquals("bce-with-logits", map(cfg.get("task")).get("loss"));
        assertEquals("val_roc_auc", map(cfg.get("monitor")).get("metric"));
        assertEquals("max", map(cfg.get("monitor")).get("mode"), "a higher AUC is better");

        Cli.Run e = Cli.run("eval", "--checkpoint", ck.resolve("best").toString(), "--json", "-");
        assertEquals(0, e.code(), e.err());
        Map<String, Object> eval = Json.parseObject(e.out());
        assertEquals(number(testJson, "roc_auc"), number(eval, "roc_auc"), 1e-12, "eval measures what the run's test did");
        assertEquals(number(testJson, "accuracy"), number(eval, "accuracy"), 1e-12);

        Cli.Run p = Cli.run("predict", "--checkpoint", ck.resolve("best").toString(), "--input", test.toString());
        assertEquals(0, p.code(), p.err());
        String[] lines = p.out().split("\n");
        assertEquals("row,prediction,p_neg,p_pos", lines[0], p.out());
        assertTrue(t.out().contains("train auc "), "the epoch line's training AUC: " + t.out());
        assertTrue(epoch.get("train_roc_auc") instanceof Double && epoch.containsKey("train_positive_f1"), epoch.toString());
        // --top 1: the more probable of the two classes, as in the JSON
        Cli.Run top = Cli.run("predict", "--checkpoint", ck.resolve("best").toString(), "--input", test.toString(), "--top", "1");
        assertEquals(0, top.code(), top.err());
        String[] topLines = top.out().split("\n");
        assertEquals("row,prediction,top1,p_top1", topLines[0], top.out());
        for (int r = 0; r < 120; r++) {
            String[] all = lines[r + 1].split(",");
            String[] c = topLines[r + 1].split(",");
            assertEquals(List.of(all[0], all[1], all[1]), List.of(c[0], c[1], c[2]), topLines[r + 1]);
            assertEquals(Math.max(Double.parseDouble(all[2]), Double.parseDouble(all[3])), Double.parseDouble(c[3]), 0,
                    lines[r + 1] + " / " + topLines[r + 1]);
        }
        List<String> truth = Files.readAllLines(test).subList(1, 121);
        double[] score = new double[120];
        boolean[] positive = new boolean[120];
        int right = 0;
        for (int r = 0; r < 120; r++) {
            String[] c = lines[r + 1].split(",");
            double pNeg = Double.parseDouble(c[2]);
            double pPos = Double.parseDouble(c[3]);
            assertEquals(1.0, pNeg + pPos, 2e-6, lines[r + 1]);
            assertEquals(pPos > 0.5 ? "pos" : "neg", c[1], "the prediction is the positive class above 0.5: " + lines[r + 1]);
            score[r] = pPos;
            positive[r] = truth.get(r).endsWith(",pos");
            right += c[1].equals(truth.get(r).substring(truth.get(r).lastIndexOf(',') + 1)) ? 1 : 0;
        }
        assertEquals(number(eval, "accuracy"), right / 120.0, 1e-12, "predict's classes score eval's accuracy");
        // p_pos is printed to 6 decimals: rows near 0 or 1 may tie there, which moves the AUC a little at most
        assertEquals(number(eval, "roc_auc"), Binary.rocAuc(score, positive), 0.01, "predict's scores give eval's AUC");

        Cli.Run more = Cli.run("train", "--resume", ck.toString(), "--epochs", "9", "--checkpoint", ck.toString());
        assertEquals(0, more.code(), more.err());
        Cli.Run other = Cli.run("train", "--resume", ck.toString(), "--epochs", "10", "--task", "classification",
                "--checkpoint", ck.toString());
        assertEquals(2, other.code(), other.out() + other.err());
        assertTrue(other.err().contains("task.kind = binary, and this run has classification"), other.err());
    }

    @Test
    void regressionStandardisesTheTargetAndPredictsInItsUnits() throws Exception {
        Path train = Files.writeString(tmp.resolve("train.csv"), regression(400, 3));
        Path test = Files.writeString(tmp.resolve("test.csv"), regression(100, 4));
        Path ck = tmp.resolve("ck");
        Cli.Run t = Cli.run("train", "--task", "regression", "--train-csv", train.toString(), "--test-csv",
                test.toString(), "--label", "target", "--hidden", "16", "--epochs", "15", "--batch", "16", "--lr", "0.01",
                "--checkpoint", ck.toString(), "--json", "-");
        assertEquals(0, t.code(), t.err());
        Map<String, Object> run = Json.parseObject(t.out());
        Map<String, Object> testJson = map(run.get("test"));
        assertTrue(number(testJson, "r2") > 0.9, "test R² " + testJson);
        assertTrue(number(testJson, "rmse") < 10, "test RMSE in the target's units (its std is ~36): " + testJson);
        assertNull(map(((List<?>) run.get("epochs")).getFirst()).get("train_accuracy"), "regression has no accuracy");

        // the target's mean and std are those of the training rows less the validation rows, in float64
        Map<String, Object> cfg = Checkpoint.load(ck.resolve("best")).config();
        Map<String, Object> target = map(map(cfg.get("task")).get("target"));
        assertTrue(Math.abs(number(target, "mean") - 500) < 5 && Math.abs(number(target, "std") - 36) < 5, target.toString());
        assertEquals("val_loss", map(cfg.get("monitor")).get("metric"), "regression watches val_loss by default");

        Cli.Run e = Cli.run("eval", "--checkpoint", ck.resolve("best").toString(), "--json", "-");
        assertEquals(0, e.code(), e.err());
        Map<String, Object> eval = Json.parseObject(e.out());
        for (String m : List.of("rmse", "mae", "r2")) {
            assertEquals(number(testJson, m), number(eval, m), 1e-9, m + ": eval measures what the run's test did");
        }

        Cli.Run p = Cli.run("predict", "--checkpoint", ck.resolve("best").toString(), "--input", test.toString());
        assertEquals(0, p.code(), p.err());
        String[] lines = p.out().split("\n");
        assertEquals("row,prediction", lines[0]);
        Map<String, Object> epoch = map(((List<?>) run.get("epochs")).getLast());
        for (String m : List.of("train_rmse", "train_mae", "train_r2")) {
            assertTrue(epoch.get(m) instanceof Double, m + " in " + epoch.keySet());
        }
        assertTrue(number(epoch, "train_r2") > 0.8, "train R² " + epoch);
        for (String format : List.of("csv", "json")) {
            Cli.Run top = Cli.run("predict", "--checkpoint", ck.resolve("best").toString(), "--input", test.toString(),
                    "--format", format, "--top", "2");
            assertEquals(2, top.code(), top.err());
            assertEquals(1, top.err().lines().filter(l -> l.contains("--top K ranks classes")
                    && l.contains("is a regression model (one value a row); leave --top out")).count(), top.err());
            assertEquals("", top.out(), "nothing written");
        }
        List<String> rows = Files.readAllLines(test).subList(1, 101);
        double[] predicted = new double[100];
        double[] actual = new double[100];
        for (int r = 0; r < 100; r++) {
            predicted[r] = Double.parseDouble(lines[r + 1].split(",")[1]);
            actual[r] = Double.parseDouble(rows.get(r).split(",")[2]);
        }
        double mean = java.util.Arrays.stream(predicted).average().orElseThrow();
        assertTrue(Math.abs(mean - 500) < 15, "predictions in the target's units, not standardised ones: mean " + mean);
        assertEquals(number(eval, "rmse"), Regression.rmse(predicted, actual), 1e-4 * number(eval, "rmse"),
                "RMSE recomputed in float64 from predict's values");
        assertEquals(number(eval, "mae"), Regression.mae(predicted, actual), 1e-4 * number(eval, "mae"));
        assertEquals(number(eval, "r2"), Regression.r2(predicted, actual), 1e-6);

        Path h = tmp.resolve("huber");
        Cli.Run huber = Cli.run("train", "--task", "regression", "--loss", "huber", "--huber-delta", "0.5", "--train-csv",
                train.toString(), "--test-csv", test.toString(), "--label", "target", "--hidden", "8", "--epochs", "2",
                "--early-stopping", "val_rmse", "--checkpoint", h.toString());
        assertEquals(0, huber.code(), huber.err());
        Map<String, Object> hc = Checkpoint.load(h).config();
        assertEquals("huber", map(hc.get("task")).get("loss"));
        assertEquals(0.5, number(map(hc.get("task")), "huber_delta"));
        assertEquals("min", map(hc.get("monitor")).get("mode"), "a lower RMSE is better");
        // resumed with another loss: refused as a resume that computes something else (the checkpoint's Huber
        // threshold), not as a misuse of the --huber-delta that nobody typed
        Cli.Run mse = Cli.run("train", "--resume", h.toString(), "--epochs", "3", "--loss", "mse", "--checkpoint",
                h.toString());
        assertEquals(2, mse.code(), mse.out() + mse.err());
        assertFalse(mse.err().contains("--huber-delta belongs"), mse.err());
        assertTrue(mse.err().contains("was trained with task.huber_delta = 0.5"), mse.err());
    }

    @Test
    void balancedClassWeightsAreNOverTwiceTheCount() throws Exception {
        Path train = Files.writeString(tmp.resolve("train.csv"), binary(200, 5, 0.2));
        Path test = Files.writeString(tmp.resolve("test.csv"), binary(50, 6, 0.2));
        long pos = Files.readAllLines(train).stream().filter(l -> l.endsWith(",pos")).count();
        Path ck = tmp.resolve("ck");
        Cli.Run t = Cli.run("train", "--task", "binary", "--class-weights", "balanced", "--val", "0", "--train-csv",
                train.toString(), "--test-csv", test.toString(), "--label", "y", "--hidden", "4", "--epochs", "1",
                "--checkpoint", ck.toString());
        assertEquals(0, t.code(), t.err());
        Map<String, Object> w = map(map(Checkpoint.load(ck).config().get("task")).get("class_weights"));
        assertEquals("balanced", w.get("mode"));
        List<?> values = (List<?>) w.get("values");
        assertEquals(200.0 / (2 * (200 - pos)), ((Number) values.get(0)).doubleValue(), 1e-12, "neg: n / (2 · count)");
        assertEquals(200.0 / (2 * pos), ((Number) values.get(1)).doubleValue(), 1e-12, "pos: n / (2 · count)");
        Cli.Run e = Cli.run("eval", "--checkpoint", ck.toString(), "--json", "-");
        assertEquals(0, e.code(), e.err());

        Cli.Run wrong = Cli.run("train", "--csv", train.toString(), "--label", "y", "--class-weights", "1,2,3",
                "--no-checkpoint");
        assertEquals(2, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("3 class weights for the 2 classes"), wrong.err());
    }

    @Test
    void aLabelColumnThatDoesNotSuitTheTaskIsRefusedNamingTheCell() throws Exception {
        Path three = Files.writeString(tmp.resolve("three.csv"), "x,y\n1,a\n2,b\n3,a\n4,c\n5,b\n");
        Cli.Run b = Cli.run("train", "--task", "binary", "--csv", three.toString(), "--label", "y", "--no-checkpoint");
        assertEquals(1, b.code(), b.err());
        assertTrue(b.err().contains(three + ": line 5, column 2 (y): label 'c' is a third class (after 'a' and 'b')"),
                b.err());
        Path words = Files.writeString(tmp.resolve("words.csv"), "x,price\n1,2.5\n2,cheap\n3,4\n");
        Cli.Run r = Cli.run("train", "--task", "regression", "--csv", words.toString(), "--label", "price",
                "--no-checkpoint");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(words + ": line 3, column 2 (price): 'cheap' is not a number: a regression task"),
                r.err());
        Cli.Run spiral = Cli.run("train", "--task", "regression", "--data", "spiral", "--no-checkpoint");
        assertEquals(2, spiral.code());
        assertTrue(spiral.err().contains("--task regression reads its targets from a CSV column"), spiral.err());
        Cli.Run monitor = Cli.run("train", "--task", "regression", "--csv", words.toString(), "--label", "price",
                "--early-stopping", "val_accuracy");
        assertEquals(2, monitor.code());
        assertTrue(monitor.err().contains("unknown --early-stopping 'val_accuracy' for a regression task"), monitor.err());
        Cli.Run loss = Cli.run("train", "--task", "binary", "--loss", "huber", "--csv", three.toString());
        assertEquals(2, loss.code());
        assertTrue(loss.err().contains("unknown --loss 'huber' for a binary task; choose one of bce-with-logits"),
                loss.err());
    }

    @Test
    void aCheckpointFromBeforeTasksLoadsAsClassification() throws Exception {
        Path ck = tmp.resolve("ck");
        Cli.Run t = Cli.run("train", "--data", "spiral", "--hidden", "4", "--epochs", "1", "--checkpoint", ck.toString());
        assertEquals(0, t.code(), t.err());
        Checkpoint.Loaded loaded = Checkpoint.load(ck);
        Map<String, Object> cfg = new LinkedHashMap<>(loaded.config());
        assertEquals("classification", map(cfg.remove("task")).get("kind"));
        Map<String, Object> run = new LinkedHashMap<>(map(cfg.get("run")));
        assertEquals("classification", map(run.remove("task")).get("kind"));
        cfg.put("run", run);
        Path old = tmp.resolve("old");
        try (Device cpu = new CpuDevice(1); Scope s = Scope.open()) {
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, Safetensors.Loaded> e : loaded.tensors().entrySet()) {
                tensors.put(e.getKey(), Tensor.of(cpu, e.getValue().data(), e.getValue().shape()));
            }
            Checkpoint.save(old, tensors, cfg);
        }
        Cli.Run now = Cli.run("eval", "--checkpoint", ck.toString(), "--json", "-");
        Cli.Run before = Cli.run("eval", "--checkpoint", old.toString(), "--json", "-");
        assertEquals(0, before.code(), before.err());
        assertEquals(Json.parseObject(now.out()).get("accuracy"), Json.parseObject(before.out()).get("accuracy"));
        assertNull(Json.parseObject(before.out()).get("task"), "a classifier's eval JSON is as it was");
        Cli.Run p = Cli.run("predict", "--checkpoint", old.toString(), "--rows", "0", "--top", "1");
        assertEquals(0, p.code(), p.err());
        Cli.Run resumed = Cli.run("train", "--resume", old.toString(), "--epochs", "2", "--checkpoint", old.toString());
        assertEquals(0, resumed.code(), resumed.err());
    }
}
