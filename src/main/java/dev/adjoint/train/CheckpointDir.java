package dev.adjoint.train;

import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.DirectoryLock;
import dev.adjoint.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * A run's checkpoint directory: the last epoch's checkpoint in {@code dir} itself (what
 * {@code resume} continues from), the best one so far by test accuracy in {@code dir/best} (what
 * to evaluate or ship), and a lock ({@link DirectoryLock}) held while the run trains, so a second
 * run cannot write the same directory. A directory holding another run's checkpoint is refused
 * unless overwriting was asked for; a resumed run keeps its directory's best model until it beats
 * it, and says so each epoch it does not.
 */
final class CheckpointDir implements AutoCloseable {
    static final String BEST = "best";
    private final Path dir;
    private final DirectoryLock lock;
    private double bestAccuracy = Double.NEGATIVE_INFINITY;
    private int bestEpoch;

    private CheckpointDir(Path dir, DirectoryLock lock) {
        this.dir = dir;
        this.lock = lock;
    }

    /**
     * Locks {@code dir} and checks what it holds. {@code resumedFrom} is the checkpoint this run
     * continues (null for a new run); {@code overwrite} allows replacing another run's checkpoint.
     */
    static CheckpointDir open(Path dir, Path resumedFrom, boolean overwrite, Progress progress) {
        DirectoryLock lock = DirectoryLock.acquire(dir, "checkpoints");
        CheckpointDir d = new CheckpointDir(dir, lock);
        try {
            d.adopt(resumedFrom, overwrite, progress);
            return d;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private void adopt(Path resumedFrom, boolean overwrite, Progress progress) {
        boolean resuming = resumedFrom != null && same(resumedFrom, dir);
        Path best = dir.resolve(BEST);
        if (!resuming && (Checkpoint.exists(dir) || Checkpoint.exists(best))) {
            String what = describe(Checkpoint.exists(dir) ? dir : best);
            if (!overwrite) {
                throw new IllegalArgumentException("train: " + dir + " already holds the checkpoint of another run (" + what
                        + "); resume it, choose another directory, or allow overwriting it (--overwrite; "
                        + "Trainer.Config.withOverwrite(true))");
            }
            // both files are replaced by this run's first epoch; until then a failed run leaves them as they were
            progress.note("replacing the checkpoint in " + dir + " (" + what + ") with this run's, as asked (overwrite)");
        }
        if (resuming && Checkpoint.exists(best)) {
            Map<String, Object> b = Checkpoint.load(best).config();
            Map<String, Object> last = Checkpoint.load(dir).config();
            // a best older or worse than the last (a save stopped between the two) does not count: the last is seeded
            if (accuracy(b) >= accuracy(last) && b.get("epochs_done") instanceof Number e) {
                bestAccuracy = accuracy(b);
                bestEpoch = e.intValue();
            }
        }
    }

    private static double accuracy(Map<String, Object> cfg) {
        return cfg.get("test_accuracy") instanceof Number a ? a.doubleValue() : Double.NEGATIVE_INFINITY;
    }

    /** Makes the checkpoint being resumed the best one (its accuracy measured or recorded), as a run's first epoch does. */
    void seedBest(Map<String, Tensor> tensors, Map<String, Object> config, int epoch, double accuracy) {
        Checkpoint.save(dir.resolve(BEST), tensors, config);
        bestAccuracy = accuracy;
        bestEpoch = epoch;
    }

    /** Writes the last checkpoint, and the best one when {@code accuracy} beats every earlier epoch's. */
    void save(Map<String, Tensor> tensors, Map<String, Object> config, int epoch, double accuracy, Progress progress) {
        Checkpoint.save(dir, tensors, config);
        if (accuracy > bestAccuracy) {
            Checkpoint.save(dir.resolve(BEST), tensors, config);
            bestAccuracy = accuracy;
            bestEpoch = epoch;
        } else {
            progress.note(String.format(Locale.ROOT, "epoch %d: test accuracy %.2f%% is not above the best, %.2f%% at epoch %d,"
                    + " which stays in %s", epoch, 100 * accuracy, 100 * bestAccuracy, bestEpoch, dir.resolve(BEST)));
        }
    }

    /** Whether a best model is known (a new directory has none until the first epoch). */
    boolean hasBest() {
        return bestAccuracy > Double.NEGATIVE_INFINITY;
    }

    /** The best checkpoint's directory. */
    Path best() {
        return dir.resolve(BEST);
    }

    /** "epoch 3, test accuracy 88.10%", or what is known of a checkpoint written before accuracies were recorded. */
    private static String describe(Path dir) {
        try {
            Map<String, Object> cfg = Checkpoint.load(dir).config();
            String epoch = "epoch " + cfg.getOrDefault("epochs_done", "?");
            return cfg.get("test_accuracy") instanceof Number a
                    ? String.format(Locale.ROOT, "%s, test accuracy %.2f%%", epoch, 100 * a.doubleValue()) : epoch;
        } catch (RuntimeException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private static boolean same(Path a, Path b) {
        try {
            return Files.isSameFile(a, b);
        } catch (IOException e) {
            return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
        }
    }

    @Override
    public void close() {
        lock.close();
    }
}
