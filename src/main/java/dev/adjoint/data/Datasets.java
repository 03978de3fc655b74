package dev.adjoint.data;

import dev.adjoint.io.Excerpt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The datasets Adjoint knows: synthetic spirals, Fashion-MNIST from IDX files, CSV tables, numpy arrays. */
public final class Datasets {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEFAULT_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    private static final String[] FASHION_FILES = {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

    private Datasets() {}

    // ------------------------------------------------------------------ spirals

    /**
     * The classic K-arm spiral in 2-D (as in Stanford's CS231n): for class k, point j of n has
     * radius {@code r = j / (n - 1)} in [0, 1] and angle {@code theta = 4k + 4r + 0.2·N(0, 1)},
     * at {@code (r·sin theta, r·cos theta)}. Samples come class by class; the same seed gives the
     * same points on every JDK.
     */
    public static Dataset spiral(int classes, int pointsPerClass, long seed, String name) {
        if (classes < 1 || pointsPerClass < 1) {
            throw new IllegalArgumentException("spiral: " + classes + " classes of " + pointsPerClass
                    + " points (need at least 1 of each)");
        }
        if ((long) classes * pointsPerClass > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("spiral: " + classes + " × " + pointsPerClass + " points is too many");
        }
        int n = classes * pointsPerClass;
        float[] x = new float[2 * n];
        float[] y = new float[n];
        SplitMix rnd = new SplitMix(seed);
        for (int k = 0; k < classes; k++) {
            for (int j = 0; j < pointsPerClass; j++) {
                int i = k * pointsPerClass + j;
                double r = pointsPerClass == 1 ? 0 : (double) j / (pointsPerClass - 1);
                double theta = 4.0 * k + 4.0 * r + 0.2 * rnd.nextGaussian();
                x[2 * i] = (float) (r * Math.sin(theta));
                x[2 * i + 1] = (float) (r * Math.cos(theta));
                y[i] = k;
            }
        }
        return new Dataset(name, x, y, n, 2, classes, null, new Dataset.Source("spiral", List.of(), null, 1f));
    }

    /** Spiral train and test sets of the same size, with noise from two different seeds derived from {@code seed}. */
    public static Split<Dataset> spiral(int classes, int pointsPerClass, long seed) {
        return new Split<>(spiral(classes, pointsPerClass, SplitMix.derive(seed, 0), "spiral-train"),
                spiral(classes, pointsPerClass, SplitMix.derive(seed, 1), "spiral-test"));
    }

    // ------------------------------------------------------------------ Fashion-MNIST

    /**
     * Fashion-MNIST from {@code dir}: the four IDX files as Debian names them
     * ({@code train-images-idx3-ubyte.gz}, ...), gzip-compressed or not (also without {@code .gz}),
     * pixels scaled to [0, 1], 784 dims, 10 classes. Train and test images must have the same size.
     */
    public static Split<Dataset> fashionMnist(Path dir) {
        Path[] files = new Path[FASHION_FILES.length];
        for (int i = 0; i < files.length; i++) {
            files[i] = find(dir, FASHION_FILES[i]);
            if (files[i] == null) {
                throw new DatasetException(dir, -1, "Fashion-MNIST: no " + FASHION_FILES[i] + "(.gz) here (needs "
                        + String.join(", ", FASHION_FILES) + "; Debian: apt install dataset-fashion-mnist)");
            }
        }
        int[] trainShape = new int[3];
        int[] testShape = new int[3];
        Dataset train = idxDataset("fashion-mnist-train", files[0], files[1], 10, trainShape);
        Dataset test = idxDataset("fashion-mnist-test", files[2], files[3], 10, testShape);
        if (trainShape[1] != testShape[1] || trainShape[2] != testShape[2]) {
            throw new DatasetException(files[2], 8, "its images are " + testShape[1] + "×" + testShape[2]
                    + " pixels but those of the training set " + files[0] + " are " + trainShape[1] + "×" + trainShape[2]
                    + "; a model takes one image size");
        }
        return new Split<>(train, test);
    }

    /** Whether {@code dir} holds all four Fashion-MNIST files. */
    public static boolean fashionMnistAvailable(Path dir) {
        for (String f : FASHION_FILES) {
            if (find(dir, f) == null) {
                return false;
            }
        }
        return true;
    }

    private static Path find(Path dir, String base) {
        for (String name : List.of(base + ".gz", base, base.replace("-idx", ".idx"), base.replace("-idx", ".idx") + ".gz")) {
            Path p = dir.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** A dataset from an IDX image file and its IDX label file. */
    public static Dataset idxDataset(String name, Path images, Path labels, int classes) {
        return idxDataset(name, images, labels, classes, new int[3]);
    }

    /** {@code shape} receives [n, rows, cols] of the images. */
    private static Dataset idxDataset(String name, Path images, Path labels, int classes, int[] shape) {
        float[] x = IdxReader.images(images, shape);
        if (shape[0] == 0) {
            throw new DatasetException(images, 4, "has no samples: its header announces 0 images");
        }
        if (shape[1] == 0 || shape[2] == 0) {
            throw new DatasetException(images, 8, "its images are " + shape[1] + "×" + shape[2]
                    + " pixels: an image needs at least one");
        }
        float[] y = IdxReader.labels(labels);
        if (y.length != shape[0]) {
            throw new DatasetException(labels, -1, y.length + " labels, but " + images.getFileName() + " has "
                    + shape[0] + " images");
        }
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= classes) {
                throw new DatasetException(labels, 8 + i, "label " + (int) y[i] + " of sample " + i
                        + " is not a class index 0.." + (classes - 1));
            }
        }
        return new Dataset(name, x, y, shape[0], shape[1] * shape[2], classes, null,
                new Dataset.Source("idx", List.of(images.toString(), labels.toString()), null, IdxReader.PIXEL_DIVISOR));
    }

    // ------------------------------------------------------------------ CSV

    /**
     * Train and test tables from CSV (see {@link CsvReader}); both must have the same columns in the
     * same order. The classes are the distinct labels of the training file, ascending (class index
     * = rank); a test label the training file does not have is a {@link DatasetException} naming
     * the test file, its line and the label.
     */
    public static Split<Dataset> csv(Path train, Path test, String labelColumn) {
        CsvReader.Table a = CsvReader.read(train, labelColumn);
        int[] labelValues = a.labelValues();
        CsvReader.Table b = CsvReader.read(test, labelColumn, labelValues, "the training file " + train);
        return csvSplit(train, a, test, b, labelValues);
    }

    /**
     * Train and test tables from CSV whose classes are {@code labelValues} (ascending, distinct:
     * the class list a model was trained with, e.g. from its checkpoint), not those of the
     * training file; a label of either file outside the list is a {@link DatasetException} naming
     * the file, the line, the label and {@code classesFrom} (where the list came from:
     * "checkpoint runs/a").
     *
     * @throws IllegalArgumentException if {@code labelValues} is empty or not strictly ascending
     *         within 0..16777215 (check a list that comes from a file before passing it)
     */
    public static Split<Dataset> csv(Path train, Path test, String labelColumn, int[] labelValues, String classesFrom) {
        CsvReader.Table a = CsvReader.read(train, labelColumn, labelValues, classesFrom);
        CsvReader.Table b = CsvReader.read(test, labelColumn, labelValues, classesFrom);
        return csvSplit(train, a, test, b, labelValues);
    }

    private static Split<Dataset> csvSplit(Path train, CsvReader.Table a, Path test, CsvReader.Table b, int[] labelValues) {
        List<String> fa = a.featureColumns();
        List<String> fb = b.featureColumns();
        if (!fa.equals(fb)) {
            int c = 0;
            while (c < Math.min(fa.size(), fb.size()) && fa.get(c).equals(fb.get(c))) {
                c++;
            }
            String where = c < Math.min(fa.size(), fb.size())
                    ? "feature " + (c + 1) + " is " + Excerpt.quoted(fb.get(c)) + " here but " + Excerpt.quoted(fa.get(c)) + " there"
                    : fb.size() + " feature columns here, " + fa.size() + " there";
            throw new DatasetException(test, -1, "feature columns " + Excerpt.list(fb) + " differ from those of "
                    + train + ": " + Excerpt.list(fa) + " (" + where + ")");
        }
        return new Split<>(a.toDataset(train.getFileName().toString(), labelValues),
                b.toDataset(test.getFileName().toString(), labelValues));
    }

    // ------------------------------------------------------------------ numpy

    /** The entries {@link #npz} reads: training features and labels, test features and labels (Keras's names). */
    public static final List<String> NPZ_ENTRIES = List.of("x_train", "y_train", "x_test", "y_test");

    /**
     * Train and test sets from one {@code .npz} archive holding the arrays {@code x_train},
     * {@code y_train}, {@code x_test} and {@code y_test} (as {@code numpy.savez(f, x_train=...,
     * ...)} writes them, and Keras's {@code mnist.npz} holds them): features of shape
     * {@code [samples, ...]} (flattened per sample), labels of shape {@code [samples]}; see
     * {@link NpyReader} for the types. The classes are the distinct training labels, ascending.
     */
    public static Split<Dataset> npz(Path file) {
        return npz(file, null, null);
    }

    /**
     * As {@link #npz(Path)}, but the classes are {@code labelValues} (ascending, distinct; null:
     * the distinct training labels), the class list of a model trained before, which came from
     * {@code classesFrom}; a label outside it is a {@link DatasetException}.
     */
    public static Split<Dataset> npz(Path file, int[] labelValues, String classesFrom) {
        float[][] x = new float[2][];
        int[][] y = new int[2][];
        NpyReader.Header[][] h = {new NpyReader.Header[1], new NpyReader.Header[1]};
        for (int s = 0; s < 2; s++) {
            x[s] = NpyReader.features(file, NPZ_ENTRIES.get(2 * s), h[s]);
            y[s] = x[s] == null ? null : NpyReader.labels(file, NPZ_ENTRIES.get(2 * s + 1));
            if (x[s] == null || y[s] == null) {
                throw new DatasetException(file, -1, "no entry " + NPZ_ENTRIES.get(x[s] == null ? 2 * s : 2 * s + 1)
                        + ".npy; an .npz dataset holds " + String.join(", ", NPZ_ENTRIES) + " (it has "
                        + Excerpt.list(NpyReader.entries(file)) + ")");
            }
        }
        String name = file.getFileName().toString();
        return npySplit(file, file, name + ":train", x[0], y[0], h[0][0], file, file, name + ":test", x[1], y[1], h[1][0],
                new Dataset.Source("npz", List.of(file.toString()), null, 1f), labelValues, classesFrom);
    }

    /**
     * Train and test sets from four {@code .npy} files: features of shape {@code [samples, ...]}
     * and labels of shape {@code [samples]} for each (see {@link NpyReader} for the types). The
     * classes are the distinct training labels, ascending.
     */
    public static Split<Dataset> npy(Path trainX, Path trainY, Path testX, Path testY) {
        return npy(trainX, trainY, testX, testY, null, null);
    }

    /**
     * As {@link #npy(Path, Path, Path, Path)}, with the classes {@code labelValues} of a model trained
     * before, which came from {@code classesFrom} (as {@link #npz(Path, int[], String)}).
     */
    public static Split<Dataset> npy(Path trainX, Path trainY, Path testX, Path testY, int[] labelValues, String classesFrom) {
        NpyReader.Header[] ha = new NpyReader.Header[1];
        NpyReader.Header[] hb = new NpyReader.Header[1];
        float[] xa = NpyReader.features(trainX, ha);
        int[] ya = NpyReader.labels(trainY);
        float[] xb = NpyReader.features(testX, hb);
        int[] yb = NpyReader.labels(testY);
        return npySplit(trainX, trainY, trainX.getFileName().toString(), xa, ya, ha[0],
                testX, testY, testX.getFileName().toString(), xb, yb, hb[0],
                new Dataset.Source("npy", List.of(trainX.toString(), trainY.toString(), testX.toString(), testY.toString()),
                        null, 1f), labelValues, classesFrom);
    }

    private static Split<Dataset> npySplit(Path xa, Path ya, String na, float[] fa, int[] la, NpyReader.Header ha,
                                  Path xb, Path yb, String nb, float[] fb, int[] lb, NpyReader.Header hb,
                                  Dataset.Source source, int[] labelValues, String classesFrom) {
        checkRows(xa, ya, ha, la);
        checkRows(xb, yb, hb, lb);
        long[] sa = java.util.Arrays.copyOfRange(ha.shape(), 1, ha.shape().length);
        long[] sb = java.util.Arrays.copyOfRange(hb.shape(), 1, hb.shape().length);
        if (!java.util.Arrays.equals(sa, sb)) {
            throw new DatasetException(xb, -1, "its samples have shape " + java.util.Arrays.toString(sb) + " but those of "
                    + "the training features " + xa + " have " + java.util.Arrays.toString(sa) + "; a model takes one shape");
        }
        ClassIndex ca = ClassIndex.of(ya, la, labelValues, classesFrom);
        ClassIndex cb = ClassIndex.of(yb, lb, ca.labelValues(), labelValues != null ? classesFrom : "the training labels " + ya);
        int dims = (int) ha.rowLength();
        return new Split<>(new Dataset(na, fa, ca.indices(), la.length, dims, ca.labelValues().length, ca.labelValues(), source),
                new Dataset(nb, fb, cb.indices(), lb.length, dims, cb.labelValues().length, cb.labelValues(), source));
    }

    /** Features must have samples of at least one value, as many as there are labels. */
    private static void checkRows(Path x, Path y, NpyReader.Header h, int[] labels) {
        if (h.shape()[0] == 0 || h.rowLength() == 0) {
            throw new DatasetException(x, -1, "shape " + java.util.Arrays.toString(h.shape())
                    + ": a dataset needs at least one sample of at least one feature");
        }
        if (h.shape()[0] != labels.length) {
            throw new DatasetException(y, -1, labels.length + " labels, but the features " + x + " have "
                    + h.shape()[0] + " samples (shape " + java.util.Arrays.toString(h.shape()) + ")");
        }
    }

    // ------------------------------------------------------------------ CSV, with fitted column encodings

    /** As {@link #csv(CsvEncoding.Options, Path, Path, double, long, double, java.util.function.Consumer)} with no validation split. */
    public static Split<Dataset> csv(CsvEncoding.Options o, Path train, Path test, double testFraction, long seed,
                            java.util.function.Consumer<String> notes) {
        return csv(o, train, test, testFraction, seed, 0, notes);
    }

    /**
     * Train and test data from CSV as people have it (see {@link CsvEncoding}): with {@code test}
     * null, one file split by {@link #stratified} ({@code testFraction} of each class, seeded);
     * else two files with the same columns. The encoding (classes, per-column statistics,
     * categories) is fitted on the training rows only, less the {@code validation} fraction that
     * training will hold out of them ({@link Holdout}, with the same seed), so that validation rows
     * are scaled with statistics they took no part in; what it found worth saying goes to
     * {@code notes} (may be null).
     */
    public static Split<Dataset> csv(CsvEncoding.Options o, Path train, Path test, double testFraction, long seed,
                            double validation, java.util.function.Consumer<String> notes) {
        CsvRecords a = CsvRecords.read(train, o.delimiter());
        CsvEncoding labels = CsvEncoding.labelsOf(a, o);
        int[][] rows = rows(a, labels, o.label(), test, testFraction, seed);
        CsvRecords b = test == null ? a : CsvRecords.read(test, o.delimiter());
        CsvEncoding enc = labels.fit(a, fittedRows(a, labels, o.label(), rows[0], validation, seed), o);
        enc.checkColumns(b, "the training file " + train);
        if (notes != null) {
            enc.notes().forEach(notes);
        }
        return encode(enc, o.label(), a, b, rows, test == null ? testFraction : -1, seed, "the training file " + train);
    }

    /**
     * The same data read with an encoding a checkpoint recorded (no fitting): a model's test set,
     * its rows split again as the training run split them when {@code test} is null.
     */
    public static Split<Dataset> csv(CsvEncoding enc, String label, Path train, Path test, double testFraction, long seed,
                            String classesFrom) {
        CsvRecords a = CsvRecords.read(train, enc.delimiter());
        CsvRecords b = test == null ? a : CsvRecords.read(test, enc.delimiter());
        enc.checkColumns(a, classesFrom);
        enc.checkColumns(b, classesFrom);
        int[][] rows = rows(a, enc, label, test, testFraction, seed);
        return encode(enc, label, a, b, rows, test == null ? testFraction : -1, seed, classesFrom);
    }

    /** The training rows less those {@link Holdout} will hold out for validation (in the training rows' order). */
    private static int[] fittedRows(CsvRecords a, CsvEncoding labels, String label, int[] trainRows, double validation,
                                    long seed) {
        if (validation == 0) {
            return trainRows;
        }
        int[] classes = strata(a, labels, label);
        float[] trainLabels = new float[trainRows.length];
        for (int i = 0; i < trainRows.length; i++) {
            trainLabels[i] = classes[trainRows[i]];
        }
        boolean[] held = Holdout.heldRows(trainLabels, Math.max(1, labels.labelValues().length), validation, seed);
        return java.util.stream.IntStream.range(0, trainRows.length).filter(i -> !held[i]).map(i -> trainRows[i]).toArray();
    }

    /** The training rows of {@code a} and the test rows (of {@code a} when there is no test file, else all of it). */
    private static int[][] rows(CsvRecords a, CsvEncoding labels, String label, Path test, double testFraction, long seed) {
        if (test != null) {
            return new int[][] {java.util.stream.IntStream.range(0, a.size()).toArray(), null};
        }
        return stratified(strata(a, labels, label), Math.max(1, labels.labelValues().length), testFraction, seed);
    }

    /** What a split is stratified by: each row's class, or (regression targets) one stratum for all rows. */
    private static int[] strata(CsvRecords a, CsvEncoding labels, String label) {
        return labels.numbers() ? new int[a.size()] : labels.classes(a, label, "the file");
    }

    private static Split<Dataset> encode(CsvEncoding enc, String label, CsvRecords a, CsvRecords b, int[][] rows, double testFraction,
                                long seed, String classesFrom) {
        int[] testRows = rows[1] != null ? rows[1] : java.util.stream.IntStream.range(0, b.size()).toArray();
        if (b == a && testRows.length == 0) {
            throw new DatasetException(a.file(), -1, "its " + a.size() + " rows leave no test rows at a test fraction of "
                    + testFraction + " (a class of one row stays in training): use more rows, a larger fraction, or a test file");
        }
        List<java.util.Map<String, Object>> steps = List.of(enc.toConfig());
        String name = a.file().getFileName().toString();
        return new Split<>(
                enc.encode(a, rows[0], name, label, classesFrom, new Dataset.Source("csv", List.of(a.file().toString()), label,
                        1f, split(testFraction, seed, "train"), steps)),
                enc.encode(b, testRows, b == a ? name + " (test rows)" : b.file().getFileName().toString(), label, classesFrom,
                        new Dataset.Source("csv", List.of(b.file().toString()), label, 1f, split(testFraction, seed, "test"),
                                steps)));
    }

    private static java.util.Map<String, Object> split(double testFraction, long seed, String part) {
        if (testFraction < 0) {
            return null;
        }
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("test_fraction", testFraction);
        m.put("seed", seed);
        m.put("part", part);
        return m;
    }

    /**
     * A seeded, stratified split of rows whose classes are {@code classes} (0..k-1): each class's
     * rows, in file order, shuffled (Fisher-Yates, {@link SplitMix} seeded with
     * {@code derive(seed, 7)}, classes in order), and the first {@code round(fraction × n)} go to
     * test, at most n - 1, so that every class keeps a training row. Returns the training rows and
     * the test rows, each ascending.
     */
    public static int[][] stratified(int[] classes, int k, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("a test fraction must lie in (0, 1), got " + fraction);
        }
        SplitMix rnd = new SplitMix(SplitMix.derive(seed, 7));
        boolean[] test = new boolean[classes.length];
        for (int c = 0; c < k; c++) {
            final int cls = c;
            int[] idx = java.util.stream.IntStream.range(0, classes.length).filter(i -> classes[i] == cls).toArray();
            for (int i = idx.length - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
            long n = idx.length <= 1 ? 0 : Math.min(idx.length - 1, Math.round(fraction * idx.length));
            for (int i = 0; i < n; i++) {
                test[idx[i]] = true;
            }
        }
        return new int[][] {java.util.stream.IntStream.range(0, classes.length).filter(i -> !test[i]).toArray(),
            java.util.stream.IntStream.range(0, classes.length).filter(i -> test[i]).toArray()};
    }
}
