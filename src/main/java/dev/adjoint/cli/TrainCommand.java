package dev.adjoint.cli;

import dev.adjoint.io.Excerpt;
import dev.adjoint.bench.Environment;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.io.AtomicFile;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Json;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Anomaly;
import dev.adjoint.train.EpochStats;
import dev.adjoint.train.MlpSpec;
import dev.adjoint.train.Progress;
import dev.adjoint.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code adjoint train}: build an MLP, train it, report per epoch, checkpoint, optionally resume.
 * Every option is checked before any data is read or any output is written.
 */
final class TrainCommand {
    static final List<String> OPTIONS = List.of("data", "train-csv", "test-csv", "label", "hidden", "activation", "init",
            "dropout", "loss", "optimizer", "lr", "weight-decay", "schedule", "warmup", "clip", "batch", "epochs",
            "device", "seed", "json", "checkpoint", "resume", "overwrite", "target-accuracy", "detect-anomaly");
    /** Options that take no value. */
    static final List<String> FLAGS = List.of("detect-anomaly", "overwrite");
    /** What a run computes: a resumed run takes the checkpoint's value of each one not given. */
    static final List<String> SETTINGS = List.of("hidden", "activation", "init", "dropout", "loss", "optimizer", "lr",
            "weight-decay", "schedule", "warmup", "clip", "batch", "epochs", "seed");
    /** The checkpoint config entry that holds the settings the run was started with. */
    static final String COMMAND_LINE = "command_line";
    static final int MAX_EPOCHS = 1_000_000;
    static final int MAX_BATCH = 1 << 24;
    static final int MAX_LAYER = 1 << 24;

    private TrainCommand() {}

    static int run(Args given) {
        given.allow(OPTIONS);
        Args args = given.has("resume") ? resumed(given) : given;
        if (!args.flag("detect-anomaly")) {
            return train(args);
        }
        try (Anomaly.Detecting on = Anomaly.detecting()) {
            System.out.println("anomaly detection on: every op's result is checked for NaN and infinity (slow)");
            return train(args);
        }
    }

    /** The options with every setting not given taken from the checkpoint being resumed (when it recorded them). */
    private static Args resumed(Args given) {
        Path dir = Path.of(given.get("resume", null));
        Map<String, Object> cfg = Checkpoint.load(dir).config();
        Map<String, String> saved = new LinkedHashMap<>();
        if (cfg.get(COMMAND_LINE) instanceof Map<?, ?> m) {
            // only settings: a checkpoint does not choose where this run writes, nor its device
            m.forEach((k, v) -> {
                if (SETTINGS.contains(String.valueOf(k)) || DataChoice.OPTIONS.contains(String.valueOf(k))) {
                    saved.put(String.valueOf(k), String.valueOf(v));
                }
            });
        }
        boolean dataGiven = DataChoice.OPTIONS.stream().anyMatch(given::has);
        if (dataGiven) {
            DataChoice.OPTIONS.forEach(saved::remove);
        }
        return given.withFallbacks(saved);
    }

    /** The settings this run computes with, as the checkpoint records them (text each option reads back), and the data. */
    private static Map<String, Object> commandLine(Settings s, Args args) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("hidden", String.join(",", java.util.Arrays.stream(s.hidden).mapToObj(Integer::toString).toList()));
        c.put("activation", s.activation.name().toLowerCase(Locale.ROOT));
        c.put("init", s.init.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        c.put("dropout", Float.toString(s.dropout));
        c.put("loss", s.loss);
        c.put("optimizer", s.optimizer);
        c.put("lr", Float.toString(s.lr));
        c.put("weight-decay", Float.toString(s.weightDecay));
        c.put("schedule", s.schedule);
        c.put("warmup", Long.toString(s.warmup));
        c.put("clip", Float.toString(s.clip));
        c.put("batch", Integer.toString(s.batch));
        c.put("epochs", Integer.toString(s.epochs));
        c.put("seed", Long.toString(s.seed));
        c.putAll(DataChoice.options(args));
        return c;
    }

    private static int train(Args args) {
        Settings s = Settings.parse(args);
        String json = args.get("json", null);
        if (json != null) {
            AtomicFile.checkWritable(Path.of(json), "--json");
        }
        String ckpt = args.get("checkpoint", null);
        if (ckpt != null) {
            AtomicFile.checkWritable(Path.of(ckpt).resolve(Checkpoint.MODEL), "--checkpoint");
        }
        String device = args.get("device", null);
        Split split = DataChoice.load(args, s.seed);
        Devices.Selection sel = Devices.select(device);
        long stepsPerEpoch = (split.train().size() + s.batch - 1) / s.batch;
        Schedule schedule = schedule(s, s.epochs * stepsPerEpoch);
        try (Device dev = sel.device()) {
            System.out.println(sel.explanation());
            MlpSpec spec = MlpSpec.of(split.train().dims(), s.hidden, split.train().classes(), s.activation, s.init,
                    s.dropout, s.seed);
            System.out.printf("%s: %,d train / %,d test samples, MLP %s, %s, batch %d, lr %s%n", split.train().name(),
                    split.train().size(), split.test().size(), java.util.Arrays.toString(spec.sizes()),
                    s.optimizer, s.batch, s.lr);
            try (Sequential model = spec.build(dev); Parameters params = Parameters.of(model);
                 Optimizer opt = Optimizer.byName(s.optimizer, params, s.lr, s.weightDecay)) {
                Trainer.Config cfg = new Trainer.Config(s.epochs, s.batch, s.seed, s.targetAccuracy, s.clip, schedule,
                        ckpt == null ? null : Path.of(ckpt), args.flag("overwrite"), Progress.console());
                Trainer trainer = new Trainer(model, params, opt, Losses.byName(s.loss), cfg, spec.toConfig())
                        .record(COMMAND_LINE, commandLine(s, args));
                String resume = args.get("resume", null);
                if (resume != null) {
                    trainer.resume(Path.of(resume));
                    System.out.println("resumed from " + resume + " after epoch " + trainer.epochsDone());
                    if (trainer.epochsDone() >= s.epochs) {
                        System.out.println("nothing to train: the checkpoint has done " + trainer.epochsDone() + " of "
                                + s.epochs + " epochs (--epochs N continues it to N)");
                    }
                }
                List<Map<String, Object>> records = new ArrayList<>();
                List<EpochStats> history = trainer.fit(split.train(), split.test(), dev, st -> {
                    records.add(st.toJson());
                    if (json != null) {
                        AtomicFile.writeString(Path.of(json), report(args, split, dev, spec, records) + "\n");
                    }
                });
                if (!history.isEmpty()) {
                    EpochStats last = history.get(history.size() - 1);
                    System.out.printf(Locale.ROOT, "final test accuracy %.2f%% after %d epochs%n", 100 * last.testAccuracy(),
                            last.epoch());
                }
                if (ckpt != null) {
                    System.out.println("checkpoint: " + Path.of(ckpt).resolve(Checkpoint.MODEL) + " (last epoch), "
                            + Path.of(ckpt).resolve("best") + " (best test accuracy)");
                }
            }
        }
        return 0;
    }

    /** Every setting of a run, with its default, parsed and checked against its range before anything runs. */
    record Settings(int epochs, int batch, long seed, float lr, float weightDecay, float dropout, float clip,
                    double targetAccuracy, int[] hidden, Activation.Kind activation, Init init, long warmup, String loss,
                    String optimizer, String schedule) {
        static Settings parse(Args a) {
            return new Settings(a.intValue("epochs", 20, 1, MAX_EPOCHS), a.intValue("batch", 128, 1, MAX_BATCH),
                    a.integer("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE),
                    a.float32("lr", 1e-3f, Args.Range.POSITIVE),
                    a.float32("weight-decay", 0f, Args.Range.NON_NEGATIVE),
                    a.float32("dropout", 0f, Args.Range.PROBABILITY_BELOW_ONE),
                    a.float32("clip", 0f, Args.Range.NON_NEGATIVE),
                    a.number("target-accuracy", 0, Args.Range.FRACTION),
                    sizes(a.getOrEmpty("hidden", "512,256")), TrainCommand.activation(a),
                    TrainCommand.init(a.get("init", "he-uniform")), a.integer("warmup", 0, 0, Long.MAX_VALUE),
                    lossName(a.get("loss", "cross-entropy")), name("optimizer", a, "adam", Optimizer.NAMES),
                    name("schedule", a, "cosine", SCHEDULES));
        }
    }

    /** The loss's canonical name ({@code ce} is {@code cross-entropy}). */
    private static String lossName(String name) {
        try {
            return Losses.byName(name).name();
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("unknown --loss '" + Excerpt.of(name)
                    + "'; choose one of cross-entropy, hinge, mse, euclidean");
        }
    }

    /** The schedules --schedule names. */
    static final List<String> SCHEDULES = List.of("constant", "cosine", "step", "exponential");

    /** Option {@code option}'s value, one of {@code names} (any case). */
    private static String name(String option, Args a, String fallback, List<String> names) {
        String name = a.get(option, fallback);
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!names.contains(n)) {
            throw new Args.UsageException("unknown --" + option + " '" + Excerpt.of(name) + "'; choose one of "
                    + String.join(", ", names));
        }
        return n;
    }

    private static Activation.Kind activation(Args a) {
        String name = a.get("activation", "relu");
        try {
            return Activation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("unknown --activation '" + Excerpt.of(name)
                    + "'; choose one of relu, leaky_relu, sigmoid, tanh, gelu");
        }
    }

    private static String report(Args args, Split split, Device device, MlpSpec spec, List<Map<String, Object>> epochs) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("dataset", split.train().name());
        root.put("device", device.name());
        root.put("device_description", device.description());
        root.put("model", spec.toConfig());
        Map<String, Object> options = new LinkedHashMap<>();
        for (String o : OPTIONS) {
            if (args.has(o)) {
                options.put(o, args.getOrEmpty(o, ""));
            }
        }
        root.put("options", options);
        root.put("environment", Environment.describe());
        root.put("epochs", epochs);
        return Json.write(root);
    }

    /** Hidden layer sizes separated by commas ("" for none), each from 1 to {@value #MAX_LAYER}. */
    static int[] sizes(String csv) {
        if (csv.isBlank()) {
            return new int[0];
        }
        String[] parts = csv.split(",", -1);
        int[] s = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            s[i] = (int) Args.integer("--hidden sizes (e.g. 512,256)", parts[i], 1, MAX_LAYER);
        }
        return s;
    }

    static Init init(String name) {
        try {
            return Init.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("unknown --init '" + Excerpt.of(name) + "'; choose xavier-uniform, "
                    + "xavier-normal, he-uniform, he-normal or pytorch");
        }
    }

    private static Schedule schedule(Settings settings, long totalSteps) {
        long warmup = settings.warmup;
        if (warmup > totalSteps) {
            throw new Args.UsageException("--warmup " + warmup + " is longer than the whole run (" + totalSteps
                    + " steps: --epochs × batches per epoch)");
        }
        Schedule s = switch (settings.schedule) {
            case "constant" -> Schedule.constant();
            case "cosine" -> Schedule.cosine(Math.max(1, totalSteps - warmup), 0.0);
            case "step" -> Schedule.step(Math.max(1, totalSteps / 3), 0.1);
            default -> Schedule.exponential(Math.pow(0.01, 1.0 / Math.max(1, totalSteps)));
        };
        return warmup > 0 ? Schedule.warmup(warmup, s) : s;
    }
}
