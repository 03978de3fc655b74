package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.adjoint.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint's files are enough to rebuild the model and its input preprocessing (#22):
 * {@code src/test/python/eval_checkpoint.py}, with numpy and nothing else (safetensors parsed by
 * hand), reads config.json, model.safetensors and the test data it names, and gets the same count
 * of correct predictions as {@code adjoint eval}. Each run here is the README's flow: {@code train}
 * into a run directory it names, then {@code eval} with no flags. Skipped, with the reason, where
 * python3 or numpy is missing (CI installs python3-numpy).
 */
class EvalScriptTest {
    static final Path SCRIPT = Path.of("src", "test", "python", "eval_checkpoint.py");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsNumpy() throws Exception {
        String why = null;
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                why = "python3 has no numpy (apt-get install python3-numpy): " + out.strip();
            }
        } catch (IOException e) {
            why = "no python3 here: " + e.getMessage();
        }
        assumeTrue(why == null, why);
    }

    /** CSV data with labels {2, 5, 9} (classes 0, 1, 2 of the model): the label mapping and no pixel scaling. */
    @Test
    void csvWithRelu() throws Exception {
        Path train = tmp.resolve("train.csv");
        Path test = tmp.resolve("test.csv");
        Files.writeString(train, csv(600, 11));
        Files.writeString(test, csv(300, 12));
        compare(tmp.resolve("runs"), "--train-csv", train.toString(), "--test-csv", test.toString(), "--label", "y",
                "--hidden", "16,8", "--epochs", "3", "--lr", "0.01");
    }

    /**
     * One CSV file split by the seeded stratified --test fraction (the script draws the same rows),
     * ';' delimiters, a categorical column, string labels, an ignored id, gaps filled with the
     * median, and columns on scales a thousand apart standardised one by one (#24).
     */
    @Test
    void oneCsvFileWithCategoriesNamesAndGaps() throws Exception {
        Path data = tmp.resolve("data.csv");
        Files.writeString(data, CsvCommandTest.mixed(600, 21, ';'));
        compare(tmp.resolve("runs"), "--csv", data.toString(), "--test", "0.3", "--delimiter", ";", "--label", "kind",
                "--ignore", "id,note", "--categorical", "color", "--impute", "median", "--hidden", "16", "--epochs", "5",
                "--lr", "0.01", "--seed", "4");
    }

    /** IDX images (pixel bytes divided by 255, then standardized), GELU, and dropout (which shifts the layers' names). */
    @Test
    void idxWithGeluAndDropout() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("idx"));
        Random rnd = new Random(5);
        writeIdx(data, "train", 500, rnd);
        writeIdx(data, "t10k", 200, rnd);
        compare(tmp.resolve("runs"), "--data", data.toString(), "--hidden", "12", "--activation", "gelu", "--dropout", "0.2",
                "--epochs", "4", "--lr", "0.01");
    }

    /** Trains into a run directory under {@code runs}, evaluates it with no flags, then with the script: the same count. */
    private void compare(Path runs, String... options) throws Exception {
        String[] train = new String[options.length + 1];
        train[0] = "train";
        System.arraycopy(options, 0, train, 1, options.length);
        Cli.Run trained = Cli.runIn(runs, train);
        assertEquals(0, trained.code(), trained.err());
        Cli.Run eval = Cli.runIn(runs, "eval", "--json", "-");
        assertEquals(0, eval.code(), eval.err());
        Map<String, Object> adjoint = Json.parseObject(eval.out());
        Path checkpoint = Path.of((String) adjoint.get("checkpoint"));
        assertTrue(checkpoint.startsWith(runs), "eval loaded " + checkpoint + ", not the run just trained");

        Process p = new ProcessBuilder("python3", SCRIPT.toString(), checkpoint.toString()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the script did not finish in 120 s");
        assertEquals(0, p.exitValue(), out + err);
        Map<String, Object> python = Json.parseObject(out);
        System.out.printf(Locale.ROOT, "eval_checkpoint.py %s: %s correct of %s (%.6f); adjoint eval: %s of %s (%.6f)%n",
                checkpoint.getFileName(), python.get("correct"), python.get("samples"), python.get("accuracy"),
                adjoint.get("correct"), adjoint.get("samples"), adjoint.get("accuracy"));
        assertEquals(adjoint.get("samples"), python.get("samples"));
        assertEquals(adjoint.get("correct"), python.get("correct"), "numpy from the files vs adjoint eval");
        assertEquals((Double) adjoint.get("accuracy"), (Double) python.get("accuracy"), 1e-6);
        long correct = (Long) adjoint.get("correct");
        assertTrue(correct > (Long) adjoint.get("samples") / 2, "the model learned too little to tell a mistake apart: "
                + adjoint);
    }

    /** Three blobs in 4 dimensions, labelled 2, 5 and 9, with values of three decimals. */
    private static String csv(int rows, long seed) {
        Random rnd = new Random(seed);
        int[] labels = {2, 5, 9};
        StringBuilder b = new StringBuilder("a,b,y,c,d\n");
        for (int i = 0; i < rows; i++) {
            int k = i % 3;
            double[] x = new double[4];
            for (int j = 0; j < 4; j++) {
                x[j] = (j == k ? 3 : 0) + (j == 3 ? 10 * k : 0) + rnd.nextGaussian();
            }
            b.append(String.format(Locale.ROOT, "%.3f,%.3f,%d,%.3f,%.3f%n", x[0], x[1], labels[k], x[2], x[3]));
        }
        return b.toString();
    }

    /** Fashion-MNIST-named IDX files of 6×6 images: class k lights the pixels p with p % 10 = k, over noise. */
    static void writeIdx(Path dir, String prefix, int n, Random rnd) throws IOException {
        byte[] images = new byte[n * 36];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = i % 10;
            labels[i] = (byte) k;
            for (int p = 0; p < 36; p++) {
                boolean on = p % 10 == k;
                images[i * 36 + p] = (byte) (on ? 160 + rnd.nextInt(96) : rnd.nextInt(90));
            }
        }
        gzip(dir.resolve(prefix + "-images-idx3-ubyte.gz"), header(0x803, n, 6, 6), images);
        gzip(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), header(0x801, n), labels);
    }

    private static byte[] header(int magic, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length).putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    private static void gzip(Path file, byte[]... parts) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            for (byte[] p : parts) {
                out.write(p);
            }
        }
        Files.write(file, bytes.toByteArray());
    }

    /** An old checkpoint, without "preprocessing", is refused by the script, naming what is missing. */
    @Test
    void aCheckpointWithoutPreprocessingIsRefusedNamingIt() throws Exception {
        Path dir = HostileCheckpointCases.foreign(tmp, "old", "{\"model\": {\"type\": \"mlp\", \"sizes\": [2, 8, 3]},"
                + " \"normalization\": {\"mean\": 0, \"std\": 1}}");
        Process p = new ProcessBuilder("python3", SCRIPT.toString(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("config.json has no 'preprocessing'"), out);
        assertEquals(List.of(), List.of(out.lines().filter(l -> l.contains("Traceback")).toArray()), out);
    }
    /** A regression model's one output is no arg-max: the script refuses it rather than count nonsense. */
    @Test
    void aRegressionCheckpointIsRefusedNamingTheTask() throws Exception {
        Path dir = HostileCheckpointCases.foreign(tmp, "reg", "{\"model\": {\"type\": \"mlp\", \"sizes\": [2, 8, 1]},"
                + " \"task\": {\"kind\": \"regression\", \"loss\": \"mse\", \"target\": {\"mean\": 0, \"std\": 1}},"
                + " \"preprocessing\": [], \"normalization\": {\"mean\": 0, \"std\": 1}}");
        Process p = new ProcessBuilder("python3", SCRIPT.toString(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue(), out);
        assertTrue(out.contains("holds a regression model"), out);
    }
}
