package dev.adjoint.cli;

import dev.adjoint.data.Datasets;
import dev.adjoint.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which dataset a command uses: {@code --data DIR} (Fashion-MNIST files), {@code --data FILE.npz}
 * (numpy arrays x_train, y_train, x_test, y_test), {@code --data spiral},
 * {@code --train-csv/--test-csv/--label}, or by default Fashion-MNIST where Debian installs it,
 * else the built-in spiral set with a note on how to get Fashion-MNIST.
 */
final class DataChoice {
    static final int SPIRAL_CLASSES = 3;
    static final int SPIRAL_POINTS = 2000;
    /** The options that choose the data. */
    static final List<String> OPTIONS = List.of("data", "train-csv", "test-csv", "label");

    private DataChoice() {}

    /** The data options as a command's --help lists them; {@code whenAbsent} says which data is used when none is given. */
    static List<Args.Option> options(String whenAbsent) {
        return List.of(
                new Args.Option("data", "DIR|FILE.npz|spiral", null, "Fashion-MNIST's IDX files in DIR, numpy arrays"
                        + " x_train, y_train, x_test, y_test in FILE.npz, or the built-in 3-class spiral set (default: "
                        + whenAbsent + ")"),
                new Args.Option("train-csv", "FILE", "", "training data as CSV: a header, numeric feature columns and a"
                        + " label column (with --test-csv)"),
                new Args.Option("test-csv", "FILE", "", "test data as CSV, with the same columns"),
                new Args.Option("label", "COLUMN", "label", "the CSV column that holds the class labels"));
    }

    /** The data options as given, or, when none is, the data {@link #load} picks by default ({@code --data} DIR or spiral). */
    static Map<String, String> options(Args args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (String o : OPTIONS) {
            if (args.has(o)) {
                given.put(o, args.get(o, null));
            }
        }
        if (given.isEmpty()) {
            given.put("data", Datasets.fashionMnistAvailable(Datasets.DEFAULT_FASHION_MNIST)
                    ? Datasets.DEFAULT_FASHION_MNIST.toString() : "spiral");
        }
        return given;
    }

    static Split load(Args args, long seed) {
        return load(args, seed, null, null);
    }

    /**
     * The data, a CSV's classes taken from {@code labelValues} (a trained model's, named
     * {@code classesFrom}) when given, else from the training file.
     */
    static Split load(Args args, long seed, int[] labelValues, String classesFrom) {
        args.exclusive("data", "train-csv");
        for (String o : List.of("test-csv", "label")) {
            if (args.has(o) && !args.has("train-csv")) {
                throw new Args.UsageException("--" + o + " needs --train-csv as well (it belongs to CSV data)");
            }
        }
        String trainCsv = args.get("train-csv", null);
        if (trainCsv != null) {
            String testCsv = args.get("test-csv", null);
            if (testCsv == null) {
                throw new Args.UsageException("--train-csv needs --test-csv as well");
            }
            return labelValues == null ? Datasets.csv(Path.of(trainCsv), Path.of(testCsv), args.get("label", "label"))
                    : Datasets.csv(Path.of(trainCsv), Path.of(testCsv), args.get("label", "label"), labelValues, classesFrom);
        }
        String data = args.get("data", null);
        if ("spiral".equals(data)) {
            return Datasets.spiral(SPIRAL_CLASSES, SPIRAL_POINTS, seed);
        }
        if (data != null) {
            Path dir = Path.of(data);
            if (data.endsWith(".npz") || Files.isRegularFile(dir)) {
                return Datasets.npz(dir, labelValues, classesFrom);
            }
            if (!Files.isDirectory(dir)) {
                throw new Args.UsageException("--data " + data + " is not a directory (expected the Fashion-MNIST "
                        + "files train-images-idx3-ubyte.gz etc., an .npz file, or 'spiral')");
            }
            return Datasets.fashionMnist(dir);
        }
        if (Datasets.fashionMnistAvailable(Datasets.DEFAULT_FASHION_MNIST)) {
            return Datasets.fashionMnist(Datasets.DEFAULT_FASHION_MNIST);
        }
        System.out.println("Fashion-MNIST not found at " + Datasets.DEFAULT_FASHION_MNIST + "; using the built-in spiral set ("
                + SPIRAL_CLASSES + " classes). For Fashion-MNIST: apt-get install dataset-fashion-mnist, or --data DIR.");
        return Datasets.spiral(SPIRAL_CLASSES, SPIRAL_POINTS, seed);
    }
}
