package dev.adjoint.cli;

import dev.adjoint.io.Excerpt;
import dev.adjoint.data.Augment;
import dev.adjoint.data.CsvEncoding;
import dev.adjoint.data.Datasets;
import dev.adjoint.data.Holdout;
import dev.adjoint.data.Samples;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.dist.World;
import dev.adjoint.io.AtomicFile;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.DirectoryLock;
import dev.adjoint.io.JsonOutput;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Anomaly;
import dev.adjoint.train.Metrics;
import dev.adjoint.train.LayerSpec;
import dev.adjoint.train.MlpSpec;
import dev.adjoint.train.ModelSpec;
import dev.adjoint.train.Monitor;
import dev.adjoint.train.Precision;
import dev.adjoint.train.Progress;
import dev.adjoint.train.Task;
import dev.adjoint.train.Trainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
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
    /** Every option of train, in the order its --help lists them, with its default. */
    static final List<Args.Option> OPTIONS = options();

    private static List<Args.Option> options() {
        List<Args.Option> o = new ArrayList<>();
        o.add(Args.Option.section("data"));
        o.addAll(DataChoice.options(Datasets.DEFAULT_FASHION_MNIST + " if it holds Fashion-MNIST, else spiral"));
        o.addAll(List.of(
                Args.Option.section("model"),
                new Args.Option("model", "NAME", "", "a preset: mlp (the default: --hidden alone) or cnn (LeNet-style:"
                        + " --conv " + CNN_CONV + " --hidden " + CNN_HIDDEN + " --dropout " + CNN_DROPOUT + " --augment "
                        + CNN_AUGMENT + " --epochs " + CNN_EPOCHS + " unless given; needs square grey images); or a model"
                        + " file, FILE.json: a list"
                        + " of layers, PyTorch's nn.Sequential written out (command-line.md, Model files)"),
                new Args.Option("hidden", "SIZES", "512,256", "hidden layer sizes, comma-separated; \"\" for none"),
                new Args.Option("conv", "CHANNELS", "", "convolution stages before the hidden layers, their channels"
                        + " comma-separated (e.g. 16,32): each a 5x5 same convolution, the activation and 2x2 max"
                        + " pooling, on square grey images (Fashion-MNIST's 28x28); \"\" for none (an MLP)"),
                new Args.Option("activation", "NAME", "relu", "relu, leaky_relu, sigmoid, tanh or gelu"),
                new Args.Option("init", "NAME", "he-uniform", "weight initialization: xavier-uniform, xavier-normal,"
                        + " he-uniform, he-normal or pytorch"),
                new Args.Option("dropout", "P", "0", "dropout probability after each hidden activation, in [0, 1)"),
                new Args.Option("norm", "NAME", "none", "none, or batch: batch normalisation (BatchNorm2d, BatchNorm1d)"
                        + " after every convolution and hidden layer, before the activation"),
                new Args.Option("augment", "SPEC", "none", "shift and flip the training images anew every epoch, e.g."
                        + " shift=2,flip: shift=N pads N zeros on every side and crops a random window of the image's"
                        + " size (torchvision's RandomCrop), flip mirrors left-right half the time (RandomHorizontalFlip);"
                        + " for image models (--conv, --model cnn, a model file with a 3-d input)"),
                Args.Option.section("task and loss"),
                new Args.Option("task", "NAME", "classification", "classification (one output per class, softmax), binary"
                        + " (one logit, sigmoid: the label column holds exactly two classes, the second the positive one)"
                        + " or regression (one output: the label column holds the numbers to predict, standardised with"
                        + " the training rows' mean and std, predictions un-standardised)"),
                new Args.Option("loss", "NAME", null, "classification: cross-entropy, hinge, mse or euclidean; binary:"
                        + " bce-with-logits; regression: mse, mae or huber (default: the task's first)"),
                new Args.Option("huber-delta", "D", "1.0", "where --loss huber turns from squared to linear, in standardised"
                        + " target units (the targets' std)"),
                new Args.Option("class-weights", "W", "", "weight each sample's loss by its class and take the weighted mean"
                        + " (PyTorch's CrossEntropyLoss(weight=...); binary: the same over the two classes): 'balanced',"
                        + " n_samples / (n_classes * count) over the training rows, or one weight per class by class index"
                        + " (ascending labels, names sorted), e.g. 1,3.5"),
                Args.Option.section("optimizer"),
                new Args.Option("optimizer", "NAME", "adam", String.join(", ", Optimizer.NAMES)),
                new Args.Option("lr", "X", "0.001", "base learning rate, which the schedule scales step by step"),
                new Args.Option("weight-decay", "X", "0", "weight decay"),
                new Args.Option("clip", "NORM", "0", "clip the gradients' global L2 norm to NORM; 0: no clipping"),
                Args.Option.section("schedule and length"),
                new Args.Option("schedule", "NAME", "cosine", "learning-rate schedule over the whole run: constant,"
                        + " cosine (down to 0), step (x0.1 every third of the run) or exponential (down to 0.01)"),
                new Args.Option("warmup", "STEPS", "0", "optimizer steps of linear warm-up before the schedule"),
                new Args.Option("batch", "N", "128", "mini-batch size"),
                new Args.Option("epochs", "N", "20", "epochs to train (with --resume: the total to reach)"),
                Args.Option.section("validation and stopping"),
                new Args.Option("val", "F", "0.1", "hold out the fraction F of the training data for validation,"
                        + " stratified by class (regression: not) and chosen by --seed (at most " + Holdout.MAX_FRACTION + "); 0: none,"
                        + " and the best epoch is then the one with the lowest training loss"),
                new Args.Option("early-stopping", "METRIC", "", "stop when METRIC has not improved by more than"
                        + " --min-delta for --patience epochs (losses, rmse and mae lower, the others higher); the best"
                        + " checkpoint follows METRIC too. Classification: val_loss, val_accuracy, val_top5_accuracy,"
                        + " val_macro_f1; binary: val_loss, val_accuracy, val_auc, val_positive_f1, val_macro_f1;"
                        + " regression: val_loss, val_rmse, val_mae, val_r2; any task: train_loss (and train_accuracy)."
                        + " Without it nothing stops early, and the best epoch has the highest val_accuracy"
                        + " (binary and regression: the lowest val_loss)"),
                new Args.Option("patience", "N", "5", "epochs without improvement before --early-stopping stops;"
                        + " 0: never stop, only choose the best checkpoint by METRIC"),
                new Args.Option("min-delta", "D", "0", "the least change of METRIC that counts as an improvement"),
                new Args.Option("target-accuracy", "F", "0", "stop once the validation accuracy (with --val 0, the"
                        + " training accuracy) reaches F (a fraction, 0.9 for 90%); 0: train every epoch"),
                Args.Option.section("run"),
                new Args.Option("seed", "N", "1", "seed of the initialization, the shuffling, dropout and the spiral set"),
                DevicesCommand.DEVICE,
                new Args.Option("precision", "P", "fp32", "fp32; tf32 (CUDA's FP32 GEMMs on TF32 tensor cores); bf16 or"
                        + " fp16: matmuls take 16-bit operands and sum in F32, everything else F32, with F32 master"
                        + " weights and checkpoints (fp16 with dynamic loss scaling)"),
                Args.Option.flag("detect-anomaly", "check every op's result for NaN and infinity, and name the op that"
                        + " first makes one (slow)"),
                Args.Option.section("checkpoints and report"),
                new Args.Option("checkpoint", "DIR", null, "write checkpoints to DIR: the last epoch in DIR, the best in"
                        + " DIR/best (default: a new run directory, runs/<yyyyMMdd-HHmmss>, which eval and"
                        + " predict then use)"),
                Args.Option.flag("no-checkpoint", "write no checkpoint"),
                new Args.Option("resume", "DIR", "", "continue the run saved in DIR: settings not given are its own;"
                        + " more --epochs extends it"),
                Args.Option.flag("overwrite", "let --checkpoint DIR replace another run's checkpoint"),
                new Args.Option("json", "FILE|-", "", "write the run's report (settings, every epoch's metrics) as JSON"
                        + " to FILE after every epoch, or to standard output (-) at the end")));
        return List.copyOf(o);
    }

    static String usage() {
        return Usage.text("train", """
                Train an MLP on the training data less a validation split (--val): a classifier, a binary classifier
                or a regression model (--task). Every epoch prints its training loss and accuracy and its validation
                loss and metrics (accuracy; ROC AUC for binary; RMSE and R² for regression), and saves a checkpoint;
                the test data is measured once, at the end, on the best epoch's model.
                Without --checkpoint the checkpoints go to a new run directory, runs/<yyyyMMdd-HHmmss>/ in the
                current directory, and runs/latest names it: 'adjoint eval' and 'adjoint predict' then load it.
                The checkpoint directory also gets run.json, the run's settings and every epoch's metrics, and
                report.html, a page with the training curves (also as SVG files), the confusion matrix and the
                settings; 'adjoint report' rebuilds it.
                """, OPTIONS);
    }

    /** train's options, with their headings, for the global usage. */
    static String optionLines() {
        String u = usage();
        return u.substring(u.indexOf("\ndata:\n") + 1, u.indexOf("\n" + Main.GLOBAL_OPTIONS) + 1);
    }

    /** What a run computes: a resumed run takes the checkpoint's value of each one not given. */
    static final List<String> SETTINGS = List.of("model", "hidden", "conv", "norm", "augment", "activation", "init", "dropout", "task", "loss", "huber-delta",
            "class-weights", "optimizer", "lr",
            "weight-decay", "schedule", "warmup", "clip", "batch", "epochs", "seed", "val", "early-stopping", "patience",
            "min-delta", "precision");
    /** The checkpoint config entry that holds the settings the run was started with. */
    static final String COMMAND_LINE = "command_line";
    static final int MAX_EPOCHS = 1_000_000;
    static final int MAX_BATCH = 1 << 24;
    static final int MAX_LAYER = 1 << 24;

    private TrainCommand() {}

    static int run(Args given) {
        given.allow();
        if (modelFile(given) != null) {
            for (String o : MODEL_FILE_DESCRIBES) {
                if (given.has(o)) {
                    throw new Args.UsageException("--model " + given.get("model") + " describes every layer; drop --" + o
                            + " (or change the file)");
                }
            }
        }
        Map<String, Object> resumedConfig = given.has("resume") ? resumedConfig(given) : null;
        Map<?, ?> layers = resumedConfig != null && resumedConfig.get("model") instanceof Map<?, ?> m
                && LayerSpec.describesLayers(m) ? m : null;
        if (layers != null && modelFile(given) == null) {
            List<String> options = new ArrayList<>(MODEL_FILE_DESCRIBES);
            options.add("model");
            for (String o : options) {
                if (given.has(o)) {
                    throw new Args.UsageException("--resume " + given.get("resume") + " continues a model file's layers;"
                            + " drop --" + o + " (or give the model file again)");
                }
            }
        }
        // --model after --resume: the checkpoint's sizes stand, the preset fills what neither gave
        Args args = model(resumedConfig != null ? resumed(given, resumedConfig) : given);
        if (!args.flag("detect-anomaly")) {
            return train(args, layers);
        }
        try (Anomaly.Detecting on = Anomaly.detecting()) {
            System.out.println("anomaly detection on: every op's result is checked for NaN and infinity (slow)");
            return train(args, layers);
        }
    }

    /** --model's presets; any other value names a model file. */
    private static final List<String> PRESETS = List.of("mlp", "cnn");

    /** The options a model file's layers replace. */
    private static final List<String> MODEL_FILE_DESCRIBES = List.of("hidden", "conv", "norm", "activation", "dropout");

    /** The model file --model names (a value ending in .json, or a file that exists), or null for a preset. */
    private static Path modelFile(Args a) {
        String name = a.get("model");
        if (name == null || name.isBlank() || PRESETS.contains(name.trim().toLowerCase(Locale.ROOT))) {
            return null;
        }
        Path p = Path.of(name.trim());
        if (name.trim().toLowerCase(Locale.ROOT).endsWith(".json") || Files.isRegularFile(p)) {
            if (!Files.isRegularFile(p)) {
                throw new Args.UsageException("--model " + name.trim() + ": no such file (a JSON model file; or mlp, cnn)");
            }
            return p;
        }
        return null;
    }

    /** --model cnn's convolution channels and hidden sizes. */
    static final String CNN_CONV = "16,32";
    static final String CNN_HIDDEN = "128";
    /**
     * Without it the preset overfit Fashion-MNIST from epoch 9 (90.81% against 92.23%). Batch norm is not in the preset:
     * with it the same run overfit more (91.45%; 91.89% with dropout 0.5 and AdamW's decay 0.05). All in
     * bench/results/cpu-fashion-mnist-cnn.json.
     */
    static final String CNN_DROPOUT = "0.4";
    /**
     * Shifts of one pixel: without, the preset overfit after epoch 17 (train 98.5%); with them it still learnt at epoch
     * 30 (92.28%), and 36 epochs gave 92.50%. Flips underfit or did not help (91.88%; with shift=2 91.82%).
     */
    static final String CNN_AUGMENT = "shift=1";
    /**
     * 48: once the CPU convolution packed its GEMM straight from the image, an epoch took 13-15 s instead of 22, and
     * its sums came in another order; 36 epochs then gave 92.49%, 48 gave 92.59% (best epoch 45) in about 10 minutes.
     */
    static final String CNN_EPOCHS = "48";

    /** The options with --model's preset filled in where --conv and --hidden are not given (nor resumed). */
    private static Args model(Args given) {
        String name = given.get("model");
        if (name == null || modelFile(given) != null) {
            return given;
        }
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "mlp" -> {
                if (!given.getOrEmpty("conv").isBlank()) {
                    throw new Args.UsageException("--model mlp has no convolution stages, and --conv " + given.get("conv")
                            + (given.has("resume") ? " (given, or the resumed run's)" : "") + " asks for some; drop one"
                            + " of them (--model cnn takes --conv)");
                }
                yield given;
            }
            case "cnn" -> given.withFallbacks(Map.of("conv", CNN_CONV, "hidden", CNN_HIDDEN, "dropout", CNN_DROPOUT,
                    "augment", CNN_AUGMENT, "epochs", CNN_EPOCHS));
            default -> throw new Args.UsageException("unknown --model '" + Excerpt.of(name) + "'; choose mlp, cnn or a"
                    + " JSON model file (FILE.json)");
        };
    }

    /** The config of the checkpoint --resume names. */
    private static Map<String, Object> resumedConfig(Args given) {
        Path dir = Path.of(given.get("resume", null));
        if (given.has("checkpoint") && sameDirectory(dir, Path.of(given.get("checkpoint", null)))) {
            // resuming in place: a run still writing there is named now, before its files are read mid-rewrite
            DirectoryLock.acquire(dir, "checkpoints").close();
        }
        return Checkpoint.load(dir).config();
    }

    /** The options with every setting not given taken from {@code cfg}, the resumed checkpoint's (when it recorded them). */
    private static Args resumed(Args given, Map<String, Object> cfg) {
        Map<String, String> saved = new LinkedHashMap<>();
        if (cfg.get(COMMAND_LINE) instanceof Map<?, ?> m) {
            // only settings: a checkpoint does not choose where this run writes, nor its device
            m.forEach((k, v) -> {
                if (SETTINGS.contains(String.valueOf(k)) || DataChoice.OPTIONS.contains(String.valueOf(k))) {
                    saved.put(String.valueOf(k), String.valueOf(v));
                }
            });
        }
        if (cfg.get(COMMAND_LINE) instanceof Map<?, ?> m && !m.containsKey("val")) {
            saved.put("val", "0");      // a run from before validation splits trained on all its training data
        }
        if (given.has("task") && !given.get("task").trim().equalsIgnoreCase(saved.getOrDefault("task", "classification"))) {
            // another task: its loss and monitored metric do not carry over (the run record then names the task that differs)
            List.of("loss", "huber-delta", "class-weights", "early-stopping").forEach(saved::remove);
        }
        if (given.has("loss") && !given.get("loss").trim().equalsIgnoreCase(saved.getOrDefault("loss", ""))) {
            // another loss: the saved loss's own options do not carry over (the run record then names the loss)
            List.of("huber-delta", "class-weights").forEach(saved::remove);
        }
        boolean dataGiven = DataChoice.OPTIONS.stream().anyMatch(given::has);
        if (dataGiven) {
            DataChoice.OPTIONS.forEach(saved::remove);
        }
        return given.withFallbacks(saved);
    }

    /** Whether {@code a} and {@code b} are one existing directory. */
    private static boolean sameDirectory(Path a, Path b) {
        try {
            return Files.isDirectory(a) && Files.isDirectory(b) && Files.isSameFile(a, b);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** The settings this run computes with, as the checkpoint records them (text each option reads back), and the data. */
    private static Map<String, Object> commandLine(Settings s, Args args) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("hidden", String.join(",", java.util.Arrays.stream(s.hidden).mapToObj(Integer::toString).toList()));
        c.put("conv", String.join(",", java.util.Arrays.stream(s.conv).mapToObj(Integer::toString).toList()));
        c.put("activation", s.activation.name().toLowerCase(Locale.ROOT));
        c.put("init", s.init.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        c.put("dropout", Float.toString(s.dropout));
        c.put("norm", s.batchNorm ? "batch" : "none");
        c.put("augment", s.augment);
        if (args.get("model") != null && modelFile(args) == null) {
            c.put("model", args.get("model").trim());     // a preset; a model file's layers are in the checkpoint's model
        }
        c.put("task", s.task.name());
        c.put("loss", s.task.loss());
        if (s.task.loss().equals("huber")) {
            c.put("huber-delta", Float.toString(s.task.huberDelta()));
        }
        if (s.task.classWeights() != null) {
            c.put("class-weights", args.get("class-weights"));
        }
        c.put("optimizer", s.optimizer);
        c.put("lr", Float.toString(s.lr));
        c.put("weight-decay", Float.toString(s.weightDecay));
        c.put("schedule", s.schedule);
        c.put("warmup", Long.toString(s.warmup));
        c.put("clip", Float.toString(s.clip));
        c.put("batch", Integer.toString(s.batch));
        c.put("epochs", Integer.toString(s.epochs));
        c.put("seed", Long.toString(s.seed));
        c.put("val", Double.toString(s.validation));
        if (s.monitor != null) {
            c.put("early-stopping", s.monitor);
        }
        c.put("patience", Integer.toString(s.patience));
        c.put("min-delta", Double.toString(s.minDelta));
        c.put("precision", s.precision.id());
        c.putAll(DataChoice.options(args));
        return c;
    }

    /** Trains as {@code args} say; {@code layers} is the model config of a resumed model file's run, else null. */
    private static int train(Args args, Map<?, ?> layers) {
        Settings s = Settings.parse(args);
        String json = args.get("json");
        Path jsonPath = json == null ? null : Path.of(json);
        if (jsonPath != null) {
            JsonOutput.checkWritable(jsonPath, "--json");
        }
        args.exclusive("checkpoint", "no-checkpoint");
        String ckpt = args.get("checkpoint");
        if (ckpt != null) {
            AtomicFile.checkWritable(Path.of(ckpt).resolve(Checkpoint.MODEL), "--checkpoint");
        }
        Path runs = ckpt == null && !args.flag("no-checkpoint") ? Runs.root() : null;
        String device = args.get("device", null);
        try (Split<? extends Samples> split = DataChoice.load(args, s.seed, s.validation, switch (s.task.kind()) {
            case CLASSIFICATION -> CsvEncoding.Labels.CLASSES;
            case BINARY -> CsvEncoding.Labels.TWO_CLASSES;
            case REGRESSION -> CsvEncoding.Labels.NUMBERS;
        })) {
            return train(args, s, split, device, runs, jsonPath, layers);
        }
    }

    /** Trains on {@code split} on the device {@code device} names, into a run directory under {@code runs} (when not null). */
    private static int train(Args args, Settings s, Split<? extends Samples> split, String device, Path runs,
                             Path jsonPath, Map<?, ?> layers) {
        String ckpt = args.get("checkpoint");
        s.task.fit(split.train());    // the data suits the task (two classes, numbers, a weight per class), before any output
        if (s.precision == Precision.TF32) {
            System.setProperty(Devices.TF32_PROPERTY, "true");     // read by the device as it opens
        }
        World world = Ranks.join(s.batch);
        if (!world.leader()) {      // rank 0 alone writes checkpoints, run files and JSON
            ckpt = null;
            runs = null;
            jsonPath = null;
        }
        Devices.Selection sel = Devices.select(device, world.localRank());
        long stepsPerEpoch = (split.train().size() + s.batch - 1) / s.batch;
        Schedule schedule = schedule(s, s.epochs * stepsPerEpoch);
        try (Device dev = sel.device()) {
            System.out.println(sel.explanation());
            Path dir = runs != null ? Runs.create(runs, LocalDateTime.now()) : ckpt != null ? Path.of(ckpt) : null;
            try {
                return train(args, s, split, dev, schedule, dir, runs, jsonPath, layers);
            } finally {
                if (runs != null) {
                    Runs.discardIfEmpty(dir);
                }
            }
        }
    }

    /**
     * The model --model's file describes, or the layers of the model file a resumed run was started with (from its
     * checkpoint: the file is not needed again), or the flags' MLP (behind --conv stages), for rows of {@code inputs}
     * features.
     */
    private static ModelSpec spec(Args args, Settings s, int inputs, int outputs, Map<?, ?> layers) {
        Path file = modelFile(args);
        if (file != null) {
            try {
                return LayerSpec.read(file, inputs, outputs, s.init, s.seed);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException(e.getMessage());
            }
        }
        if (layers != null) {
            return ModelSpec.fromConfig(layers);
        }
        try {
            return MlpSpec.of(inputs, s.hidden, outputs, s.activation, s.init, s.dropout, s.seed).withBatchNorm(s.batchNorm)
                    .withConvolution(s.conv);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--conv: " + e.getMessage());
        }
    }

    /**
     * Trains on {@code split}, checkpointing to {@code dir} (none when null); {@code runs} is the
     * root of the run directory {@code dir} when the run named it itself (null otherwise).
     */
    private static int train(Args args, Settings s, Split<? extends Samples> split, Device dev, Schedule schedule,
                             Path dir, Path runs, Path json, Map<?, ?> layers) {
        ModelSpec spec = spec(args, s, split.train().dims(), s.task.outputs(split.train().classes()), layers);
        Augment augment;
        try {
            augment = Augment.parse(s.augment, spec.image());
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("--" + e.getMessage());
        }
        int held = s.validation == 0 ? 0 : Holdout.size(split.train(), s.validation);
        System.out.printf("%s: %,d train / %,d test samples%s, %s, %s, batch %d, lr %s%s%n",
                split.train().name(), split.train().size(), split.test().size(),
                held == 0 ? "" : String.format(Locale.ROOT, " (%,d of the train held out for validation)", held),
                spec.describe(), s.optimizer, s.batch, s.lr,
                s.precision == Precision.FP32 ? "" : ", " + s.precision.id());
        if (runs != null) {
            System.out.println("run directory: " + dir + " (checkpoints; --checkpoint DIR writes elsewhere)");
        }
        try (Sequential model = spec.build(dev); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName(s.optimizer, params, s.lr, s.weightDecay)) {
            Trainer.Config cfg = new Trainer.Config(s.epochs, s.batch, s.seed, s.targetAccuracy, s.clip, schedule,
                    dir, args.flag("overwrite"), Progress.console())
                    .withValidation(s.validation).withEarlyStopping(s.monitor == null ? null : Monitor.of(s.monitor),
                            s.monitor == null ? 0 : s.patience, s.minDelta);
            Map<String, Object> settings = commandLine(s, args);
            Trainer trainer = new Trainer(model, params, opt, s.task, cfg, spec.toConfig())
                    .record(COMMAND_LINE, settings).precision(s.precision).world(World.current()).augment(augment);
            World world = trainer.world();
            if (world.distributed()) {
                world.agree("the settings or the data", Ranks.fingerprint(settings, split.train(), split.test()));
                String backend = dev.name().split(":")[0];   // ranks on two backends would not compute alike
                world.agree("the device backends (" + backend + " on rank " + world.rank() + ")", backend.hashCode());
                System.out.println(Ranks.describe(world, trainer.gradientEngine(), s.batch));
            }
            if (s.precision == Precision.TF32) {
                System.out.println("tf32: FP32 GEMMs run on TF32 tensor cores where the device has them (CUDA);"
                        + " other devices compute in F32");
            }
            RunLog log = new RunLog(RunLog.head(args, OPTIONS, split, held, dev, spec, dir, settings, s.task,
                    cfg.monitored(s.task, held > 0)), dir,
                    json);
            String resume = args.get("resume");
            if (resume != null) {
                trainer.resume(Path.of(resume));
                System.out.println("resumed from " + resume + " after epoch " + trainer.epochsDone());
                if (trainer.epochsDone() >= s.epochs) {
                    System.out.println("nothing to train: the checkpoint has done " + trainer.epochsDone() + " of "
                            + s.epochs + " epochs (--epochs N continues it to N)");
                }
                log.resumed(Path.of(resume), trainer.epochsDone());
            }
            try {
                trainer.fit(split.train(), split.test(), dev, st -> {
                    log.epoch(st);
                    if (runs != null && log.epochsThisRun() == 1) {
                        Runs.markLatest(runs, dir);     // its first checkpoint is saved: eval and predict may load it
                    }
                });
            } catch (RuntimeException e) {
                log.failed(e);
                throw e;
            }
            if (world.distributed()) {
                System.out.printf(Locale.ROOT, "data parallel: the weights of all %d ranks were identical, bit for bit,"
                        + " after every epoch (checked by hash); gradients summed in %s%n", world.size(),
                        trainer.gradientBuckets());
            }
            Metrics.Evaluation test = trainer.test();
            String best = String.format(Locale.ROOT, "on the best epoch's model (best epoch %d by %s; %d epochs trained)",
                    trainer.bestEpoch(), trainer.monitored().metric(), trainer.epochsDone());
            if (s.task.kind() == Task.Kind.REGRESSION) {
                System.out.printf(Locale.ROOT, "final test RMSE %.6g, MAE %.6g, R² %.4f %s%n", test.get("rmse"),
                        test.get("mae"), test.get("r2"), best);
                System.out.printf(Locale.ROOT, "test loss %.4f (%s, on the standardised targets; %,d samples)%n",
                        test.loss(), s.task.loss(), test.samples());
            } else {
                System.out.printf(Locale.ROOT, "final test accuracy %.2f%% %s%n", 100 * test.accuracy(), best);
                System.out.print(testSummary(test, split.train().labelValues(), s.task));
            }
            if (dir != null && Checkpoint.exists(dir)) {
                System.out.println("checkpoint: " + dir.resolve(Checkpoint.MODEL) + " (last epoch), "
                        + dir.resolve(Trainer.BEST) + " (best " + trainer.monitored().metric() + ")"
                        + (runs != null ? "; 'adjoint eval' and 'adjoint predict' load this run" : ""));
            }
            Path page = log.finish(trainer);
            if (page != null) {
                System.out.println("report: " + page + " (curves, confusion matrix, settings; 'adjoint report "
                        + dir + "' rebuilds it)");
            }
        }
        return 0;
    }

    /**
     * The test loss, accuracy, top-5 accuracy and macro F1, then each class's figures and the
     * confusion matrix (a binary task's ROC AUC and positive class's figures first).
     */
    private static String testSummary(Metrics.Evaluation test, int[] labelValues, Task task) {
        String top = Double.isNaN(test.get("top5_accuracy")) ? ""
                : String.format(Locale.ROOT, ", top-5 accuracy %.2f%%", 100 * test.get("top5_accuracy"));
        return String.format(Locale.ROOT, "test loss %.4f%s, macro F1 %.4f (%,d samples)%n", test.loss(), top,
                test.get("macro_f1"), test.samples()) + task.metrics(labelValues.length).summary(test, labelValues);
    }

    /** Every setting of a run, with its default, parsed and checked against its range before anything runs. */
    record Settings(int epochs, int batch, long seed, float lr, float weightDecay, float dropout, boolean batchNorm,
                    String augment, float clip,
                    double targetAccuracy, int[] hidden, int[] conv, Activation.Kind activation, Init init, long warmup, Task task,
                    String optimizer, String schedule, double validation, String monitor, int patience,
                    double minDelta, Precision precision) {
        static Settings parse(Args a) {
            double val = a.number("val", Args.Range.FRACTION);
            if (val > Holdout.MAX_FRACTION) {
                throw new Args.UsageException("--val must be 0 (no validation split) or a fraction up to "
                        + Holdout.MAX_FRACTION + ", got '" + a.get("val") + "'");
            }
            Task task = TrainCommand.task(a);
            double targetAccuracy = a.number("target-accuracy", Args.Range.FRACTION);
            if (targetAccuracy > 0 && task.kind() == Task.Kind.REGRESSION) {
                throw new Args.UsageException("--target-accuracy belongs to classification; a regression task has no"
                        + " accuracy (stop on val_rmse or val_loss with --early-stopping)");
            }
            String monitor = a.get("early-stopping");
            if (monitor != null) {
                monitor = Monitor.canonical(monitor.trim().toLowerCase(Locale.ROOT));
                if (!task.monitors().contains(monitor)) {
                    throw new Args.UsageException("unknown --early-stopping '" + Excerpt.of(a.get("early-stopping"))
                            + "'" + (Monitor.METRICS.contains(monitor) ? " for a " + task.name() + " task" : "")
                            + "; choose one of " + String.join(", ", task.monitors()));
                }
                if (val == 0 && Monitor.of(monitor).needsValidation()) {
                    throw new Args.UsageException("--early-stopping " + monitor + " needs a validation split, and --val 0"
                            + " holds none out; give --val a fraction (0.1) or watch train_loss");
                }
            }
            return new Settings(a.intValue("epochs", 1, MAX_EPOCHS), a.intValue("batch", 1, MAX_BATCH),
                    a.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE),
                    a.float32("lr", Args.Range.POSITIVE),
                    a.float32("weight-decay", Args.Range.NON_NEGATIVE),
                    a.float32("dropout", Args.Range.PROBABILITY_BELOW_ONE),
                    name("norm", a, NORMS).equals("batch"),
                    a.getOrEmpty("augment").trim(),
                    a.float32("clip", Args.Range.NON_NEGATIVE),
                    targetAccuracy,
                    sizes("--hidden sizes (e.g. 512,256)", a.getOrEmpty("hidden")), sizes("--conv channels (e.g. 16,32)", a.getOrEmpty("conv")), TrainCommand.activation(a),
                    TrainCommand.init(a.get("init")), a.integer("warmup", 0, Long.MAX_VALUE),
                    task, name("optimizer", a, Optimizer.NAMES), name("schedule", a, SCHEDULES),
                    val, monitor, a.intValue("patience", 0, MAX_EPOCHS), a.number("min-delta", Args.Range.NON_NEGATIVE),
                    precision(a.get("precision")));
        }

        private static Precision precision(String text) {
            try {
                return Precision.of(text);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("--precision: " + e.getMessage());
            }
        }
    }

    /**
     * The task --task, --loss (canonical: {@code ce} is {@code cross-entropy}; by default the task's
     * own), --huber-delta and --class-weights describe, each checked against the others.
     */
    private static Task task(Args a) {
        Task.Kind kind;
        try {
            kind = Task.kind(a.get("task"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage().replace("unknown task", "unknown --task"));
        }
        float delta = a.float32("huber-delta", Args.Range.POSITIVE);
        String loss = a.get("loss", null);
        if (a.has("huber-delta") && !"huber".equalsIgnoreCase(loss == null ? "" : loss.trim())) {
            throw new Args.UsageException("--huber-delta belongs to --loss huber (with --task regression)");
        }
        String weights = a.get("class-weights", null);
        try {
            Task t = new Task(kind, loss, delta, null, null);
            return weights == null || weights.isBlank() ? t : t.withClassWeights(Task.ClassWeights.parse(weights));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage().replaceFirst("^task: ", ""));
        }
    }

    /** The schedules --schedule names. */
    static final List<String> SCHEDULES = List.of("constant", "cosine", "step", "exponential");
    static final List<String> NORMS = List.of("none", "batch");

    /** Option {@code option}'s value, one of {@code names} (any case). */
    private static String name(String option, Args a, List<String> names) {
        String name = a.get(option);
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!names.contains(n)) {
            throw new Args.UsageException("unknown --" + option + " '" + Excerpt.of(name) + "'; choose one of "
                    + String.join(", ", names));
        }
        return n;
    }

    private static Activation.Kind activation(Args a) {
        String name = a.get("activation");
        try {
            return Activation.parse(name);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("unknown --activation '" + Excerpt.of(name)
                    + "'; choose one of relu, leaky_relu, sigmoid, tanh, gelu");
        }
    }

    /** Positive sizes separated by commas ("" for none), each from 1 to {@value #MAX_LAYER}, for {@code what}. */
    static int[] sizes(String what, String csv) {
        if (csv.isBlank()) {
            return new int[0];
        }
        String[] parts = csv.split(",", -1);
        int[] s = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            s[i] = (int) Args.integer(what, parts[i], 1, MAX_LAYER);
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
