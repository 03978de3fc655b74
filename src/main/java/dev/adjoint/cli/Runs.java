package dev.adjoint.cli;

import dev.adjoint.io.AtomicFile;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.DirectoryLock;
import dev.adjoint.train.Trainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The run directories {@code adjoint train} names itself when it is given no {@code --checkpoint}
 * (as PyTorch Lightning writes {@code lightning_logs/version_N/}): {@code runs/<yyyyMMdd-HHmmss>/}
 * under the current directory, with {@code -2}, {@code -3}, … added when that name is taken; and
 * {@code runs/latest}, a text file naming the newest of them that has saved a checkpoint, which
 * {@code eval} and {@code predict} load when they are given no {@code --checkpoint}. The system
 * property {@value #PROPERTY} moves {@code runs/} elsewhere (the tests keep it out of the
 * working tree).
 */
final class Runs {
    static final String PROPERTY = "adjoint.runs";
    static final String LATEST = "latest";
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");

    private Runs() {}

    /** {@code runs} in the current directory, or where {@value #PROPERTY} says. */
    static Path root() {
        String p = System.getProperty(PROPERTY);
        return Path.of(p == null || p.isBlank() ? "runs" : p);
    }

    /** Creates a new run directory under {@code root}, named after {@code now}; a name another run took gets a suffix. */
    static Path create(Path root, LocalDateTime now) {
        String name = NAME.format(now);
        try {
            Files.createDirectories(root);
            for (int n = 1; ; n++) {
                Path dir = root.resolve(n == 1 ? name : name + "-" + n);
                try {
                    return Files.createDirectory(dir);
                } catch (FileAlreadyExistsException e) {
                    // another run started in the same second: try the next suffix
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a run directory under " + root + ": " + e.getMessage()
                    + " (pass --checkpoint DIR to write elsewhere, or --no-checkpoint)", e);
        }
    }

    /** Makes {@code run} (a directory under {@code root}) the one {@link #latest} returns. */
    static void markLatest(Path root, Path run) {
        AtomicFile.writeString(root.resolve(LATEST), run.getFileName() + "\n");
    }

    /**
     * Deletes a run directory that holds no checkpoint (the run failed before its first epoch ended,
     * or had nothing to train), so that {@code runs/} holds only runs that can be loaded; a best copy
     * seeded from a resumed checkpoint goes with it. Quietly leaves anything it cannot delete.
     */
    static void discardIfEmpty(Path run) {
        if (Checkpoint.exists(run)) {
            return;
        }
        try (var files = Files.walk(run)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                String n = p.getFileName().toString();
                boolean ours = p.equals(run) || n.equals(DirectoryLock.FILE) || n.equals(Trainer.BEST)
                        || p.getParent().getFileName().toString().equals(Trainer.BEST);
                if (ours) {
                    Files.deleteIfExists(p);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // a directory that is not empty after all, or gone: leave it
        }
    }

    /**
     * The checkpoint of the latest run under {@code root}: its best epoch ({@code best/}), else its
     * last. A usage error when no run has saved one, and an error naming the run when it is gone.
     */
    static Path latestCheckpoint(Path root) {
        Path run = latestRun(root, "pass --checkpoint DIR");
        if (!Checkpoint.exists(run)) {
            throw gone(root, run, "holds no checkpoint", "pass --checkpoint DIR");
        }
        Path best = run.resolve(Trainer.BEST);
        return Checkpoint.exists(best) ? best : run;
    }

    /**
     * The directory {@value #LATEST} names under {@code root}, which may since have been deleted; a
     * usage error when there is no run yet. {@code instead} says what else the user may do ("pass
     * --checkpoint DIR").
     */
    static Path latestRun(Path root, String instead) {
        Path file = root.resolve(LATEST);
        if (!Files.isRegularFile(file)) {
            throw new Args.UsageException("no run found under " + root + "/: train one first ('adjoint train') or "
                    + instead);
        }
        String name;
        try {
            name = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (name.isEmpty() || name.contains("/")) {
            throw new IllegalStateException(file + " names run '" + dev.adjoint.io.Excerpt.of(name) + "', which is not a"
                    + " directory under " + root + "; train again or " + instead);
        }
        return root.resolve(name);
    }

    /** "runs/latest names run 'x', which {@code what} (runs/x was deleted?); train again or {@code instead}". */
    static IllegalStateException gone(Path root, Path run, String what, String instead) {
        return new IllegalStateException(root.resolve(LATEST) + " names run '" + dev.adjoint.io.Excerpt.of(
                run.getFileName().toString()) + "', which " + what + " (" + run + " was deleted?); train again or " + instead);
    }
}
