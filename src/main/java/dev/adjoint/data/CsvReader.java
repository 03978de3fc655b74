package dev.adjoint.data;

import dev.adjoint.io.Excerpt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a classification table from CSV: a header row naming the columns, one column of class
 * labels (integers 0..16777215; "3.0" counts as 3), every other column a numeric feature. Fields
 * are separated by commas and may be double-quoted, over several lines too ({@link CsvRecords}); blank lines are skipped. The file
 * must be UTF-8 (a byte order mark is allowed).
 *
 * <p>The classes are the distinct label values of the training data, in ascending order, and a
 * label's class index is its rank among them (what scikit-learn's {@code LabelEncoder} does): labels
 * 0..K-1, all present, are their own indices; labels {3, 7, 1000000} are classes 0, 1 and 2 of a
 * 3-class model. Another file (a test set, or data for a trained model) is read against that class
 * list, and a label outside it is an error: the model has no output for it.
 *
 * <p>A ragged row, a non-numeric cell, a bad or unknown label, bytes that are not UTF-8 or a file
 * without rows reject the file whole with a {@link DatasetException} naming the file, the line and
 * the column (and the byte offset for bad UTF-8). Text from the file is quoted in a message cut
 * short ({@link Excerpt}).
 */
public final class CsvReader {
    /** Labels must be exactly representable as floats. */
    private static final int MAX_LABEL = 1 << 24;

    private CsvReader() {}

    /**
     * A parsed table: features row-major ({@code rows × featureColumns.size()}) and each row's
     * label as written in the file (a label value, not yet a class index).
     */
    public record Table(Path file, String labelColumn, List<String> featureColumns, float[] features, int[] labels,
                        int rows) {
        /** The distinct label values, ascending: the class list of a model trained on this table. */
        public int[] labelValues() {
            return Arrays.stream(labels).distinct().sorted().toArray();
        }

        /** How many distinct label values there are. */
        public int classes() {
            return labelValues().length;
        }

        /**
         * This table as a dataset whose class {@code i} is label value {@code labelValues[i]}
         * (ascending, distinct; every label of the table must be one of them, as
         * {@link #read(Path, String, int[], String)} makes sure).
         */
        public Dataset toDataset(String name, int[] labelValues) {
            checkLabelValues(labelValues);
            float[] y = new float[rows];
            for (int i = 0; i < rows; i++) {
                int k = Arrays.binarySearch(labelValues, labels[i]);
                if (k < 0) {
                    throw new IllegalArgumentException("CsvReader.Table " + file + ": label " + labels[i] + " of row " + i
                            + " is not one of the class labels " + Dataset.labelList(labelValues));
                }
                y[i] = k;
            }
            return new Dataset(name, features, y, rows, featureColumns.size(), labelValues.length, labelValues.clone(),
                    new Dataset.Source("csv", List.of(file.toString()), labelColumn, 1f));
        }
    }

    /** A dataset named after the file, whose classes are its distinct labels. */
    public static Dataset dataset(Path file, String labelColumn) {
        Table t = read(file, labelColumn);
        return t.toDataset(file.getFileName().toString(), t.labelValues());
    }

    /**
     * A dataset named after the file, whose classes are {@code labelValues} (ascending, distinct),
     * e.g. the class list a model was trained with; a label outside it is a {@link DatasetException}
     * naming the file, the line and the label, and {@code classesFrom} (where the list came from,
     * e.g. "the training file /data/train.csv" or "checkpoint runs/a").
     */
    public static Dataset dataset(Path file, String labelColumn, int[] labelValues, String classesFrom) {
        return read(file, labelColumn, labelValues, classesFrom).toDataset(file.getFileName().toString(), labelValues);
    }

    /** Reads and checks the whole file; any label 0..16777215 is accepted. */
    public static Table read(Path file, String labelColumn) {
        return read(file, labelColumn, null, null);
    }

    /**
     * Reads and checks the whole file; every label must be one of {@code labelValues} (ascending,
     * distinct; null accepts any), else a {@link DatasetException} names the line, the label and
     * the class list, which came from {@code classesFrom}.
     */
    public static Table read(Path file, String labelColumn, int[] labelValues, String classesFrom) {
        if (labelValues != null) {
            checkLabelValues(labelValues);
        }
        return parse(CsvRecords.read(file, ','), labelColumn, labelValues, classesFrom);
    }

    /** Throws unless {@code labelValues} is a non-empty, strictly ascending list of labels 0..16777215. */
    static void checkLabelValues(int[] labelValues) {
        if (labelValues == null || labelValues.length == 0) {
            throw new IllegalArgumentException("CsvReader: a class list needs at least one label value");
        }
        for (int i = 0; i < labelValues.length; i++) {
            if (labelValues[i] < 0 || labelValues[i] >= MAX_LABEL || (i > 0 && labelValues[i] <= labelValues[i - 1])) {
                throw new IllegalArgumentException("CsvReader: the class list " + Dataset.labelList(labelValues)
                        + " must hold distinct labels 0.." + (MAX_LABEL - 1) + " in ascending order");
            }
        }
    }

    private static Table parse(CsvRecords csv, String labelColumn, int[] labelValues, String classesFrom) {
        Path file = csv.file();
        List<String> header = csv.header();
        int labelAt = csv.column(labelColumn);
        if (labelAt < 0) {
            throw DatasetException.at(file, 1, 0, null, "no label column " + Excerpt.quoted(labelColumn)
                    + "; the columns are " + Excerpt.list(header));
        }
        if (header.size() < 2) {
            throw DatasetException.at(file, 1, 0, null, "only the label column: there are no feature columns");
        }
        csv.checkRows();
        List<String> featureColumns = new ArrayList<>(header);
        featureColumns.remove(labelAt);
        int dims = featureColumns.size();
        int rows = csv.size();
        float[] features = new float[rows * dims];
        int[] labels = new int[rows];
        for (int r = 0; r < rows; r++) {
            String[] cells = csv.rows().get(r);
            int f = r * dims;
            for (int c = 0; c < cells.length; c++) {
                if (c == labelAt) {
                    labels[r] = label(file, csv.lines()[r], c + 1, header.get(c), cells[c], labelValues, classesFrom);
                } else {
                    features[f++] = number(file, csv.lines()[r], c + 1, header.get(c), cells[c]);
                }
            }
        }
        return new Table(file, labelColumn, List.copyOf(featureColumns), features, labels, rows);
    }

    static float number(Path file, long line, int column, String name, String cell) {
        float v;
        try {
            v = Float.parseFloat(cell);
        } catch (NumberFormatException e) {
            throw DatasetException.at(file, line, column, name, (cell.isEmpty() ? "empty cell" : Excerpt.quoted(cell))
                    + " is not a number");
        }
        if (!Float.isFinite(v)) {
            throw DatasetException.at(file, line, column, name, Excerpt.quoted(cell) + " is not a finite number");
        }
        return v;
    }

    static int label(Path file, long line, int column, String name, String cell, int[] labelValues,
            String classesFrom) {
        double v;
        try {
            v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v >= 0 && v < MAX_LABEL) || v != Math.rint(v)) {
            throw DatasetException.at(file, line, column, name, "label " + Excerpt.quoted(cell)
                    + " is not a class label (an integer 0.." + (MAX_LABEL - 1) + ")");
        }
        int y = (int) v;
        if (labelValues != null && Arrays.binarySearch(labelValues, y) < 0) {
            throw DatasetException.at(file, line, column, name, "label " + y + " is not one of the " + labelValues.length
                    + " classes of " + classesFrom + ": " + Dataset.labelList(labelValues)
                    + "; a model trained on those has no output for it");
        }
        return y;
    }
}
