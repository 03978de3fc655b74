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
 * failed write deletes its temporary file and leaves the target as it was.
 */
final class AtomicFile {
    private AtomicFile() {}

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
