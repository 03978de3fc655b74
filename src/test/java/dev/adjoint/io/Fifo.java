package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.function.Executable;

/** Named pipes for tests of readers that must refuse them rather than wait for a writer. */
public final class Fifo {
    private Fifo() {}

    /** Makes a FIFO at {@code path} with mkfifo(1); skips the test where there is none. */
    public static Path make(Path path) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("no mkfifo here to make a FIFO: " + e.getMessage());
            throw e;
        }
        Assumptions.assumeTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0 && Files.exists(path),
                () -> "mkfifo " + path + " failed");
        return path;
    }

    /**
     * Runs {@code read} on a daemon thread and returns what it threw, failing the test if it has
     * not finished within 10 seconds: a reader that opens {@code fifo} blocks until a writer comes,
     * so the test then opens it for writing (and closes it) to let the reader go.
     */
    public static Throwable thrownWithoutBlocking(Path fifo, Executable read) throws Exception {
        CompletableFuture<Throwable> result = new CompletableFuture<>();
        Thread t = Thread.ofPlatform().daemon().name("fifo-reader").start(() -> {
            try {
                read.execute();
                result.complete(null);
            } catch (Throwable e) {
                result.complete(e);
            }
        });
        try {
            Throwable thrown = result.get(10, TimeUnit.SECONDS);
            if (thrown == null) {
                fail("reading the FIFO " + fifo + " returned instead of refusing it");
            }
            return thrown;
        } catch (TimeoutException e) {
            try (FileOutputStream unblock = new FileOutputStream(fifo.toFile())) {
                unblock.flush();
            }
            t.join(10_000);
            return fail("reading the FIFO " + fifo + " was still blocked after 10 s: it waited for a writer");
        } catch (ExecutionException e) {
            throw new AssertionError(e);
        }
    }
}
