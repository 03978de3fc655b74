package dev.adjoint.cli;

import dev.adjoint.bench.Environment;
import dev.adjoint.data.Samples;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.io.AtomicFile;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.FileFormatException;
import dev.adjoint.io.Json;
import dev.adjoint.io.JsonOutput;
import dev.adjoint.report.RunReport;
import dev.adjoint.train.EpochStats;
import dev.adjoint.train.ModelSpec;
import dev.adjoint.train.Monitor;
import dev.adjoint.train.Task;
import dev.adjoint.train.Trainer;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's JSON, as {@code train} writes it: what was run (data, classes, model, device, the options
 * given and every setting, the monitored metric, the environment), every epoch's metrics, and at
 * the end the best epoch and the test split's figures. It goes to the run's directory as
 * {@value RunReport#RECORD}, with the report made from it ({@link RunReport}): after the first
 * epoch, then whenever the time since the last write is 20 times what that write took (at most once
 * a second: a run of many short epochs does not spend its time rewriting a growing file), at the
 * end, and when the run fails after an epoch was saved; a failure to write them is a warning, not the
 * end of the run. {@code --json FILE} gets the same document
 * after every epoch, {@code --json -} at the end. After {@code --resume}, the epochs the resumed
 * run recorded come first.
 */
final class RunLog {
    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L;
    private final Map<String, Object> head;
    private final List<Map<String, Object>> epochs = new ArrayList<>();
    private final Path dir;
    private final Path json;
    private int thisRun;
    private boolean broken;
    private long lastWrite;
    private long lastCost;

    /** A log of the run described by {@code head} ({@link #head}), written to {@code dir} and {@code json} (each may be null). */
    RunLog(Map<String, Object> head, Path dir, Path json) {
        this.head = head;
        this.dir = dir;
        this.json = json;
    }

    /** What was run: everything of the JSON but the epochs and what the end adds. */
    static Map<String, Object> head(Args args, List<Args.Option> options, Split<? extends Samples> split, int held, Device device,
                                    ModelSpec spec, Path checkpoint, Map<String, Object> settings, Task task,
                                    Monitor monitor) {
        Samples train = split.train();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("dataset", train.name());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("train_samples", (long) (train.size() - held));
        data.put("validation_samples", (long) held);
        data.put("test_samples", (long) split.test().size());
        data.put("features", (long) train.dims());
        data.put("classes", (long) train.classes());
        root.put("data", data);
        List<?> names = labelNames(train);
        root.put("classes", java.util.stream.IntStream.range(0, train.classes())
                .mapToObj(c -> EvalCommand.name(train, names, c)).toList());
        root.put("device", device.name());
        root.put("device_description", device.description());
        root.put("model", spec.toConfig());
        root.put("task", task.toConfig());     // as given; the end replaces it with the fitted task
        root.put("checkpoint", checkpoint == null ? null : checkpoint.toString());
        Map<String, Object> given = new LinkedHashMap<>();
        for (Args.Option o : options) {
            if (!o.isSection() && args.has(o.name())) {
                given.put(o.name(), args.getOrEmpty(o.name(), ""));
            }
        }
        root.put("options", given);
        root.put("settings", settings);
        root.put("monitor", monitor(monitor));
        root.put("started", LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        root.put("environment", Environment.describe());
        return root;
    }

    private static Map<String, Object> monitor(Monitor m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("metric", m.metric());
        j.put("mode", m.minimize() ? "min" : "max");
        return j;
    }

    /** The class names a CSV with string labels recorded in its fitted encoding, or null. */
    private static List<?> labelNames(Samples train) {
        List<?> names = null;
        for (Map<String, Object> step : train.source().steps()) {
            if (step.get("label_names") instanceof List<?> l) {
                names = l;
            }
        }
        return names;
    }

    /**
     * Puts the epochs up to {@code epochsDone} that the resumed run {@code resumed} recorded first;
     * a run JSON that is missing (a run from before they were written) or unreadable is said and skipped.
     */
    void resumed(Path resumed, int epochsDone) {
        Path file = resumed.resolve(RunReport.RECORD);
        try {
            for (Object e : (List<?>) RunReport.read(file).get("epochs")) {
                if (e instanceof Map<?, ?> m && m.get("epoch") instanceof Number n && n.longValue() <= epochsDone) {
                    epochs.add(cast(m));
                }
            }
        } catch (UncheckedIOException | FileFormatException e) {
            System.out.println("resume: the report starts at epoch " + (epochsDone + 1) + ": the epochs before it are"
                    + " not recorded (" + e.getMessage() + ")");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    /** Records an epoch and writes the JSON where it goes after every epoch. */
    void epoch(EpochStats stats) {
        epochs.add(stats.toJson());
        thisRun++;
        if (json != null && !JsonOutput.isStdout(json)) {
            JsonOutput.write(json, Json.write(document(null)) + "\n");
        }
        if (!broken && (thisRun == 1 || System.nanoTime() - lastWrite >= Math.max(MIN_INTERVAL_NANOS, 20 * lastCost))) {
            try {
                writeRunFiles(null);
            } catch (RuntimeException e) {
                broken = true;      // said once; tried again at the end
                warn(e, "training goes on, and the report is written again at the end");
            }
        }
    }

    /** A report that cannot be written does not stop the run: the checkpoints are what it keeps. */
    private void warn(RuntimeException e, String what) {
        System.err.println("adjoint: warning: the report in " + dir + " was not written (" + e.getMessage() + "); " + what
                + " (the checkpoints are not affected)");
    }

    /** Epochs recorded by this process (not those of a resumed run). */
    int epochsThisRun() {
        return thisRun;
    }

    /** Writes the whole JSON, with the test result of {@code done}; returns the report's path (null when there is none). */
    Path finish(Trainer done) {
        Map<String, Object> doc = document(done);
        if (json != null) {       // the test result, once: rewritten into the file, or written to standard output
            JsonOutput.write(json, Json.write(doc) + "\n");
        }
        try {
            return writeRunFiles(doc);
        } catch (RuntimeException e) {
            warn(e, "'adjoint report " + dir + "' makes it from " + RunReport.RECORD + " if that was written");
            return null;
        }
    }

    /** After a failure: the epochs so far, where the run saved a checkpoint; a failure to write is added to {@code e}. */
    void failed(RuntimeException e) {
        try {
            writeRunFiles(null);
        } catch (RuntimeException w) {
            e.addSuppressed(w);
        }
    }

    /**
     * {@code doc} (null: the epochs so far) as run.json, and its report, into the run's directory when
     * it holds a checkpoint; the report's path, or null.
     */
    private Path writeRunFiles(Map<String, Object> doc) {
        if (dir == null || !Checkpoint.exists(dir) || epochs.isEmpty()) {
            return null;
        }
        long start = System.nanoTime();
        Map<String, Object> d = doc != null ? doc : document(null);
        AtomicFile.writeString(dir.resolve(RunReport.RECORD), Json.write(d) + "\n");
        Path page = RunReport.write(d, dir);
        lastWrite = System.nanoTime();
        lastCost = lastWrite - start;
        return page;
    }

    /** The whole JSON: {@link #head}, the epochs, and with {@code done} the end, the best epoch and the test result. */
    private Map<String, Object> document(Trainer done) {
        Map<String, Object> root = new LinkedHashMap<>(head);
        root.put("epochs", epochs);
        if (done != null) {
            root.put("finished", LocalDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
            root.put("best_epoch", (long) done.bestEpoch());
            root.put("task", done.task().toConfig());
            if (done.monitored() != null) {
                root.put("monitor", monitor(done.monitored()));   // the one fit used: train_loss when nothing was held out
            }
            root.put("test", done.test() == null ? null : done.test().toJson());
        }
        return root;
    }
}
