package dev.adjoint.io;

import java.nio.file.Path;

/**
 * A file that is not what it claims to be (truncated, corrupt, unsupported): it was rejected whole
 * and nothing of it was loaded. The message names the file, the byte offset where reading went
 * wrong (when there is one) and what was expected there.
 */
public class FileFormatException extends RuntimeException {
    private final transient Path file;
    private final long offset;

    /** {@code offset} is a byte offset in the file, or -1 when the problem has no single place. */
    public FileFormatException(Path file, long offset, String what) {
        this(file, offset, what, null);
    }

    public FileFormatException(Path file, long offset, String what, Throwable cause) {
        super(file + (offset >= 0 ? ": at byte offset " + offset : "") + ": " + what, cause);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    /** Byte offset in the file, or -1. */
    public long offset() {
        return offset;
    }
}
