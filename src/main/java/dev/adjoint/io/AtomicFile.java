package dev.adjoint.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file all at once: the new contents go to a temporary file in the same directory,
 * which is flushed to the disk ({@code fsync}) and then renamed over the target with
 * {@code ATOMIC_MOVE}. A crash at any point leaves either the old file or the new one, whole; a
 * failed write deletes its temporary file and leaves the target as it was. Every file Adjoint
 * writes goes through here.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /**
     * Replaces {@code target} with {@code text} (UTF-8), creating its folder; an
     * UncheckedIOException naming the file when that fails (a full disk, a read-only folder), after
     * which the previous file is still there, whole.
     */
    public static void writeString(Path target, String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            write(target, ch -> {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot write " + target + ": " + describe(e), e);
        }
    }

    /**
     * Checks, before any work, that {@code target} can be written later: it is not a folder and a
     * temporary file can be made beside it (its folder is created if missing). An
     * UncheckedIOException saying what is wrong otherwise. {@code what} names the option or role
     * ("--json") in the message.
     */
    public static void checkWritable(Path target, String what) {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new java.io.UncheckedIOException(what + " " + target + " is a directory; name a file",
                    new IOException(target + " is a directory"));
        }
        try {
            Files.createDirectories(abs.getParent());
            Path probe = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".probe");
            Files.delete(probe);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(what + " " + target + " cannot be written: " + describe(e), e);
        }
    }

    /** An I/O error as one line: the reason the system gave, not the exception's class name. */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " is a file, not a directory";
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
            return f.getReason() + (f.getFile() != null ? " (" + f.getFile() + ")" : "");
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied (" + e.getMessage() + ")";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }

    /** Writes the body of the new file. */
    @FunctionalInterface
    interface Body {
        void write(FileChannel channel) throws IOException;
    }

    static void write(Path target, Body body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve("." + abs.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) + ".tmp");
        boolean moved = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.write(ch);
                ch.force(true);
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
            syncDirectory(dir);
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // the original failure matters more; a stray temp file is harmless
                }
            }
        }
    }

    /**
     * Deletes temporary files that a writer of {@code target} killed mid-write left behind. Only
     * for a file that a single process writes (two concurrent writers would delete each other's).
     */
    static void deleteStale(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        String prefix = "." + abs.getFileName() + ".";
        try (var files = Files.newDirectoryStream(abs.getParent(), f -> {
            String n = f.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".tmp")
                    && n.substring(prefix.length(), n.length() - 4).matches("[0-9a-f]{1,16}");
        })) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
        }
    }

    /** Makes the rename itself durable (POSIX); a platform that cannot open directories skips it. */
    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open a directory as a channel; the rename is still atomic there
        }
    }
}
