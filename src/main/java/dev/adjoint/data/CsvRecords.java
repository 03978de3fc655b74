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
 * The cells of a CSV file as text (RFC 4180): a header row naming the columns, then records of as
 * many fields, separated by one delimiter character ({@code ,} by default; {@code ;} or a tab). A
 * field may be double-quoted; a quoted field may hold the delimiter, doubled quotes ({@code ""} is
 * one {@code "}) and line breaks (each read as {@code \n}). Unquoted fields are trimmed of spaces;
 * blank lines between records are skipped; a byte order mark before the header is dropped. Written
 * here rather than taken from a library: the grammar is small, and the errors must name the file,
 * the line and the column the way every other data error does.
 *
 * @param lines the 1-based line each row starts on, for messages
 * @param lastLine the file's last line (for a message about a file with no rows)
 */
public record CsvRecords(Path file, List<String> header, List<String[]> rows, long[] lines, long lastLine) {

    /** Reads and checks the whole file: a header of distinct, non-empty names, then rows of as many cells (maybe none: {@link #checkRows}). */
    public static CsvRecords read(Path file, char delimiter) {
        if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException("CSV delimiter " + Excerpt.quoted(String.valueOf(delimiter))
                    + " cannot separate fields");
        }
        try (InputStream in = InputFile.newInputStream(file, "CSV file")) {
            return parse(file, new Utf8Lines(file, in), delimiter);
        } catch (IOException e) {
            throw new UncheckedIOException("reading CSV file " + file + ": " + e, e);
        }
    }

    /** The 0-based index of column {@code name}, or -1. */
    public int column(String name) {
        return header.indexOf(name);
    }

    /** Refuses a table without rows (checked after its columns, whose errors say more). */
    public CsvRecords checkRows() {
        if (rows.isEmpty()) {
            long blank = lastLine - 1;
            throw new DatasetException(file, -1, "has no rows, only the header (line 1)"
                    + (blank == 0 ? "" : " and " + blank + (blank == 1 ? " blank line" : " blank lines")));
        }
        return this;
    }

    public int size() {
        return rows.size();
    }

    private static CsvRecords parse(Path file, Utf8Lines in, char delimiter) throws IOException {
        String first = in.next();
        if (first == null || first.isBlank()) {
            throw DatasetException.at(file, 1, 0, null, "expected a header row naming the columns, found "
                    + (first == null ? "an empty file" : "a blank line"));
        }
        if (first.startsWith("\uFEFF")) {
            first = first.substring(1);
        }
        List<String> header = record(file, in, first, delimiter);
        for (int c = 0; c < header.size(); c++) {
            String name = header.get(c);
            if (name.isEmpty()) {
                throw DatasetException.at(file, 1, c + 1, null, "empty column name in the header");
            }
            if (header.subList(0, c).contains(name)) {
                throw DatasetException.at(file, 1, c + 1, name, "column name " + Excerpt.quoted(name) + " appears twice");
            }
        }
        List<String[]> rows = new ArrayList<>();
        long[] lines = new long[64];
        String line;
        while ((line = in.next()) != null) {
            long lineNo = in.lineNumber();
            if (line.isBlank()) {
                continue;
            }
            List<String> cells = record(file, in, line, delimiter);
            if (cells.size() != header.size()) {
                throw DatasetException.at(file, lineNo, 0, null, cells.size() + " cells, but the header has "
                        + header.size() + " columns");
            }
            if (rows.size() == lines.length) {
                if ((long) rows.size() * 2 * header.size() > Integer.MAX_VALUE - 8) {
                    throw DatasetException.at(file, lineNo, 0, null, "more than " + rows.size() + " rows of "
                            + header.size() + " columns: more values than one Java array can hold");
                }
                lines = Arrays.copyOf(lines, rows.size() * 2);
            }
            lines[rows.size()] = lineNo;
            rows.add(cells.toArray(String[]::new));
        }
        return new CsvRecords(file, List.copyOf(header), rows, Arrays.copyOf(lines, rows.size()), in.lineNumber());
    }

    /** One record that starts with {@code text}; a quoted field left open at the end of a line goes on in the next. */
    private static List<String> record(Path file, Utf8Lines in, String text, char delimiter) throws IOException {
        long line = in.lineNumber();
        List<String> out = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        while (true) {
            while (i < text.length() && text.charAt(i) == ' ' && delimiter != ' ') {
                i++;
            }
            field.setLength(0);
            if (i < text.length() && text.charAt(i) == '"') {
                int open = i++;
                while (true) {
                    if (i >= text.length()) {
                        String next = in.next();
                        if (next == null) {
                            throw DatasetException.at(file, line, out.size() + 1, null,
                                    "unterminated quoted field starting at character " + (open + 1));
                        }
                        field.append('\n');
                        text = next;
                        i = 0;
                        continue;
                    }
                    char c = text.charAt(i++);
                    if (c != '"') {
                        field.append(c);
                    } else if (i < text.length() && text.charAt(i) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        break;
                    }
                }
                while (i < text.length() && text.charAt(i) == ' ' && delimiter != ' ') {
                    i++;
                }
                if (i < text.length() && text.charAt(i) != delimiter) {
                    throw DatasetException.at(file, in.lineNumber(), out.size() + 1, null, "text after the closing quote");
                }
                out.add(field.toString());
            } else {
                int start = i;
                while (i < text.length() && text.charAt(i) != delimiter) {
                    i++;
                }
                out.add(text.substring(start, i).trim());
            }
            if (i >= text.length()) {
                return out;
            }
            i++; // the delimiter
        }
    }
}
