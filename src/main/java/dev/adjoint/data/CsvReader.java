package dev.adjoint.data;

import dev.adjoint.io.Excerpt;
import dev.adjoint.io.InputFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a classification table from CSV: a header row naming the columns, one column of class
 * labels (integers 0..K-1, K inferred as the largest label + 1; "3.0" counts as 3), every other
 * column a numeric feature. Fields are separated by commas and may be double-quoted (RFC 4180);
 * blank lines are skipped. The file must be UTF-8 (a byte order mark is allowed).
 *
 * <p>A ragged row, a non-numeric cell, a bad label, bytes that are not UTF-8 or a file
 * without rows reject the file whole with a {@link DatasetException} naming the file, the line and
 * the column (and the byte offset for bad UTF-8). Text from the file is quoted in a message cut
 * short ({@link Excerpt}).
 */
public final class CsvReader {
    /** Labels must be exactly representable as floats. */
    private static final int MAX_LABEL = 1 << 24;

    private CsvReader() {}

    /** A parsed table: features row-major ({@code rows × featureColumns.size()}) and labels. */
    public record Table(Path file, List<String> featureColumns, float[] features, int[] labels, int rows) {
        /** Largest label + 1 (0 for an empty table). */
        public int classes() {
            int k = 0;
            for (int y : labels) {
                k = Math.max(k, y + 1);
            }
            return k;
        }

        /** This table as a dataset with {@code classes} classes (at least {@link #classes()}). */
        public Dataset toDataset(String name, int classes) {
            float[] y = new float[rows];
            for (int i = 0; i < rows; i++) {
                y[i] = labels[i];
            }
            return new Dataset(name, features, y, rows, featureColumns.size(), classes);
        }
    }

    /** A dataset named after the file, with K inferred from its labels. */
    public static Dataset dataset(Path file, String labelColumn) {
        Table t = read(file, labelColumn);
        return t.toDataset(file.getFileName().toString(), Math.max(1, t.classes()));
    }

    /** Reads and checks the whole file. */
    public static Table read(Path file, String labelColumn) {
        try (InputStream in = InputFile.newInputStream(file, "CSV file")) {
            return parse(file, new Utf8Lines(file, in), labelColumn);
        } catch (IOException e) {
            throw new UncheckedIOException("reading CSV file " + file + ": " + e, e);
        }
    }

    private static Table parse(Path file, Utf8Lines in, String labelColumn) throws IOException {
        String headerLine = in.next();
        if (headerLine == null || headerLine.isBlank()) {
            throw DatasetException.at(file, 1, 0, null, "expected a header row naming the columns, found "
                    + (headerLine == null ? "an empty file" : "a blank line"));
        }
        if (headerLine.startsWith("\uFEFF")) {
            headerLine = headerLine.substring(1);
        }
        List<String> header = split(file, 1, headerLine);
        int labelAt = -1;
        for (int c = 0; c < header.size(); c++) {
            String name = header.get(c);
            if (name.isEmpty()) {
                throw DatasetException.at(file, 1, c + 1, null, "empty column name in the header");
            }
            if (header.subList(0, c).contains(name)) {
                throw DatasetException.at(file, 1, c + 1, name, "column name " + Excerpt.quoted(name) + " appears twice");
            }
            if (name.equals(labelColumn)) {
                labelAt = c;
            }
        }
        if (labelAt < 0) {
            throw DatasetException.at(file, 1, 0, null, "no label column " + Excerpt.quoted(labelColumn)
                    + "; the columns are " + Excerpt.list(header));
        }
        if (header.size() < 2) {
            throw DatasetException.at(file, 1, 0, null, "only the label column: there are no feature columns");
        }
        List<String> featureColumns = new ArrayList<>(header);
        featureColumns.remove(labelAt);
        int dims = featureColumns.size();
        float[] features = new float[dims * 64];
        int[] labels = new int[64];
        int rows = 0;
        String line;
        while ((line = in.next()) != null) {
            long lineNo = in.lineNumber();
            if (line.isBlank()) {
                continue;
            }
            List<String> cells = split(file, lineNo, line);
            if (cells.size() != header.size()) {
                throw DatasetException.at(file, lineNo, 0, null, cells.size() + " cells, but the header has "
                        + header.size() + " columns");
            }
            if (rows == labels.length) {
                if ((long) rows * 2 * dims > Integer.MAX_VALUE - 8) {
                    throw DatasetException.at(file, lineNo, 0, null, "more than " + rows + " rows of " + dims
                            + " features: more values than one Java array can hold");
                }
                labels = Arrays.copyOf(labels, rows * 2);
                features = Arrays.copyOf(features, rows * 2 * dims);
            }
            int f = rows * dims;
            for (int c = 0; c < cells.size(); c++) {
                String cell = cells.get(c);
                if (c == labelAt) {
                    labels[rows] = label(file, lineNo, c + 1, header.get(c), cell);
                } else {
                    features[f++] = number(file, lineNo, c + 1, header.get(c), cell);
                }
            }
            rows++;
        }
        if (rows == 0) {
            long blank = in.lineNumber() - 1;
            throw new DatasetException(file, -1, "has no rows, only the header (line 1)"
                    + (blank == 0 ? "" : " and " + blank + (blank == 1 ? " blank line" : " blank lines")));
        }
        return new Table(file, List.copyOf(featureColumns), Arrays.copyOf(features, rows * dims),
                Arrays.copyOf(labels, rows), rows);
    }

    private static float number(Path file, long line, int column, String name, String cell) {
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

    private static int label(Path file, long line, int column, String name, String cell) {
        double v;
        try {
            v = Double.parseDouble(cell);
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v >= 0 && v < MAX_LABEL) || v != Math.rint(v)) {
            throw DatasetException.at(file, line, column, name, "label " + Excerpt.quoted(cell)
                    + " is not a class index (an integer 0.." + (MAX_LABEL - 1) + ")");
        }
        return (int) v;
    }

    /** Splits one line into trimmed fields; a quoted field may hold commas and doubled quotes. */
    static List<String> split(Path file, long line, String text) {
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = text.length();
        while (true) {
            while (i < n && text.charAt(i) == ' ') {
                i++;
            }
            field.setLength(0);
            if (i < n && text.charAt(i) == '"') {
                int open = i++;
                while (true) {
                    if (i >= n) {
                        throw DatasetException.at(file, line, out.size() + 1, null,
                                "unterminated quoted field starting at character " + (open + 1));
                    }
                    char c = text.charAt(i++);
                    if (c == '"') {
                        if (i < n && text.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                while (i < n && text.charAt(i) == ' ') {
                    i++;
                }
                if (i < n && text.charAt(i) != ',') {
                    throw DatasetException.at(file, line, out.size() + 1, null, "text after the closing quote");
                }
                out.add(field.toString());
            } else {
                int start = i;
                while (i < n && text.charAt(i) != ',') {
                    i++;
                }
                out.add(text.substring(start, i).trim());
            }
            if (i >= n) {
                return out;
            }
            i++; // the comma
        }
    }
}
