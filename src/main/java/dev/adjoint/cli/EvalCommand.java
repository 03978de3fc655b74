package dev.adjoint.cli;

import dev.adjoint.data.CsvEncoding;
import dev.adjoint.data.Samples;
import dev.adjoint.data.Normalization;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.Json;
import dev.adjoint.io.JsonOutput;
import dev.adjoint.io.Excerpt;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.train.Metrics;
import dev.adjoint.train.ModelSpec;
import dev.adjoint.train.Predictor;
import dev.adjoint.train.SavedModel;
import dev.adjoint.train.Task;
import dev.adjoint.train.Trainer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code adjoint eval} (the test metrics of a checkpoint: accuracy; with a binary model ROC AUC too;
 * RMSE, MAE and R² of a regression model, in the targets' units) and {@code adjoint predict} (top
 * classes, or values, for given rows of the test set). Both rebuild the model, and the task and
 * preprocessing it was trained with, from the checkpoint's configuration.
 */
final class EvalCommand {
    private static final List<String> FASHION = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
            "Shirt", "Sneaker", "Bag", "Ankle boot");

    private EvalCommand() {}

    private static final String DATA_DEFAULT = "the data the checkpoint was trained on";

    private static List<Args.Option> common() {
        List<Args.Option> o = new ArrayList<>();
        o.add(new Args.Option("checkpoint", "DIR", null, "the checkpoint to load (default: the best epoch of the latest"
                + " run, the one runs/latest names)"));
        o.addAll(DataChoice.options(DATA_DEFAULT));
        o.add(DevicesCommand.DEVICE);
        o.add(new Args.Option("seed", "N", null, "seed of the spiral set (default: the checkpoint's)"));
        return o;
    }

    static final List<Args.Option> EVAL_OPTIONS = evalOptions();
    static final List<Args.Option> PREDICT_OPTIONS = predictOptions();

    private static List<Args.Option> evalOptions() {
        List<Args.Option> o = common();
        o.add(new Args.Option("json", "FILE|-", "", "also write the result as JSON to FILE, or to standard output (-)"));
        return List.copyOf(o);
    }

    private static List<Args.Option> predictOptions() {
        List<Args.Option> o = common();
        o.add(new Args.Option("rows", "I,J,...", "0,1,2,3,4", "rows of the test set to classify"));
        o.add(new Args.Option("top", "K", "3", "classes to show per row, most probable first (with --input: only the K"
                + " most probable when given, else all; CSV columns top1,p_top1,...; refused for a regression model)"));
        o.add(new Args.Option("input", "FILE", "", "classify every row of FILE instead, new data read with the checkpoint's"
                + " preprocessing: a CSV table FILE.csv (the label column may be absent), a numpy array FILE.npy, or IDX"
                + " images FILE-idx3-ubyte(.gz)"));
        o.add(new Args.Option("output", "FILE|-", "-", "where --input's predictions go: FILE, written whole, or standard"
                + " output (-)"));
        o.add(new Args.Option("format", "csv|json", "csv", "--input's predictions as CSV (row,prediction,p_<class>...) or"
                + " JSON ([{row, prediction, probabilities}])"));
        return List.copyOf(o);
    }

    static String evalUsage() {
        return Usage.text("eval", "The test metrics of a trained model, rebuilt from its checkpoint's config.json: accuracy"
                + " (a binary model's ROC AUC too), or a regression model's RMSE, MAE and R² in the targets' units.",
                EVAL_OPTIONS);
    }

    static String predictUsage() {
        return Usage.text("predict", "The most probable classes, with their probabilities (a regression model: the"
                + " predicted values, in the targets' units), for rows of the test set, or (--input) the predictions for"
                + " every row of a file of new data.",
                PREDICT_OPTIONS);
    }

    static int eval(Args args) {
        args.allow();
        String json = args.get("json");
        if (json != null) {
            JsonOutput.checkWritable(Path.of(json), "--json");
        }
        return withModel(args, (ckpt, device, model, split, norm, settings) -> {
            Task task = settings.task();
            long n = split.test().size();
            Map<String, Object> root = new LinkedHashMap<>();
            root.put("checkpoint", ckpt.toString());
            root.put("dataset", split.test().name());
            root.put("device", device.name());
            root.put("samples", n);
            if (task.kind() == Task.Kind.CLASSIFICATION) {
                double acc = Trainer.evaluate(model, split.test(), norm, device);
                System.out.printf(Locale.ROOT, "%s test accuracy %.2f%% (%,d samples)%n", split.test().name(), 100 * acc, n);
                long correct = Math.round(acc * n);   // acc is a float32 count over n: exact below 2^24 samples
                root.put("correct", correct);
                root.put("accuracy", (double) correct / n);
            } else {
                Metrics.Evaluation e = Trainer.evaluate(model, split.test(), norm, task, device);
                if (task.kind() == Task.Kind.BINARY) {
                    System.out.printf(Locale.ROOT, "%s test accuracy %.2f%%, ROC AUC %.4f (%,d samples)%n",
                            split.test().name(), 100 * e.accuracy(), e.get("roc_auc"), n);
                } else {
                    System.out.printf(Locale.ROOT, "%s test RMSE %.6g, MAE %.6g, R² %.4f (%,d samples; loss %.4f on the"
                            + " standardised targets)%n", split.test().name(), e.get("rmse"), e.get("mae"), e.get("r2"), n,
                            e.loss());
                }
                root.put("task", task.name());
                e.scalars().forEach((k, v) -> root.put(k, Metrics.json(v)));
            }
            if (json != null) {
                JsonOutput.write(Path.of(json), Json.write(root) + "\n");
            }
        });
    }

    static int predict(Args args) {
        args.allow();
        if (args.has("input")) {
            return predictFile(args);
        }
        for (String o : List.of("output", "format")) {
            if (args.has(o)) {
                throw new Args.UsageException("--" + o + " belongs to --input FILE (the predictions for a file of new data)");
            }
        }
        int top = args.intValue("top", 1, Integer.MAX_VALUE);
        String[] rowText = args.get("rows").split(",", -1);
        int[] rows = new int[rowText.length];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = (int) Args.integer("--rows (row indices separated by commas)", rowText[i], 0, Integer.MAX_VALUE);
        }
        return withModel(args, (ckpt, device, model, split, norm, settings) -> {
            Samples test = split.test();
            List<?> names = settings.labelNames();
            Task task = settings.task();
            model.eval();
            for (int r : rows) {
                if (r < 0 || r >= test.size()) {
                    throw new Args.UsageException("--rows: row " + r + " is outside the test set [0, " + test.size() + ")");
                }
                float[] x = new float[test.dims()];
                test.copyRow(r, x, 0);
                norm.apply(x, 0, x.length);
                float[] p;
                try (Scope s = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
                    Tensor y = model.forward(Tensor.of(device, x, 1, x.length));
                    Tensor scores = task.scores(y);
                    p = task.prediction(scores.toArray(), 0, scores.size(1));
                }
                if (task.kind() == Task.Kind.REGRESSION) {
                    System.out.println("row " + r + " (true: " + test.label(r) + "): " + p[0]);
                    continue;
                }
                float[] probs = p;
                StringBuilder line = new StringBuilder(String.format("row %d (true: %s):", r, name(test, names, (int) test.label(r))));
                Integer[] order = new Integer[p.length];
                for (int i = 0; i < p.length; i++) {
                    order[i] = i;
                }
                java.util.Arrays.sort(order, (a, b) -> Float.compare(probs[b], probs[a]));
                for (int i = 0; i < Math.min(top, p.length); i++) {
                    line.append(String.format(Locale.ROOT, "  %s %.1f%%", name(test, names, order[i]), 100 * probs[order[i]]));
                }
                System.out.println(line);
            }
        });
    }

    /**
     * {@code predict --input FILE}: the predicted class and the probabilities of every row of FILE,
     * as CSV or JSON, written whole once every row is classified (a bad row leaves nothing written).
     */
    private static int predictFile(Args args) {
        args.exclusive("input", "rows");
        for (String o : DataChoice.OPTIONS) {
            if (args.has(o) || args.has("seed")) {
                throw new Args.UsageException("--" + (args.has(o) ? o : "seed") + " chooses the test set of --rows;"
                        + " --input FILE is read with the checkpoint's own preprocessing");
            }
        }
        String format = args.get("format");
        if (!format.equals("csv") && !format.equals("json")) {
            throw new Args.UsageException("--format " + Excerpt.of(format) + ": choose csv or json");
        }
        int top = args.has("top") ? args.intValue("top", 1, Integer.MAX_VALUE) : Integer.MAX_VALUE;
        Path input = Path.of(args.get("input"));
        Path output = Path.of(args.get("output"));
        JsonOutput.checkWritable(output, "--output");
        java.util.function.IntSupplier run = () -> {
            Path ckpt = checkpoint(args);
            try (Device device = Devices.select(args.get("device", null)).device();
                 Predictor predictor = Predictor.load(ckpt, device)) {
                if (args.has("top") && predictor.settings().task().kind() == Task.Kind.REGRESSION) {
                    throw new Args.UsageException("--top K ranks classes, and " + ckpt + " is a regression model (one value"
                            + " a row); leave --top out");
                }
                float[][] p = predictor.predict(input);
                String text = format.equals("csv") ? Predictions.csv(p, predictor.settings(), top)
                        : Predictions.json(p, predictor.settings(), top);
                JsonOutput.write(output, text);
                System.out.println(p.length + " rows of " + input + " classified" + (JsonOutput.isStdout(output) ? ""
                        : ", predictions in " + output));
            }
            return 0;
        };
        return JsonOutput.isStdout(output) ? JsonOutput.toStandardOutput(run) : run.getAsInt();
    }

    /** Class {@code c}'s name: Fashion-MNIST's, else the label it stands for in the data (a CSV's labels {3, 7}: class 1 is "class 7"). */
    static String name(Samples d, List<?> names, int c) {
        if (names != null && c < names.size()) {
            return String.valueOf(names.get(c));
        }
        if (d.name().toLowerCase(Locale.ROOT).contains("fashion") && c < FASHION.size()) {
            return FASHION.get(c);
        }
        return "class " + (c < d.labelValues().length ? d.labelValues()[c] : c);
    }

    private static List<Integer> boxed(int[] v) {
        return java.util.Arrays.stream(v).boxed().toList();
    }

    interface Body {
        void run(Path checkpoint, Device device, Sequential model, Split<? extends Samples> split, Normalization norm,
                 SavedModel.Settings settings);
    }

    /** The checkpoint --checkpoint names, else the latest run's (said in one line). */
    private static Path checkpoint(Args args) {
        String dir = args.get("checkpoint");
        if (dir != null) {
            return Path.of(dir);
        }
        Path ckpt = Runs.latestCheckpoint(Runs.root());
        System.out.println("checkpoint: " + ckpt + " (the latest run's " + (ckpt.getFileName().toString().equals(Trainer.BEST)
                ? "best" : "last") + " epoch; --checkpoint DIR loads another)");
        return ckpt;
    }

    /**
     * {@code args} with the data options of the run that wrote {@code cfg} (its command line) when
     * none is given: a model trained on a CSV file is evaluated on that file's test set.
     */
    private static Args withRecordedData(Args args, Map<String, Object> cfg) {
        if (DataChoice.OPTIONS.stream().anyMatch(args::has) || !(cfg.get(TrainCommand.COMMAND_LINE) instanceof Map<?, ?> m)) {
            return args;
        }
        Map<String, String> data = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (DataChoice.OPTIONS.contains(String.valueOf(k)) && v instanceof String text) {
                data.put(String.valueOf(k), text);
            }
        });
        return args.withFallbacks(data);
    }

    private static int withModel(Args given, Body body) {
        Path ckpt = checkpoint(given);
        Checkpoint.Loaded loaded = Checkpoint.load(ckpt);
        Map<String, Object> cfg = loaded.config();
        Args args = withRecordedData(given, cfg);
        SavedModel.Settings settings = SavedModel.Settings.of(cfg, ckpt);
        long seed = args.integer("seed", settings.seed(), Long.MIN_VALUE, Long.MAX_VALUE);
        try (Split<? extends Samples> split = DataChoice.load(args, seed, settings.labelValues(), "the checkpoint " + ckpt,
                settings.encoding())) {
            run(args, ckpt, loaded, settings, split, body);
        }
        return 0;
    }

    /** Checks that {@code split} suits the checkpoint's model, loads the model and runs {@code body}. */
    private static void run(Args args, Path ckpt, Checkpoint.Loaded loaded, SavedModel.Settings settings,
                            Split<? extends Samples> split, Body body) {
        ModelSpec spec = settings.spec();
        Normalization norm = settings.normalization();
        int outputs = settings.outputs();
        int[] labelValues = settings.labelValues();
        if (split.test().dims() != spec.inputs()) {
            throw new Args.UsageException("the checkpoint's model takes " + spec.inputs() + " inputs but "
                    + split.test().name() + " has " + split.test().dims() + " features; pass the --data it was trained on");
        }
        if (settings.task().kind() == Task.Kind.REGRESSION) {
            if (!split.test().isRegression()) {
                throw new Args.UsageException("the checkpoint's model is a regression model, and " + split.test().name()
                        + " has classes, not numeric targets; pass the data it was trained on");
            }
        } else if (settings.classes() != split.test().classes()) {
            throw new Args.UsageException("the checkpoint's model has " + outputs + " output" + (outputs == 1 ? "" : "s")
                    + ", for labels " + Excerpt.list(boxed(labelValues)) + ", but "
                    + split.test().name() + " has the " + split.test().classes() + " classes "
                    + Excerpt.list(boxed(split.test().labelValues())) + "; pass the data it was trained on");
        }
        Devices.Selection sel = Devices.select(args.get("device", null));
        try (Device device = sel.device(); Sequential model = spec.build(device); Parameters params = Parameters.of(model)) {
            SavedModel.loadOwnParameters(params, loaded, ckpt);
            body.run(ckpt, device, model, split, norm, settings);
        }
    }
}
