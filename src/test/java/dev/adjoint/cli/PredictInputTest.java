package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.NpyFiles;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.io.Json;
import dev.adjoint.train.Predictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #24 deliverable 7: {@code predict --input FILE} classifies new data (no labels) through the
 * checkpoint's preprocessing, and agrees with {@code eval} on rows whose labels are known.
 */
class PredictInputTest {
    private static final String[] KINDS = {"alpha", "beta", "gamma"};
    private static final String[] COLORS = {"red", "green", "blue"};

    @TempDir
    Path tmp;

    /** {@code rows} rows id, ratio, amount, color[, kind]: the class shifts ratio and color; one ratio left empty. */
    private static String table(int rows, long seed, boolean label, List<String> kinds) {
        Random rnd = new Random(seed);
        StringBuilder b = new StringBuilder("id,ratio,amount,color" + (label ? ",kind" : "") + "\n");
        for (int i = 0; i < rows; i++) {
            int k = i % 3;
            kinds.add(KINDS[k]);
            String ratio = i == 4 ? "" : String.format(Locale.ROOT, "%.4f", 0.3 * k + 0.1 * rnd.nextGaussian());
            String amount = String.format(Locale.ROOT, "%.1f", 5000 + 800 * rnd.nextGaussian());
            String color = COLORS[rnd.nextInt(4) == 0 ? rnd.nextInt(3) : k];
            b.append(i).append(',').append(ratio).append(',').append(amount).append(',').append(color)
                    .append(label ? "," + KINDS[k] : "").append('\n');
        }
        return b.toString();
    }

    /** Trains on a CSV with string labels and a categorical column; returns the runs folder (its latest run is the model). */
    private Path trainCsv() throws Exception {
        Path train = Files.writeString(tmp.resolve("train.csv"), table(300, 5, true, new ArrayList<>()));
        Path test = Files.writeString(tmp.resolve("test.csv"), table(90, 6, true, new ArrayList<>()));
        Path runs = tmp.resolve("runs");
        Cli.Run t = Cli.runIn(runs, "train", "--train-csv", train.toString(), "--test-csv", test.toString(), "--label",
                "kind", "--ignore", "id", "--categorical", "color", "--impute", "mean", "--hidden", "8", "--epochs", "8",
                "--batch", "16", "--lr", "0.01");
        assertEquals(0, t.code(), t.err());
        return runs;
    }

    @Test
    void newRowsWithoutLabelsArePredictedAsEvalScoresThem() throws Exception {
        Path runs = trainCsv();
        Cli.Run e = Cli.runIn(runs, "eval", "--json", "-");
        assertEquals(0, e.code(), e.err());
        long correct = (Long) Json.parseObject(e.out()).get("correct");

        List<String> truth = new ArrayList<>();
        Path unlabelled = Files.writeString(tmp.resolve("new.csv"), table(90, 6, false, truth));
        Cli.Run p = Cli.runIn(runs, "predict", "--input", unlabelled.toString());
        assertEquals(0, p.code(), p.err());
        String[] lines = p.out().split("\n");
        assertEquals("row,prediction,p_alpha,p_beta,p_gamma", lines[0], p.out());
        assertEquals(91, lines.length, p.out());
        List<String> predicted = new ArrayList<>();
        long right = 0;
        for (int r = 0; r < 90; r++) {
            String[] cells = lines[r + 1].split(",");
            assertEquals(Integer.toString(r), cells[0]);
            predicted.add(cells[1]);
            right += cells[1].equals(truth.get(r)) ? 1 : 0;
            double sum = Double.parseDouble(cells[2]) + Double.parseDouble(cells[3]) + Double.parseDouble(cells[4]);
            assertEquals(1, sum, 1e-5, lines[r + 1]);
        }
        assertEquals(correct, right, "predict --input on the test rows without labels agrees with eval's count");
        assertTrue(p.err().contains("90 rows of " + unlabelled + " classified"), p.err());

        // the labelled test file itself, JSON to a file, top 1: the label column is there and not read
        Path out = tmp.resolve("out/predictions.json");
        Cli.Run j = Cli.runIn(runs, "predict", "--input", tmp.resolve("test.csv").toString(), "--format", "json",
                "--top", "1", "--output", out.toString());
        assertEquals(0, j.code(), j.err());
        List<?> rows = (List<?>) Json.parse(Files.readString(out));
        assertEquals(90, rows.size());
        for (int r = 0; r < 90; r++) {
            Map<?, ?> row = (Map<?, ?>) rows.get(r);
            assertEquals((long) r, row.get("row"));
            assertEquals(predicted.get(r), row.get("prediction"));
            Map<?, ?> probabilities = (Map<?, ?>) row.get("probabilities");
            assertEquals(List.of(predicted.get(r)), List.copyOf(probabilities.keySet()));
        }

        // the Java API gives the same classes
        try (Device cpu = Devices.select("cpu").device();
             Predictor model = Predictor.load(Runs.latestCheckpoint(runs), cpu)) {
            float[][] q = model.predict(unlabelled);
            for (int r = 0; r < 90; r++) {
                assertEquals(predicted.get(r), model.settings().className(Predictor.argmax(q[r])));
            }
        }
    }

    /** {@code --top K} in CSV: the K most probable classes and their probabilities, those of the full table's columns. */
    @Test
    void csvWithTopListsTheKMostProbableClasses() throws Exception {
        Path runs = trainCsv();
        Path unlabelled = Files.writeString(tmp.resolve("new.csv"), table(30, 8, false, new ArrayList<>()));
        Cli.Run all = Cli.runIn(runs, "predict", "--input", unlabelled.toString());
        assertEquals(0, all.code(), all.err());
        String[] full = all.out().split("\n");
        for (int k : new int[] {2, 9}) {
            Cli.Run p = Cli.runIn(runs, "predict", "--input", unlabelled.toString(), "--top", Integer.toString(k));
            assertEquals(0, p.code(), p.err());
            String[] lines = p.out().split("\n");
            assertEquals(k == 2 ? "row,prediction,top1,p_top1,top2,p_top2" : "row,prediction,top1,p_top1,top2,p_top2,top3,p_top3",
                    lines[0], "--top " + k + " of 3 classes");
            for (int r = 0; r < 30; r++) {
                String[] f = full[r + 1].split(",");
                String[] c = lines[r + 1].split(",");
                assertEquals(f[0] + "," + f[1], c[0] + "," + c[1]);
                assertEquals(f[1], c[2], "the first is the prediction: " + lines[r + 1]);
                double previous = 1;
                for (int i = 0; i < Math.min(k, 3); i++) {
                    int cls = List.of(KINDS).indexOf(c[2 + 2 * i]);
                    double pr = Double.parseDouble(c[3 + 2 * i]);
                    assertEquals(Double.parseDouble(f[2 + cls]), pr, 0, "p_" + c[2 + 2 * i] + " as the full table: " + lines[r + 1]);
                    assertTrue(pr <= previous, "most probable first: " + lines[r + 1]);
                    previous = pr;
                }
            }
        }
    }

    @Test
    void aFileThatDoesNotFitIsRefusedWithItsLineAndColumnAndNothingWritten() throws Exception {
        Path runs = trainCsv();
        refused(runs, "purple.csv", "ratio,amount,color\n0.1,5000,red\n0.2,4000,purple\n",
                "line 3, column 3 (color): category 'purple' is not one of the 3");
        refused(runs, "colour.csv", "ratio,amount,colour\n0.1,5000,red\n",
                "line 1, column 3 (colour): no column 'colour' in the checkpoint");
        refused(runs, "lacking.csv", "ratio,color\n0.1,red\n", "line 1: no column 'amount', a feature of the checkpoint");
        refused(runs, "text.csv", "ratio,amount,color\n0.1,lots,red\n", "line 2, column 2 (amount): 'lots' is not a number");
        // the run imputed the mean: a gap is filled, in a numeric column as in a categorical one
        Path gaps = Files.writeString(tmp.resolve("gaps.csv"), "ratio,amount,color\n,5000,red\n0.2,4000,\n");
        assertEquals(0, Cli.runIn(runs, "predict", "--input", gaps.toString()).code());
        Path strict = tmp.resolve("strict");
        Path train = Files.writeString(tmp.resolve("nogaps.csv"), table(60, 7, true, new ArrayList<>()).replace("\n4,,", "\n4,0.5,"));
        assertEquals(0, Cli.runIn(strict, "train", "--csv", train.toString(), "--label", "kind", "--categorical", "color",
                "--epochs", "1").code());
        refused(strict, "gaps.csv", "id,ratio,amount,color\n1,,5000,red\n", "line 2, column 2 (ratio): empty cell: a missing value");

        Path odd = Files.writeString(tmp.resolve("new.txt"), "x\n");
        Cli.Run r = Cli.runIn(runs, "predict", "--input", odd.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("cannot tell what kind of file"), r.err());
    }

    @Test
    void aModelTrainedOnNumpyArraysPredictsAnNpyFile() throws Exception {
        Path npz = NpzDataTest.npz(tmp, 64);
        Path runs = tmp.resolve("runs");
        Cli.Run t = Cli.runIn(runs, "train", "--data", npz.toString(), "--epochs", "15", "--hidden", "8", "--lr", "0.05");
        assertEquals(0, t.code(), t.err());
        Path rows = NpyFiles.write(tmp.resolve("new.npy"), NpyFiles.npy("<f8", new long[] {3, 2}, -1.5, 0, 1.5, 1, -1.3, 0.5));
        Cli.Run p = Cli.runIn(runs, "predict", "--input", rows.toString(), "--format", "json");
        assertEquals(0, p.code(), p.err());
        List<?> out = (List<?>) Json.parse(p.out());
        assertEquals(List.of("3", "7", "3"), out.stream().map(o -> ((Map<?, ?>) o).get("prediction")).toList(), p.out());
        assertEquals(List.of("3", "7"), List.copyOf(((Map<?, ?>) ((Map<?, ?>) out.get(0)).get("probabilities")).keySet()));

        Path wide = NpyFiles.write(tmp.resolve("wide.npy"), NpyFiles.npy("<f4", new long[] {1, 3}, 1, 2, 3));
        Cli.Run w = Cli.runIn(runs, "predict", "--input", wide.toString());
        assertEquals(1, w.code(), w.err());
        assertTrue(w.err().contains(wide + ": shape [1, 3]: rows of 3 values, but the model of "), w.err());
        assertTrue(w.err().contains("takes 2"), w.err());
    }

    @Test
    void idxImagesAreScaledAsTheCheckpointSaysAndAgreeWithEval() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("fashion"));
        Random rnd = new Random(3);
        EvalScriptTest.writeIdx(dir, "train", 300, rnd);   // gzip-compressed, 6×6 images of 10 classes: class i % 10
        EvalScriptTest.writeIdx(dir, "t10k", 100, rnd);
        Path runs = tmp.resolve("runs");
        Cli.Run t = Cli.runIn(runs, "train", "--data", dir.toString(), "--epochs", "5", "--hidden", "8", "--lr", "0.05");
        assertEquals(0, t.code(), t.err());
        Cli.Run e = Cli.runIn(runs, "eval", "--json", "-");
        assertEquals(0, e.code(), e.err());
        long correct = (Long) Json.parseObject(e.out()).get("correct");
        Cli.Run p = Cli.runIn(runs, "predict", "--input", dir.resolve("t10k-images-idx3-ubyte.gz").toString());
        assertEquals(0, p.code(), p.err());
        String[] lines = p.out().split("\n");
        assertEquals("row,prediction,p_0,p_1,p_2,p_3,p_4,p_5,p_6,p_7,p_8,p_9", lines[0]);
        long right = 0;
        for (int r = 0; r < 100; r++) {
            right += lines[r + 1].split(",")[1].equals(Integer.toString(r % 10)) ? 1 : 0;
        }
        assertEquals(correct, right, "predict on the test images agrees with eval's count");
    }

    /** {@code predict --input NAME} with {@code text} (into --output) fails, exit 1, saying {@code what} after the file's name; nothing is written. */
    private void refused(Path runs, String name, String text, String what) throws Exception {
        Path in = Files.writeString(tmp.resolve(name), text);
        Path out = tmp.resolve("predictions.csv");
        Cli.Run r = Cli.runIn(runs, "predict", "--input", in.toString(), "--output", out.toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(in + ": " + what), r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
