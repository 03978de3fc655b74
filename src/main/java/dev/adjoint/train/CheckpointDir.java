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
 * {@code resume} continues from), the best one so far in {@code dir/best} (what
 * to evaluate or ship), and a lock ({@link DirectoryLock}) held while the run trains, so a second
 * run cannot write the same directory. A directory holding another run's checkpoint is refused
 * unless overwriting was asked for; a resumed run keeps its directory's best model until it beats
 * it, and says so each epoch it does not.
 */
final class CheckpointDir implements AutoCloseable {
    static final String BEST = "best";
    /** Where a checkpoint's config records the monitored metric: {@code {"metric": …, "value": …}}. */
    static final String MONITOR = "monitor";
    private final Path dir;
    private final DirectoryLock lock;
    private final Monitor monitor;
    private double bestValue = Double.NaN;
    private int bestEpoch;

    private CheckpointDir(Path dir, DirectoryLock lock, Monitor monitor) {
        this.dir = dir;
        this.lock = lock;
        this.monitor = monitor;
    }

    /**
     * Locks {@code dir} and checks what it holds. {@code resumedFrom} is the checkpoint this run
     * continues (null for a new run); {@code overwrite} allows replacing another run's checkpoint.
     */
    static CheckpointDir open(Path dir, Path resumedFrom, boolean overwrite, Monitor monitor, Progress progress) {
        DirectoryLock lock = DirectoryLock.acquire(dir, "checkpoints");
        CheckpointDir d = new CheckpointDir(dir, lock, monitor);
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
            // a best chosen by another metric, or older or worse than the last (a save stopped between the two), does
            // not count: the last is seeded
            double bv = value(b);
            double lv = value(last);
            if (!Double.isNaN(bv) && !monitor.better(lv, bv, 0) && b.get("epochs_done") instanceof Number e) {
                bestValue = bv;
                bestEpoch = e.intValue();
            } else if (Double.isNaN(bv)) {
                progress.note("resume: " + best + " was not chosen by " + monitor.metric() + " (" + describe(best)
                        + "); the checkpoint resumed replaces it, measured by " + monitor.metric());
            }
        }
    }

    /** The value of this run's monitored metric a checkpoint recorded, or NaN (none, or another metric). */
    private double value(Map<String, Object> cfg) {
        return cfg.get(MONITOR) instanceof Map<?, ?> m && monitor.metric().equals(m.get("metric"))
                && m.get("value") instanceof Number v ? v.doubleValue() : Double.NaN;
    }

    /** Makes the checkpoint being resumed the best one (its metric measured), as a run's first epoch does. */
    void seedBest(Map<String, Tensor> tensors, Map<String, Object> config, int epoch, double value) {
        Checkpoint.save(dir.resolve(BEST), tensors, config);
        bestValue = value;
        bestEpoch = epoch;
    }

    /** Writes the last checkpoint, and the best one when {@code value} beats every earlier epoch's; true when it did. */
    boolean save(Map<String, Tensor> tensors, Map<String, Object> config, int epoch, double value, Progress progress) {
        Checkpoint.save(dir, tensors, config);
        if (!hasBest() || monitor.better(value, bestValue, 0)) {
            Checkpoint.save(dir.resolve(BEST), tensors, config);
            bestValue = value;
            bestEpoch = epoch;
            return true;
        }
        progress.note("epoch " + epoch + ": " + monitor.format(value) + " is not better than the best, "
                + monitor.format(bestValue).substring(monitor.metric().length() + 1) + " at epoch " + bestEpoch
                + ", which stays in " + dir.resolve(BEST));
        return false;
    }

    /** Whether a best model is known (a new directory has none until the first epoch). */
    boolean hasBest() {
        return bestEpoch > 0;
    }

    /** The best epoch so far (0 before the first). */
    int bestEpoch() {
        return bestEpoch;
    }

    /** The best checkpoint's directory. */
    Path best() {
        return dir.resolve(BEST);
    }

    /** "epoch 3, val_loss 0.3012", or what is known of a checkpoint written before metrics were recorded. */
    private static String describe(Path dir) {
        try {
            Map<String, Object> cfg = Checkpoint.load(dir).config();
            String epoch = "epoch " + cfg.getOrDefault("epochs_done", "?");
            if (cfg.get(MONITOR) instanceof Map<?, ?> m && m.get("metric") instanceof String name
                    && Monitor.METRICS.contains(name) && m.get("value") instanceof Number v) {
                return epoch + ", " + Monitor.of(name).format(v.doubleValue());
            }
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
