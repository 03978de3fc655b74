package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #24 from the command line: train on one CSV file as people have it, then {@code eval} and
 * {@code predict} with no data flags read it back through the encoding the checkpoint saved.
 */
class CsvCommandTest {
    @TempDir
    Path tmp;

    /**
     * {@code rows} rows: an id, a ratio, an amount in thousands, a color (whose category shifts the
     * class), a label named "alpha", "beta" or "gamma", with a few gaps and a quoted note that spans
     * two lines; {@code d} separates the fields.
     */
    static String mixed(int rows, long seed, char d) {
        Random rnd = new Random(seed);
        String[] names = {"alpha", "beta", "gamma"};
        String[] colors = {"red", "green", "blue"};
        StringBuilder b = new StringBuilder(String.join(String.valueOf(d), "id", "ratio", "amount", "color", "note", "kind"))
                .append('\n');
        for (int i = 0; i < rows; i++) {
            int k = i % 3;
            String ratio = i % 97 == 5 ? "" : String.format(Locale.ROOT, "%.4f", 0.3 * k + 0.1 * rnd.nextGaussian());
            String amount = String.format(Locale.ROOT, "%.1f", 5000 + 800 * rnd.nextGaussian());
            String color = colors[rnd.nextInt(4) == 0 ? rnd.nextInt(3) : k];
            String note = i % 50 == 0 ? "\"two\nlines, " + d + " and \"\"quotes\"\"\"" : "n" + i;
            b.append(String.join(String.valueOf(d), Integer.toString(i), ratio, amount, color, note, names[k])).append('\n');
        }
        return b.toString();
    }

    @Test
    void trainOnOneFileThenEvalAndPredictWithNoFlags() throws Exception {
        Path data = Files.writeString(tmp.resolve("data.csv"), mixed(300, 5, ','));
        Path runs = tmp.resolve("runs");
        Cli.Run missing = Cli.runIn(runs, "train", "--csv", data.toString(), "--label", "kind", "--ignore", "id,note",
                "--categorical", "color", "--hidden", "8", "--epochs", "2");
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains(data + ": line 8, column 2 (ratio): empty cell: a missing value"), missing.err());
        Cli.Run t = Cli.runIn(runs, "train", "--csv", data.toString(), "--label", "kind", "--ignore", "id,note",
                "--categorical", "color", "--impute", "mean", "--hidden", "8", "--epochs", "10", "--batch", "16", "--lr", "0.01");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("csv: column 'color' one-hot: 3 categories [blue, green, red]"), t.out());
        assertTrue(t.out().contains("data.csv: 240 train / 60 test samples (24 of the train held out for validation), MLP [5, 8, 3], adam, batch 16"), t.out());
        Cli.Run e = Cli.runIn(runs, "eval", "--json", "-");
        assertEquals(0, e.code(), e.err());
        Map<String, Object> eval = Json.parseObject(e.out());
        Path ckpt = Path.of((String) eval.get("checkpoint"));
        Map<String, Object> cfg = Checkpoint.load(ckpt).config();
        assertEquals(((Number) cfg.get("test_accuracy")).doubleValue(), (Double) eval.get("accuracy"), 1e-6,
                "eval with no flags gives the accuracy the run recorded");
        assertEquals(60L, eval.get("samples"));
        assertTrue((Double) eval.get("accuracy") > 0.8, eval.toString());
        List<?> steps = (List<?>) cfg.get("preprocessing");
        assertEquals("csv_columns", ((Map<?, ?>) steps.get(0)).get("op"));
        assertEquals(List.of("alpha", "beta", "gamma"), ((Map<?, ?>) steps.get(0)).get("label_names"));
        Cli.Run p = Cli.runIn(runs, "predict", "--rows", "0", "--top", "1");
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().matches("(?s).*row 0 \\(true: (alpha|beta|gamma)\\):  (alpha|beta|gamma) \\d+\\.\\d%.*"), p.out());
    }

    @Test
    void aDelimiterThatCannotSeparateFieldsIsRefused() {
        Cli.Run r = Cli.run("train", "--csv", "x.csv", "--delimiter", "\"");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--delimiter"), r.err());
        Cli.Run i = Cli.run("train", "--csv", "x.csv", "--impute", "mode");
        assertTrue(i.err().contains("unknown --impute 'mode'; choose none, mean, median or zero"), i.err());
        Cli.Run t = Cli.run("train", "--train-csv", "a.csv", "--test-csv", "b.csv", "--test", "0.3");
        assertTrue(t.err().contains("--test needs --csv"), t.err());
    }
}
