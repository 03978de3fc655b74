package dev.adjoint.data;

import dev.adjoint.io.Excerpt;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * How the columns of a CSV table become a model's input, fitted on the training rows only and
 * applied the same way to every other row (test rows, and later {@code eval} and {@code predict},
 * which read it back from the checkpoint with {@link #fromConfig}): each numeric column
 * standardised on its own, {@code (x - mean) / std} with the population std of the training rows
 * (a constant column is only centred: std 1); each categorical column one-hot encoded over the
 * categories of the training rows, in sorted order (a category the training rows lack is refused);
 * ignored columns dropped. A missing value (an empty cell) is refused naming the file, the line and
 * the column, unless an {@link Impute} is chosen: a numeric column then takes the training rows'
 * mean, median or zero (before the statistics are computed, as scikit-learn's imputer then scaler
 * does), a categorical one all zeros. Labels are integers (classes = distinct values, ascending)
 * when every label of the training data is one, else names (classes = distinct names, sorted).
 * For a binary task the label column must hold exactly two classes (the second, in that order, is
 * the positive one); for regression it holds numbers, the targets, read as they are.
 */
public final class CsvEncoding {
    /** How a missing numeric value is filled: not at all (refused), or the training rows' mean, median, or zero. */
    public enum Impute { NONE, MEAN, MEDIAN, ZERO }

    /** What the label column holds: classes (any number), exactly two classes (a binary task), or numbers (regression). */
    public enum Labels { CLASSES, TWO_CLASSES, NUMBERS }

    /** What the user chose: the label column, the delimiter, columns to ignore, categorical columns, imputation, labels. */
    public record Options(String label, char delimiter, List<String> ignore, List<String> categorical, Impute impute,
                          Labels labels) {
        public Options {
            ignore = List.copyOf(ignore);
            categorical = List.copyOf(categorical);
            labels = labels == null ? Labels.CLASSES : labels;
        }

        /** Options whose label column holds classes. */
        public Options(String label, char delimiter, List<String> ignore, List<String> categorical, Impute impute) {
            this(label, delimiter, ignore, categorical, impute, Labels.CLASSES);
        }

        public static Options of(String label) {
            return new Options(label, ',', List.of(), List.of(), Impute.NONE);
        }

        /** These options with the label column read as {@code l}. */
        public Options withLabels(Labels l) {
            return new Options(label, delimiter, ignore, categorical, impute, l);
        }
    }

    /** One column: {@code encode} is label, ignore, standardize (mean, std, fill: null refuses a gap) or one_hot (categories). */
    record Column(String name, String encode, float mean, float std, Float fill, List<String> categories) {
        /** The column as its config entry: name, encode, and the fitted values its encoding uses. */
        Map<String, Object> toConfig() {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("name", name);
            e.put("encode", encode);
            if (encode.equals("standardize")) {
                e.put("mean", (double) mean);
                e.put("std", (double) std);
                if (fill != null) {
                    e.put("fill", (double) fill);
                }
            } else if (encode.equals("one_hot")) {
                e.put("categories", categories);
            }
            return e;
        }

        int width() {
            return switch (encode) {
                case "standardize" -> 1;
                case "one_hot" -> categories.size();
                default -> 0;
            };
        }
    }

    /** The fitted op's name under "preprocessing" in a checkpoint's config. */
    public static final String OP = "csv_columns";
    private static final int MAX_LABEL = 1 << 24;

    private final char delimiter;
    private final Impute impute;
    private final List<Column> columns;
    /** The classes' names, sorted, when the labels are names; null when they are integers or numbers. */
    private final List<String> labelNames;
    /** Whether the label column holds numbers, regression targets (then there are no classes). */
    private final boolean numbers;
    private final int[] labelValues;
    private final List<String> notes;

    private CsvEncoding(char delimiter, Impute impute, List<Column> columns, List<String> labelNames, int[] labelValues,
                        List<String> notes, boolean numbers) {
        this.delimiter = delimiter;
        this.numbers = numbers;
        this.impute = impute;
        this.columns = List.copyOf(columns);
        this.labelNames = labelNames == null ? null : List.copyOf(labelNames);
        this.labelValues = labelValues;
        this.notes = List.copyOf(notes);
    }

    public char delimiter() {
        return delimiter;
    }

    /** Whether the label column holds regression targets (numbers) rather than classes. */
    public boolean numbers() {
        return numbers;
    }

    /** The label each class stands for (ascending; 0..K-1 when the labels are names; none for numbers). */
    public int[] labelValues() {
        return labelValues.clone();
    }

    /** Class {@code c}'s name as the file writes it. */
    public String className(int c) {
        return labelNames != null ? labelNames.get(c) : Integer.toString(labelValues[c]);
    }

    /** What fitting found worth saying: constant columns, the categories of each categorical column. */
    public List<String> notes() {
        return notes;
    }

    /** Features per row after encoding. */
    public int dims() {
        return columns.stream().mapToInt(Column::width).sum();
    }

    // ------------------------------------------------------------------ fitting

    /**
     * The classes of a table's label column: integers if every label is one, else names; an empty
     * label is refused. With {@link Labels#TWO_CLASSES} a third class (or a lone one) is refused,
     * naming the line and column; with {@link Labels#NUMBERS} every label must be a finite number,
     * and there are no classes.
     */
    public static CsvEncoding labelsOf(CsvRecords csv, Options o) {
        int at = labelColumn(csv, o.label());
        if (o.labels() == Labels.NUMBERS) {
            targets(csv, o.label());
            return new CsvEncoding(o.delimiter(), o.impute(), List.of(), null, new int[0], List.of(), true);
        }
        boolean integers = true;
        TreeSet<String> names = new TreeSet<>();
        TreeSet<Integer> values = new TreeSet<>();
        for (int r = 0; r < csv.size(); r++) {
            String cell = csv.rows().get(r)[at];
            if (cell.isEmpty()) {
                throw DatasetException.at(csv.file(), csv.lines()[r], at + 1, o.label(), "empty cell: a row without a class label");
            }
            names.add(cell);
            double v = parse(cell);
            if (integers && v >= 0 && v < MAX_LABEL && v == Math.rint(v)) {
                values.add((int) v);
            } else {
                integers = false;
            }
        }
        int[] ints = integers ? values.stream().mapToInt(Integer::intValue).toArray()
                : java.util.stream.IntStream.range(0, names.size()).toArray();
        if (o.labels() == Labels.TWO_CLASSES) {
            checkTwo(csv, at, o.label(), integers, integers ? values.size() : names.size());
        }
        return new CsvEncoding(o.delimiter(), o.impute(), List.of(), integers ? null : new ArrayList<>(names), ints, List.of(),
                false);
    }

    /** Refuses a label column of a binary task without exactly two classes, naming the cell of a third. */
    private static void checkTwo(CsvRecords csv, int at, String label, boolean integers, int classes) {
        if (classes == 2) {
            return;
        }
        List<String> seen = new ArrayList<>();
        for (int r = 0; r < csv.size(); r++) {
            String cell = csv.rows().get(r)[at];
            double v = parse(cell);
            String key = integers ? Long.toString((long) v) : cell;
            if (!seen.contains(key)) {
                seen.add(key);
                if (seen.size() == 3) {
                    throw DatasetException.at(csv.file(), csv.lines()[r], at + 1, label, "label " + Excerpt.quoted(cell)
                            + " is a third class (after " + Excerpt.quoted(seen.get(0)) + " and " + Excerpt.quoted(seen.get(1))
                            + "): a binary task (--task binary) takes exactly two; the column has " + classes
                            + " (use --task classification for more)");
                }
            }
        }
        throw new DatasetException(csv.file(), -1, "column " + Excerpt.quoted(label) + " holds one class only, "
                + Excerpt.quoted(csv.rows().getFirst()[at]) + ": a binary task (--task binary) needs two");
    }

    /** Every row's label as a number, a regression target; a cell that is not a finite number is refused, naming where. */
    public static float[] targets(CsvRecords csv, String label) {
        int at = labelColumn(csv, label);
        float[] y = new float[csv.size()];
        for (int r = 0; r < y.length; r++) {
            String cell = csv.rows().get(r)[at];
            long line = csv.lines()[r];
            if (cell.isEmpty()) {
                throw DatasetException.at(csv.file(), line, at + 1, label, "empty cell: a row without a target value");
            }
            if (Double.isNaN(parse(cell))) {
                throw DatasetException.at(csv.file(), line, at + 1, label, Excerpt.quoted(cell) + " is not a number:"
                        + " a regression task (--task regression) needs a numeric target column");
            }
            y[r] = CsvReader.number(csv.file(), line, at + 1, label, cell);
        }
        return y;
    }

    /** The class index of every row's label (see {@link #labelsOf}); a label outside the classes is refused, naming {@code classesFrom}. */
    public int[] classes(CsvRecords csv, String label, String classesFrom) {
        int at = labelColumn(csv, label);
        int[] y = new int[csv.size()];
        for (int r = 0; r < y.length; r++) {
            String cell = csv.rows().get(r)[at];
            long line = csv.lines()[r];
            if (labelNames == null) {
                int v = CsvReader.label(csv.file(), line, at + 1, label, cell, labelValues, classesFrom);
                y[r] = Arrays.binarySearch(labelValues, v);
            } else {
                y[r] = Collections.binarySearch(labelNames, cell);
                if (y[r] < 0) {
                    throw DatasetException.at(csv.file(), line, at + 1, label, "label " + Excerpt.quoted(cell)
                            + " is not one of the " + labelNames.size() + " classes of " + classesFrom + ": "
                            + Excerpt.list(labelNames) + "; a model trained on those has no output for it");
                }
            }
        }
        return y;
    }

    /** This encoding's classes with every other column fitted on {@code rows} of {@code csv} (the training rows). */
    public CsvEncoding fit(CsvRecords csv, int[] rows, Options o) {
        int labelAt = labelColumn(csv, o.label());
        for (List<String> named : List.of(o.ignore(), o.categorical())) {
            for (String name : named) {
                if (csv.column(name) < 0 || name.equals(o.label())) {
                    throw DatasetException.at(csv.file(), 1, 0, null, (csv.column(name) < 0 ? "no column " : "the label column ")
                            + Excerpt.quoted(name) + " to " + (named == o.ignore() ? "ignore" : "one-hot encode")
                            + "; the columns are " + Excerpt.list(csv.header()));
                }
            }
        }
        List<Column> cols = new ArrayList<>();
        List<String> said = new ArrayList<>();
        for (int c = 0; c < csv.header().size(); c++) {
            String name = csv.header().get(c);
            if (c == labelAt) {
                cols.add(new Column(name, "label", 0, 1, null, List.of()));
            } else if (o.ignore().contains(name)) {
                cols.add(new Column(name, "ignore", 0, 1, null, List.of()));
            } else if (o.categorical().contains(name)) {
                TreeSet<String> cats = new TreeSet<>();
                for (int r : rows) {
                    String cell = csv.rows().get(r)[c];
                    if (!cell.isEmpty()) {
                        cats.add(cell);
                    } else if (o.impute() == Impute.NONE) {
                        throw missing(csv, r, c);
                    }
                }
                said.add("column " + Excerpt.quoted(name) + " one-hot: " + cats.size() + " categories " + Excerpt.list(List.copyOf(cats)));
                cols.add(new Column(name, "one_hot", 0, 1, null, List.copyOf(cats)));
            } else {
                cols.add(numeric(csv, rows, c, o.impute(), said));
            }
        }
        if (cols.stream().mapToInt(Column::width).sum() == 0) {
            throw DatasetException.at(csv.file(), 1, 0, null, "only the label column: there are no feature columns"
                    + (o.ignore().isEmpty() ? "" : " (the others are ignored)"));
        }
        return new CsvEncoding(o.delimiter(), o.impute(), cols, labelNames, labelValues, said, numbers);
    }

    /** A numeric column's fill value and statistics over the training rows (in double; std 0 becomes 1). */
    private static Column numeric(CsvRecords csv, int[] rows, int c, Impute impute, List<String> said) {
        String name = csv.header().get(c);
        double[] v = new double[rows.length];
        int n = 0;
        for (int r : rows) {
            String cell = csv.rows().get(r)[c];
            if (cell.isEmpty()) {
                if (impute == Impute.NONE) {
                    throw missing(csv, r, c);
                }
            } else {
                v[n++] = number(csv, r, c, cell);
            }
        }
        Float fill = null;
        if (impute != Impute.NONE) {
            double[] known = Arrays.copyOf(v, n);
            Arrays.sort(known);
            double f = n == 0 || impute == Impute.ZERO ? 0 : impute == Impute.MEAN ? Arrays.stream(known).sum() / n
                    : n % 2 == 1 ? known[n / 2] : (known[n / 2 - 1] + known[n / 2]) / 2;
            fill = (float) f;
            for (int i = n; i < rows.length; i++) {
                v[i] = fill;
            }
        }
        double mean = Arrays.stream(v).sum() / rows.length;
        double sq = 0;
        for (double x : v) {
            sq += (x - mean) * (x - mean);
        }
        float std = (float) Math.sqrt(sq / rows.length);
        if (!(std > 0)) {
            said.add("column " + Excerpt.quoted(name) + " is constant on the training rows: only centred (std 1)");
            std = 1f;
        }
        return new Column(name, "standardize", (float) mean, std, fill, List.of());
    }

    // ------------------------------------------------------------------ applying

    /** Rows {@code rows} of {@code csv} as a dataset: features encoded, labels as class indices (see {@link #classes}). */
    public Dataset encode(CsvRecords csv, int[] rows, String name, String label, String classesFrom, Dataset.Source source) {
        checkColumns(csv, classesFrom);
        float[] targets = numbers ? targets(csv, label) : null;
        int[] classes = numbers ? null : classes(csv, label, classesFrom);
        int dims = dims();
        float[] x = new float[rows.length * dims];
        float[] y = new float[rows.length];
        int[] at = java.util.stream.IntStream.range(0, columns.size()).toArray();
        for (int i = 0; i < rows.length; i++) {
            y[i] = numbers ? targets[rows[i]] : classes[rows[i]];
            encodeRow(csv, rows[i], at, x, i * dims);
        }
        return numbers ? Dataset.regression(name, x, y, rows.length, dims, source)
                : new Dataset(name, x, y, rows.length, dims, labelValues.length, labelValues.clone(), source);
    }

    /**
     * The features of every row of {@code csv}, new data for a trained model: its columns are matched
     * to those the encoding was fitted on ({@code fittedOn}) by name, in any order; the label and
     * ignored columns may be there (and are not read) or not; a feature column missing, or a column
     * the encoding does not know, is refused. Each cell is encoded as {@link #encode} does.
     */
    public float[] features(CsvRecords csv, String fittedOn) {
        List<String> names = columns.stream().map(Column::name).toList();
        for (String h : csv.header()) {
            if (!names.contains(h)) {
                throw DatasetException.at(csv.file(), 1, csv.column(h) + 1, h, "no column " + Excerpt.quoted(h) + " in "
                        + fittedOn + ", whose columns are " + Excerpt.list(names));
            }
        }
        int[] at = new int[columns.size()];
        for (int c = 0; c < at.length; c++) {
            Column col = columns.get(c);
            at[c] = csv.column(col.name());
            if (at[c] < 0 && col.width() > 0) {
                throw DatasetException.at(csv.file(), 1, 0, null, "no column " + Excerpt.quoted(col.name()) + ", a feature of "
                        + fittedOn + " (its feature columns are " + Excerpt.list(columns.stream().filter(k -> k.width() > 0)
                        .map(Column::name).toList()) + ")");
            }
        }
        csv.checkRows();
        int dims = dims();
        float[] x = new float[csv.size() * dims];
        for (int r = 0; r < csv.size(); r++) {
            encodeRow(csv, r, at, x, r * dims);
        }
        return x;
    }

    /** Row {@code r}'s features into {@code x} from {@code f}: encoding column c is column {@code at[c]} of {@code csv}. */
    private void encodeRow(CsvRecords csv, int r, int[] at, float[] x, int f) {
        for (int c = 0; c < columns.size(); c++) {
            Column col = columns.get(c);
            if (col.width() == 0) {
                continue;
            }
            int k = at[c];
            String cell = csv.rows().get(r)[k];
            if (col.encode().equals("standardize")) {
                float v = cell.isEmpty() ? fill(csv, r, k, col) : number(csv, r, k, cell);
                x[f++] = (v - col.mean()) / col.std();
            } else {
                if (!cell.isEmpty()) {
                    int i = Collections.binarySearch(col.categories(), cell);
                    if (i < 0) {
                        throw DatasetException.at(csv.file(), csv.lines()[r], k + 1, col.name(), "category "
                                + Excerpt.quoted(cell) + " is not one of the " + col.categories().size()
                                + " the training rows have: " + Excerpt.list(col.categories()));
                    }
                    x[f + i] = 1f;
                } else if (impute == Impute.NONE) {
                    throw missing(csv, r, k);
                }
                f += col.categories().size();
            }
        }
    }

    /** Refuses a table whose columns are not those this encoding was fitted on ({@code fittedOn}), by name and order. */
    public void checkColumns(CsvRecords csv, String fittedOn) {
        List<String> names = columns.stream().map(Column::name).toList();
        if (!columns.isEmpty() && !csv.header().equals(names)) {
            throw new DatasetException(csv.file(), -1, "its columns " + Excerpt.list(csv.header())
                    + " are not those of " + fittedOn + ", " + Excerpt.list(names)
                    + " (feature columns and the label must match by name and order)");
        }
    }

    private float fill(CsvRecords csv, int r, int c, Column col) {
        if (col.fill() == null) {
            throw missing(csv, r, c);
        }
        return col.fill();
    }

    private static DatasetException missing(CsvRecords csv, int r, int c) {
        return DatasetException.at(csv.file(), csv.lines()[r], c + 1, csv.header().get(c), "empty cell: a missing value;"
                + " fill missing values with --impute mean, median or zero, or remove the row");
    }

    private static float number(CsvRecords csv, int r, int c, String cell) {
        if (Double.isNaN(parse(cell)) && !cell.equalsIgnoreCase("nan")) {
            throw DatasetException.at(csv.file(), csv.lines()[r], c + 1, csv.header().get(c), Excerpt.quoted(cell)
                    + " is not a number (a column of categories? name it in --categorical)");
        }
        return CsvReader.number(csv.file(), csv.lines()[r], c + 1, csv.header().get(c), cell);
    }

    private static double parse(String cell) {
        try {
            return Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static int labelColumn(CsvRecords csv, String label) {
        int at = csv.column(label);
        if (at < 0) {
            throw DatasetException.at(csv.file(), 1, 0, null, "no label column " + Excerpt.quoted(label)
                    + "; the columns are " + Excerpt.list(csv.header()));
        }
        if (csv.header().size() < 2) {
            throw DatasetException.at(csv.file(), 1, 0, null, "only the label column: there are no feature columns");
        }
        csv.checkRows();
        return at;
    }

    // ------------------------------------------------------------------ config

    /** This encoding as a checkpoint's preprocessing step ({@value #OP}): every column and what it became. */
    public Map<String, Object> toConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", OP);
        m.put("delimiter", String.valueOf(delimiter));
        m.put("impute", impute.name().toLowerCase(Locale.ROOT));
        if (labelNames != null) {
            m.put("label_names", labelNames);
        }
        if (numbers) {
            m.put("label_kind", "number");
        }
        m.put("columns", columns.stream().map(Column::toConfig).toList());
        return m;
    }

    /**
     * The encoding a checkpoint recorded ({@link #toConfig}), whose classes stand for
     * {@code labelValues} (the checkpoint's data.labels); an IllegalArgumentException names what is wrong.
     */
    public static CsvEncoding fromConfig(Map<?, ?> m, int[] labelValues) {
        try {
            String d = (String) m.get("delimiter");
            if (d.length() != 1) {
                throw new IllegalArgumentException("delimiter " + Excerpt.quoted(d) + " is not one character");
            }
            Impute impute = Impute.valueOf(((String) m.get("impute")).toUpperCase(Locale.ROOT));
            List<String> names = m.get("label_names") == null ? null : strings(m.get("label_names"));
            if (names != null && (names.size() != labelValues.length || !names.equals(new ArrayList<>(new TreeSet<>(names))))) {
                throw new IllegalArgumentException("label_names must be " + labelValues.length + " sorted distinct names");
            }
            List<Column> cols = new ArrayList<>();
            for (Object o : (List<?>) m.get("columns")) {
                Map<?, ?> c = (Map<?, ?>) o;
                String encode = (String) c.get("encode");
                String name = (String) c.get("name");
                Column col = switch (encode) {
                    case "label", "ignore" -> new Column(name, encode, 0, 1, null, List.of());
                    case "standardize" -> new Column(name, encode, ((Number) c.get("mean")).floatValue(),
                            ((Number) c.get("std")).floatValue(), c.get("fill") == null ? null : ((Number) c.get("fill")).floatValue(),
                            List.of());
                    case "one_hot" -> new Column(name, encode, 0, 1, null, strings(c.get("categories")));
                    default -> throw new IllegalArgumentException("column " + Excerpt.quoted(name) + ": unknown encode "
                            + Excerpt.quoted(encode));
                };
                if (name == null || !Float.isFinite(col.mean()) || !(col.std() > 0) || !Float.isFinite(col.std())
                        || !col.categories().equals(new ArrayList<>(new TreeSet<>(col.categories())))) {
                    throw new IllegalArgumentException("column " + Excerpt.of(String.valueOf(c)) + " is not a fitted column");
                }
                cols.add(col);
            }
            boolean numeric = "number".equals(m.get("label_kind"));
            if (m.get("label_kind") != null && !numeric) {
                throw new IllegalArgumentException("label_kind " + Excerpt.of(String.valueOf(m.get("label_kind")))
                        + " (known: number)");
            }
            return new CsvEncoding(d.charAt(0), impute, cols, names, numeric ? new int[0] : labelValues.clone(), List.of(),
                    numeric);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("preprocessing step " + OP + " lacks a field or has one of the wrong type: "
                    + Excerpt.of(String.valueOf(m)), e);
        }
    }

    private static List<String> strings(Object list) {
        return ((List<?>) list).stream().map(s -> (String) s).toList();
    }
}
