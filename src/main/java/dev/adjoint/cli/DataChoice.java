package dev.adjoint.cli;

import dev.adjoint.data.CsvEncoding;
import dev.adjoint.data.Datasets;
import dev.adjoint.data.MappedDataset;
import dev.adjoint.data.Samples;
import dev.adjoint.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which dataset a command uses: {@code --data DIR} (Fashion-MNIST files), {@code --data FILE.npz}
 * (numpy arrays x_train, y_train, x_test, y_test), {@code --data spiral},
 * numpy arrays as four {@code .npy} files in a directory ({@code --data DIR}; with {@code --mmap} the
 * features are memory-mapped, not read onto the heap), a CSV file ({@code --csv}, split into train
 * and test rows) or two ({@code --train-csv/--test-csv}),
 * read as {@link CsvEncoding} says, or by default Fashion-MNIST where Debian installs it,
 * else the built-in spiral set with a note on how to get Fashion-MNIST.
 */
final class DataChoice {
    static final int SPIRAL_CLASSES = 3;
    static final int SPIRAL_POINTS = 2000;
    /** The options that choose the data. */
    static final List<String> OPTIONS = List.of("data", "mmap", "csv", "test", "train-csv", "test-csv", "label",
            "delimiter", "ignore", "categorical", "impute");
    /** The options that only CSV data takes. */
    private static final List<String> CSV_ONLY = List.of("test", "test-csv", "label", "delimiter", "ignore", "categorical",
            "impute");

    private DataChoice() {}

    /** The data options as a command's --help lists them; {@code whenAbsent} says which data is used when none is given. */
    static List<Args.Option> options(String whenAbsent) {
        return List.of(
                new Args.Option("data", "DIR|FILE.npz|spiral", null, "Fashion-MNIST's IDX files in DIR, numpy arrays"
                        + " x_train, y_train, x_test, y_test in FILE.npz or as four .npy files in DIR (Keras's names),"
                        + " or the built-in 3-class spiral set (default: " + whenAbsent + ")"),
                Args.Option.flag("mmap", "memory-map --data DIR's x_train.npy and x_test.npy (little-endian float32)"
                        + " instead of reading them onto the heap: for arrays larger than memory; rows are read from the"
                        + " files as batches need them"),
                new Args.Option("csv", "FILE", "", "a CSV table with a header row: its rows are split into training and"
                        + " test rows (--test), each class in proportion, seeded by --seed"),
                new Args.Option("test", "FRACTION", "0.2", "the fraction of --csv's rows (of each class) held out for test"),
                new Args.Option("train-csv", "FILE", "", "training data as CSV, with --test-csv (instead of --csv)"),
                new Args.Option("test-csv", "FILE", "", "test data as CSV, with the same columns"),
                new Args.Option("label", "COLUMN", "label", "the CSV column that holds the class labels (integers or names;"
                        + " with --task regression, the numbers to predict)"),
                new Args.Option("delimiter", "C", ",", "the CSV field separator: , or ; or tab (\\t)"),
                new Args.Option("ignore", "COLUMNS", "", "CSV columns to leave out, comma-separated"),
                new Args.Option("categorical", "COLUMNS", "", "CSV columns of categories, one-hot encoded, comma-separated;"
                        + " every other feature column is numeric and standardised on its own"),
                new Args.Option("impute", "HOW", "none", "fill missing CSV values (empty cells) with the training rows'"
                        + " mean, median, or zero; none refuses them"));
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

    /**
     * The data a run trains on, a CSV's label column read as {@code labels} say (classes, exactly two,
     * or numbers); a CSV's encoding is fitted without the {@code validation} fraction training holds out.
     */
    static Split<? extends Samples> load(Args args, long seed, double validation, CsvEncoding.Labels labels) {
        return load(args, seed, null, null, null, validation, labels);
    }

    static Split<? extends Samples> load(Args args, long seed, int[] labelValues, String classesFrom,
                                         CsvEncoding saved) {
        return load(args, seed, labelValues, classesFrom, saved, 0, CsvEncoding.Labels.CLASSES);
    }

    /**
     * The data, a CSV's classes taken from {@code labelValues} (a trained model's, named
     * {@code classesFrom}) when given, else from the training file; a CSV is read with the
     * encoding {@code saved} (from a checkpoint's preprocessing, {@code SavedModel.Settings}) when given, else
     * with one fitted on its training rows.
     */
    private static Split<? extends Samples> load(Args args, long seed, int[] labelValues, String classesFrom,
                                                 CsvEncoding saved, double validation, CsvEncoding.Labels labels) {
        args.exclusive("data", "csv", "train-csv");
        if (args.has("test-csv") && !args.has("train-csv")) {
            throw new Args.UsageException("--test-csv needs --train-csv as well (or --csv FILE alone, split by --test)");
        }
        for (String o : CSV_ONLY) {
            if (args.has(o) && !args.has("train-csv") && !args.has("csv")) {
                throw new Args.UsageException("--" + o + " needs --csv or --train-csv as well (it belongs to CSV data)");
            }
        }
        boolean mmap = args.flag("mmap");
        if (mmap && (!args.has("data") || "spiral".equals(args.get("data", null)))) {
            throw new Args.UsageException("--mmap maps numpy arrays: give --data DIR, a directory with x_train.npy,"
                    + " y_train.npy, x_test.npy and y_test.npy (features as little-endian float32)");
        }
        if (args.has("test") && !args.has("csv")) {
            throw new Args.UsageException("--test needs --csv (it splits one file); --train-csv comes with --test-csv");
        }
        String trainCsv = args.get(args.has("csv") ? "csv" : "train-csv", null);
        if (trainCsv != null) {
            String testCsv = args.get("test-csv", null);
            if (testCsv == null && args.has("train-csv")) {
                throw new Args.UsageException("--train-csv needs --test-csv as well (or --csv FILE for one file to split)");
            }
            Path test = testCsv == null ? null : Path.of(testCsv);
            double fraction = args.number("test", Args.Range.PROBABILITY_BELOW_ONE);
            if (args.has("test") && fraction == 0) {
                throw new Args.UsageException("--test 0 leaves no test rows; give a fraction above 0, e.g. 0.2");
            }
            String label = args.get("label");
            if (saved != null) {
                return Datasets.csv(saved, label, Path.of(trainCsv), test, fraction, seed, classesFrom);
            }
            if (labelValues != null && test != null) {   // a checkpoint from before CSV columns were encoded one by one
                return Datasets.csv(Path.of(trainCsv), test, label, labelValues, classesFrom);
            }
            return Datasets.csv(csvOptions(args, label).withLabels(labels), Path.of(trainCsv), test, fraction, seed, validation,
                    note -> System.out.println("csv: " + note));
        }
        if (labels == CsvEncoding.Labels.NUMBERS) {
            throw new Args.UsageException("--task regression reads its targets from a CSV column: give --csv FILE (or"
                    + " --train-csv and --test-csv) and --label COLUMN");
        }
        String data = args.get("data", null);
        if ("spiral".equals(data)) {
            return Datasets.spiral(SPIRAL_CLASSES, SPIRAL_POINTS, seed);
        }
        if (data != null) {
            Path dir = Path.of(data);
            if (data.endsWith(".npz") || Files.isRegularFile(dir)) {
                if (mmap) {
                    throw new Args.UsageException("--mmap maps .npy files, and " + data + " is a file (an .npz is a zip"
                            + " archive): save the arrays one to a file, np.save('DIR/x_train.npy', x_train) and so on,"
                            + " and give --data DIR");
                }
                return Datasets.npz(dir, labelValues, classesFrom);
            }
            if (!Files.isDirectory(dir)) {
                throw new Args.UsageException("--data " + data + " is not a directory (expected the Fashion-MNIST "
                        + "files train-images-idx3-ubyte.gz etc., x_train.npy etc., an .npz file, or 'spiral')");
            }
            List<Path> npy = Datasets.NPZ_ENTRIES.stream().map(e -> dir.resolve(e + ".npy")).toList();
            List<String> missing = npy.stream().filter(f -> !Files.isRegularFile(f)).map(f -> f.getFileName().toString())
                    .toList();
            if (missing.size() < npy.size()) {     // some numpy arrays: all four, or a named refusal
                if (!missing.isEmpty()) {
                    throw new Args.UsageException("--data " + data + " holds numpy arrays but not " + String.join(", ", missing)
                            + " (a directory of .npy files needs x_train.npy, y_train.npy, x_test.npy and y_test.npy)");
                }
                return mmap ? mapped(npy, labelValues, classesFrom)
                        : Datasets.npy(npy.get(0), npy.get(1), npy.get(2), npy.get(3), labelValues, classesFrom);
            }
            if (mmap) {
                throw new Args.UsageException("--mmap maps numpy arrays, and " + data + " holds no x_train.npy, y_train.npy,"
                        + " x_test.npy or y_test.npy");
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

    /**
     * The four arrays of {@code npy} (x_train, y_train, x_test, y_test), the features memory-mapped;
     * the test labels read with the training labels' classes (or {@code labelValues}, a model's).
     */
    private static Split<MappedDataset> mapped(List<Path> npy, int[] labelValues, String classesFrom) {
        MappedDataset train = MappedDataset.open(npy.get(0), npy.get(1), labelValues, classesFrom);
        try {
            MappedDataset test = MappedDataset.open(npy.get(2), npy.get(3), train.labelValues(),
                    labelValues != null ? classesFrom : npy.get(1).getFileName().toString());
            try {
                return new Split<>(train, test);
            } catch (RuntimeException e) {
                test.close();
                throw e;
            }
        } catch (RuntimeException e) {
            train.close();
            throw e;
        }
    }

    private static CsvEncoding.Options csvOptions(Args args, String label) {
        String d = args.getOrEmpty("delimiter");
        String delimiter = d.equals("\\t") || d.equalsIgnoreCase("tab") ? "\t" : d;
        if (delimiter.length() != 1 || delimiter.equals(" ") || delimiter.equals("\"") || delimiter.equals("\n") || delimiter.equals("\r")) {
            throw new Args.UsageException("--delimiter '" + dev.adjoint.io.Excerpt.of(d) + "' must be one character"
                    + " other than a quote, a space or a line break: , or ; or \\t (tab)");
        }
        String impute = args.get("impute").trim().toUpperCase(java.util.Locale.ROOT);
        if (java.util.Arrays.stream(CsvEncoding.Impute.values()).noneMatch(i -> i.name().equals(impute))) {
            throw new Args.UsageException("unknown --impute '" + dev.adjoint.io.Excerpt.of(args.get("impute", ""))
                    + "'; choose none, mean, median or zero");
        }
        return new CsvEncoding.Options(label, delimiter.charAt(0), names(args.getOrEmpty("ignore")),
                names(args.getOrEmpty("categorical")), CsvEncoding.Impute.valueOf(impute));
    }

    private static List<String> names(String list) {
        return list.isBlank() ? List.of() : java.util.Arrays.stream(list.split(",")).map(String::trim).toList();
    }
}
