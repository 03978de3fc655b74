package dev.adjoint.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Opens a file Adjoint reads (a CSV or IDX dataset, a safetensors model, a checkpoint's
 * config.json), after making sure it is a regular file. Opening a FIFO for reading waits for a
 * writer, possibly forever, and a directory, a device or a loop of symbolic links cannot be read
 * as data, so each is refused up front, without opening it, with one line that names the path and
 * says what it is:
 *
 * <pre>
 * CSV file /data/x.csv does not exist
 * CSV file /data/x.csv is a symbolic link to /data/y.csv, which does not exist
 * CSV file /data/x.csv is a loop of symbolic links (or a chain of more than 40)
 * CSV file /data/x.csv is a directory, not a file
 * CSV file /data/x.csv is a FIFO (named pipe), not a regular file: reading it could wait forever for a writer
 * CSV file /data/x.csv cannot be read: permission denied
 * </pre>
 *
 * All of them are {@link UncheckedIOException}s (the cause is the {@link IOException}, a
 * {@link NoSuchFileException} for a missing file). The check and the open are two system calls:
 * a file replaced by a FIFO between them is not caught.
 */
public final class InputFile {
    /** How {@code stat} marks a file's type in its mode (Linux, macOS and the BSDs agree). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    private static final int S_IFSOCK = 0140000;

    private InputFile() {}

    /**
     * Checks that {@code file} is a regular file that exists (following symbolic links), without
     * opening it; {@code what} names it in the message ("CSV file").
     */
    public static void check(Path file, String what) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException e) {
            throw refused(file, what, e);
        }
        if (a.isRegularFile()) {
            return;
        }
        String kind = a.isDirectory() ? "a directory, not a file" : notRegular(file);
        throw new UncheckedIOException(what + " " + file + " is " + kind,
                new FileSystemException(file.toString(), null, "not a regular file"));
    }

    /** {@code file} {@linkplain #check checked} and opened for reading as a stream. */
    public static InputStream newInputStream(Path file, String what) {
        check(file, what);
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw refused(file, what, e);
        }
    }

    /** {@code file} {@linkplain #check checked} and opened for reading as a channel (for positioned reads). */
    public static FileChannel newChannel(Path file, String what) {
        check(file, what);
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw refused(file, what, e);
        }
    }

    /**
     * The whole of {@code file}, {@linkplain #check checked} first; a file larger than
     * {@code maxBytes} is refused with a {@link FileFormatException} before anything is read.
     */
    public static byte[] readAllBytes(Path file, String what, long maxBytes) {
        try (FileChannel ch = newChannel(file, what)) {
            long size = ch.size();
            if (size > maxBytes) {
                throw new FileFormatException(file, -1, "the file is " + size + " bytes; a " + what + " of more than "
                        + maxBytes + " bytes is refused");
            }
            try (InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
                byte[] bytes = in.readNBytes((int) maxBytes + 1);
                if (bytes.length > maxBytes) {
                    throw new FileFormatException(file, maxBytes, "the file grew past " + maxBytes
                            + " bytes while it was read; a " + what + " of more than " + maxBytes + " bytes is refused");
                }
                return bytes;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + what + " " + file + ": " + e, e);
        }
    }

    /** The one-line error for a file whose attributes or contents could not be reached. */
    private static UncheckedIOException refused(Path file, String what, IOException e) {
        String why;
        if (e instanceof NoSuchFileException) {
            why = dangling(file);
        } else if (e instanceof AccessDeniedException) {
            why = "cannot be read: permission denied";
        } else if (e instanceof FileSystemException f && f.getReason() != null
                && f.getReason().endsWith("unable to access attributes of symbolic link")) {
            // the JDK's words for ELOOP (the part before them is strerror, which depends on the locale)
            why = "is a loop of symbolic links (or a chain of more than 40)";
        } else if (e instanceof FileSystemException f && f.getReason() != null) {
            why = "cannot be opened: " + f.getReason();
        } else {
            why = "cannot be opened: " + e;
        }
        return new UncheckedIOException(what + " " + file + " " + why, e);
    }

    /** Why a path that is not there is not there: missing, or a symbolic link to nothing. */
    private static String dangling(Path file) {
        try {
            if (Files.isSymbolicLink(file)) {
                return "is a symbolic link to " + Files.readSymbolicLink(file) + ", which does not exist";
            }
        } catch (IOException | UnsupportedOperationException e) {
            // fall through: say what we know
        }
        return "does not exist";
    }

    /** What a path that is neither a regular file nor a directory is, from its mode where the platform tells. */
    private static String notRegular(Path file) {
        int type = -1;
        try {
            if (Files.getAttribute(file, "unix:mode") instanceof Integer mode) {
                type = mode & S_IFMT;
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no unix view here: say it generally
        }
        return switch (type) {
            case S_IFIFO -> "a FIFO (named pipe), not a regular file: reading it could wait forever for a writer";
            case S_IFCHR -> "a character device, not a regular file";
            case S_IFBLK -> "a block device, not a regular file";
            case S_IFSOCK -> "a socket, not a regular file";
            default -> "not a regular file (a FIFO, a device or a socket)";
        };
    }

    /** Whether {@code file} itself (not what a link points to) is absent: a dangling link is present. */
    public static boolean absent(Path file) {
        return Files.notExists(file, LinkOption.NOFOLLOW_LINKS);
    }
}
