package dev.adjoint.data;

import dev.adjoint.io.Excerpt;
import java.nio.file.Path;

/**
 * A data file that cannot be used (truncated, corrupt, malformed): it was rejected whole and
 * nothing of it was loaded. The message names the file, where it went wrong (byte offset, or line
 * and column for text) and what was expected there.
 */
public class DatasetException extends RuntimeException {
    private final transient Path file;
    private final long offset;

    /** {@code offset} is a byte offset in the file, or -1 when the problem has no single place. */
    public DatasetException(Path file, long offset, String what) {
        this(file, offset, what, null);
    }

    public DatasetException(Path file, long offset, String what, Throwable cause) {
        super(file + (offset >= 0 ? ": at byte offset " + offset : "") + ": " + what, cause);
        this.file = file;
        this.offset = offset;
    }

    /** A problem in a text file, at a 1-based line and column (0: the whole line); the column's name is cut short. */
    static DatasetException at(Path file, long line, int column, String columnName, String what) {
        return new DatasetException(file, -1, "line " + line + (column > 0 ? ", column " + column
                + (columnName != null ? " (" + Excerpt.of(columnName) + ")" : "") : "") + ": " + what);
    }

    public Path file() {
        return file;
    }

    /** Byte offset in the file, or -1. */
    public long offset() {
        return offset;
    }
}
