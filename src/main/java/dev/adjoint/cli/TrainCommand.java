package dev.adjoint.cli;

import dev.adjoint.bench.Environment;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code adjoint train}: build an MLP, train it, report per epoch, checkpoint, optionally resume. */
final class TrainCommand {
    static final List<String> OPTIONS = List.of("data", "train-csv", "test-csv", "label", "hidden", "activation", "init",
            "dropout", "loss", "optimizer", "lr", "weight-decay", "schedule", "warmup", "clip", "batch", "epochs",
            "device", "seed", "json", "checkpoint", "resume", "target-accuracy", "detect-anomaly");
    /** Options that take no value. */
    static final List<String> FLAGS = List.of("detect-anomaly");

    private TrainCommand() {}

    static int run(Args args) {
        args.allow(OPTIONS);
        if (!args.flag("detect-anomaly")) {
            return train(args);
        }
        try (Anomaly.Detecting on = Anomaly.detecting()) {
            System.out.println("anomaly detection on: every op's result is checked for NaN and infinity (slow)");
            return train(args);
        }
    }

    private static int train(Args args) {
        long seed = args.getLong("seed", 1);
        int epochs = (int) args.getLong("epochs", 20);
        int batch = (int) args.getLong("batch", 128);
        float lr = (float) number(args, "lr", 1e-3);
        Split split = DataChoice.load(args, seed);
        Devices.Selection sel = Devices.select(args.get("device", null));
        try (Device device = sel.device()) {
            System.out.println(sel.explanation());
            MlpSpec spec = MlpSpec.of(split.train().dims(), sizes(args.get("hidden", "512,256")), split.train().classes(),
                    Activation.parse(args.get("activation", "relu")), init(args.get("init", "he-uniform")),
                    (float) number(args, "dropout", 0), seed);
            System.out.printf("%s: %,d train / %,d test samples, MLP %s, %s, batch %d, lr %s%n", split.train().name(),
                    split.train().size(), split.test().size(), java.util.Arrays.toString(spec.sizes()),
                    args.get("optimizer", "adam"), batch, lr);
            try (Sequential model = spec.build(device); Parameters params = Parameters.of(model);
                 Optimizer opt = Optimizer.byName(args.get("optimizer", "adam"), params, lr,
                         (float) number(args, "weight-decay", 0))) {
                int stepsPerEpoch = (split.train().size() + batch - 1) / batch;
                String ckpt = args.get("checkpoint", null);
                Trainer.Config cfg = new Trainer.Config(epochs, batch, seed, number(args, "target-accuracy", 0),
                        (float) number(args, "clip", 0), schedule(args, (long) epochs * stepsPerEpoch),
                        ckpt == null ? null : Path.of(ckpt), Progress.console());
                Trainer trainer = new Trainer(model, params, opt, Losses.byName(args.get("loss", "cross-entropy")), cfg,
                        spec.toConfig());
                String resume = args.get("resume", null);
                if (resume != null) {
                    trainer.resume(Path.of(resume));
                    System.out.println("resumed from " + resume + " after epoch " + trainer.epochsDone());
                }
                List<Map<String, Object>> records = new ArrayList<>();
                String json = args.get("json", null);
                List<EpochStats> history = trainer.fit(split.train(), split.test(), device, s -> {
                    records.add(s.toJson());
                    if (json != null) {
                        writeJson(Path.of(json), args, split, device, spec, records);
                    }
                });
                if (!history.isEmpty()) {
                    EpochStats last = history.get(history.size() - 1);
                    System.out.printf(Locale.ROOT, "final test accuracy %.2f%% after %d epochs%n", 100 * last.testAccuracy(),
                            last.epoch());
                }
                if (ckpt != null) {
                    System.out.println("checkpoint: " + Path.of(ckpt).resolve(Checkpoint.MODEL));
                }
            }
        }
        return 0;
    }

    private static void writeJson(Path path, Args args, Split split, Device device, MlpSpec spec,
                                  List<Map<String, Object>> epochs) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("dataset", split.train().name());
        root.put("device", device.name());
        root.put("device_description", device.description());
        root.put("model", spec.toConfig());
        Map<String, Object> options = new LinkedHashMap<>();
        for (String o : OPTIONS) {
            String v = args.get(o, null);
            if (v != null) {
                options.put(o, v);
            }
        }
        root.put("options", options);
        root.put("environment", Environment.describe());
        root.put("epochs", epochs);
        try {
            Files.writeString(path, Json.write(root) + "\n");
        } catch (IOException e) {
            throw new IllegalStateException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }

    static double number(Args args, String name, double fallback) {
        String v = args.get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--" + name + " must be a number, got '" + v + "'");
        }
    }

    static int[] sizes(String csv) {
        if (csv.isBlank()) {
            return new int[0];
        }
        String[] parts = csv.split(",");
        int[] s = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                s[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new Args.UsageException("--hidden takes sizes separated by commas (e.g. 512,256), got '" + csv + "'");
            }
            if (s[i] <= 0) {
                throw new Args.UsageException("--hidden sizes must be positive, got '" + csv + "'");
            }
        }
        return s;
    }

    /** Non-negative integers separated by commas (row indices). */
    static int[] sizesOrZero(String csv) {
        String[] parts = csv.split(",");
        int[] s = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                s[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new Args.UsageException("expected integers separated by commas, got '" + csv + "'");
            }
        }
        return s;
    }

    static Init init(String name) {
        try {
            return Init.valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("unknown --init '" + name + "'; choose xavier-uniform, xavier-normal, "
                    + "he-uniform, he-normal or pytorch");
        }
    }

    private static Schedule schedule(Args args, long totalSteps) {
        long warmup = args.getLong("warmup", 0);
        Schedule s = switch (args.get("schedule", "cosine").toLowerCase(Locale.ROOT)) {
            case "constant" -> Schedule.constant();
            case "cosine" -> Schedule.cosine(Math.max(1, totalSteps - warmup), 0.0);
            case "step" -> Schedule.step(Math.max(1, totalSteps / 3), 0.1);
            case "exponential" -> Schedule.exponential(Math.pow(0.01, 1.0 / Math.max(1, totalSteps)));
            default -> throw new Args.UsageException("unknown --schedule '" + args.get("schedule", "")
                    + "'; choose constant, cosine, step or exponential");
        };
        return warmup > 0 ? Schedule.warmup(warmup, s) : s;
    }
}
