package dev.adjoint.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One writer per directory: an operating-system lock on {@code dir/.adjoint.lock}, held until
 * {@link #close}. The system releases it when the process ends, however it ends, so a killed run
 * never leaves a directory locked; the file itself stays, holding the last holder's process id.
 */
public final class DirectoryLock implements AutoCloseable {
    public static final String FILE = ".adjoint.lock";
    /**
     * The lock files this process holds. A second attempt in the same process must not even open
     * the file: the locks are POSIX record locks, and closing any channel to a file releases every
     * lock the process holds on it.
     */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} (created if missing) for {@code what}, e.g. "checkpoints"; an
     * IllegalStateException naming the holder's process when another run, in this process or
     * another, holds it.
     */
    public static DirectoryLock acquire(Path dir, String what) {
        FileChannel ch = null;
        Path file = null;
        try {
            Files.createDirectories(dir);
            file = dir.toRealPath().resolve(FILE);
            if (!HELD.add(file)) {
                throw new IllegalStateException(dir + " is in use: another run (process " + ProcessHandle.current().pid()
                        + ", this one) is writing its " + what + "; wait for it to finish or choose another directory");
            }
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                String holder = holder(ch);
                ch.close();
                HELD.remove(file);
                throw new IllegalStateException(dir + " is in use: another run (process " + holder + ") is writing its "
                        + what + "; wait for it to finish or choose another directory");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
            return new DirectoryLock(file, ch, lock);
        } catch (IOException e) {
            closeQuietly(ch);
            if (file != null) {
                HELD.remove(file);
            }
            throw new UncheckedIOException("cannot lock " + dir.resolve(FILE) + " for writing " + what + ": "
                    + e.getMessage(), e);
        }
    }

    private static String holder(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        ch.read(b, 0);
        String pid = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).strip();
        return pid.matches("\\d+") ? pid : "unknown";
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the error being reported matters more
            }
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
            HELD.remove(file);
        } catch (IOException e) {
            throw new UncheckedIOException("releasing " + FILE + ": " + e.getMessage(), e);
        }
    }
}
