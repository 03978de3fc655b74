package dev.adjoint.train;

import dev.adjoint.data.Samples;
import dev.adjoint.io.Excerpt;
import dev.adjoint.io.Json;
import dev.adjoint.nn.Losses;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a model is trained to do, and so its outputs, loss, metrics and what a checkpoint keeps:
 * <ul>
 * <li>{@link Kind#CLASSIFICATION}: one logit per class, softmax cross-entropy (or hinge, mse,
 *     euclidean against one-hot targets, as {@link Losses#byName}), accuracy, top-5, F1.</li>
 * <li>{@link Kind#BINARY}: one logit, for the second of the two classes (the positive one), sigmoid
 *     binary cross-entropy with logits; accuracy at probability 0.5 (logit &gt; 0), ROC AUC, and the
 *     positive class's precision, recall and F1 ({@link Binary}).</li>
 * <li>{@link Kind#REGRESSION}: one output, mse, mae or huber (threshold {@code huberDelta}) against
 *     the targets standardised with the mean and std of the training rows ({@link Target}): the
 *     loss is in those units, and predictions, RMSE, MAE and R² in the original ones ({@link Regression}).</li>
 * </ul>
 * Class weights ({@link ClassWeights}, classification with cross-entropy and binary) make the loss
 * the weighted mean Σ w_yᵢ·lᵢ / Σ w_yᵢ, as PyTorch's {@code CrossEntropyLoss(weight=w)}; for
 * binary the same rule over the two classes (not {@code BCEWithLogitsLoss(pos_weight=…)}).
 * {@link #fit} fills in what is fitted on the training rows (balanced weights, the target's mean
 * and std); a checkpoint records the fitted task under {@value #CONFIG} and {@link #fromConfig}
 * reads it back (a checkpoint without one is a classification).
 */
public record Task(Kind kind, String loss, float huberDelta, ClassWeights classWeights, Target target) {
    /** The checkpoint config entry that holds the task. */
    public static final String CONFIG = "task";
    /** What {@code --task} takes. */
    public static final List<String> NAMES = List.of("classification", "binary", "regression");

    public enum Kind { CLASSIFICATION, BINARY, REGRESSION }

    /**
     * Per-class loss weights, by class index (the order of the model's outputs: ascending labels, or
     * names sorted): {@code balanced} computes them on {@link #fit} as scikit-learn does,
     * n_samples / (n_classes · count_c); else {@code values} are given. {@code values} is null for
     * balanced weights not fitted yet.
     */
    public record ClassWeights(boolean balanced, List<Double> values) {
        public ClassWeights {
            values = values == null ? null : List.copyOf(values);
            if (!balanced && values == null) {
                throw new IllegalArgumentException("class weights: give the weights, or balanced");
            }
            if (values != null) {
                for (double w : values) {
                    if (!(w > 0) || !Double.isFinite(w)) {
                        throw new IllegalArgumentException("class weights must be finite numbers > 0, got " + values);
                    }
                }
            }
        }

        public static ClassWeights balancedWeights() {
            return new ClassWeights(true, null);
        }

        public static ClassWeights of(double... w) {
            return new ClassWeights(false, java.util.Arrays.stream(w).boxed().toList());
        }

        /** {@code balanced} or weights separated by commas ({@code 1,3.5}): what {@code --class-weights} takes. */
        public static ClassWeights parse(String text) {
            String t = text.trim();
            if (t.equalsIgnoreCase("balanced")) {
                return balancedWeights();
            }
            List<Double> w = new ArrayList<>();
            for (String part : t.split(",", -1)) {
                try {
                    w.add(Double.parseDouble(part.trim()));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("class weights: " + Excerpt.quoted(part.trim())
                            + " is not a number; give 'balanced' or one weight per class, by class index: 1,3.5");
                }
            }
            return new ClassWeights(false, w);
        }

        float[] floats() {
            float[] f = new float[values.size()];
            for (int i = 0; i < f.length; i++) {
                f[i] = values.get(i).floatValue();
            }
            return f;
        }

        Map<String, Object> toConfig() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", balanced ? "balanced" : "given");
            if (values != null) {
                m.put("values", new ArrayList<Object>(values));
            }
            return m;
        }
    }

    /** The standardisation of regression targets fitted on the training rows: {@code (t - mean) / std} (std 1 for constant targets). */
    public record Target(double mean, double std) {
        public Target {
            if (!Double.isFinite(mean) || !(std > 0) || !Double.isFinite(std)) {
                throw new IllegalArgumentException("target standardisation: mean " + mean + " and std " + std
                        + " (need finite values, std > 0)");
            }
        }

        /** The mean and population std of {@code targets}, in double. */
        public static Target fit(float[] targets) {
            double mean = 0;
            for (float t : targets) {
                mean += t;
            }
            mean /= Math.max(1, targets.length);
            double sq = 0;
            for (float t : targets) {
                sq += (t - mean) * (t - mean);
            }
            double std = Math.sqrt(sq / Math.max(1, targets.length));
            return new Target(mean, std > 0 ? std : 1);
        }

        public float standardize(float t) {
            return (float) ((t - mean) / std);
        }

        /** An output in standardised units back in the targets' own. */
        public double original(float output) {
            return output * std + mean;
        }
    }

    public Task {
        if (kind == null) {
            throw new IllegalArgumentException("task: a kind is required (" + String.join(", ", NAMES) + ")");
        }
        loss = loss == null ? defaultLoss(kind) : canonicalLoss(kind, loss);
        if (!(huberDelta > 0) || !Float.isFinite(huberDelta)) {
            throw new IllegalArgumentException("task: --huber-delta must be a finite number > 0, got " + huberDelta);
        }
        if (classWeights != null && kind == Kind.REGRESSION) {
            throw new IllegalArgumentException("task: class weights belong to classification and binary tasks, not regression");
        }
        if (classWeights != null && kind == Kind.CLASSIFICATION && !loss.equals("cross-entropy")) {
            throw new IllegalArgumentException("task: class weights weight the cross-entropy loss, and the loss is " + loss);
        }
        if (target != null && kind != Kind.REGRESSION) {
            throw new IllegalArgumentException("task: a target standardisation belongs to regression");
        }
    }

    /** Multi-class classification with softmax cross-entropy. */
    public static Task classification() {
        return new Task(Kind.CLASSIFICATION, null, 1f, null, null);
    }

    /** Binary classification with sigmoid binary cross-entropy on one logit. */
    public static Task binary() {
        return new Task(Kind.BINARY, null, 1f, null, null);
    }

    /** Regression with {@code loss} mse, mae or huber. */
    public static Task regression(String loss) {
        return new Task(Kind.REGRESSION, loss, 1f, null, null);
    }


    public Task withLoss(String l) {
        return new Task(kind, l, huberDelta, classWeights, target);
    }

    public Task withHuberDelta(float delta) {
        return new Task(kind, loss, delta, classWeights, target);
    }

    public Task withClassWeights(ClassWeights w) {
        return new Task(kind, loss, huberDelta, w, target);
    }

    public Task withTarget(Target t) {
        return new Task(kind, loss, huberDelta, classWeights, t);
    }

    public static Kind kind(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(n)) {
            throw new IllegalArgumentException("unknown task '" + Excerpt.of(name) + "'; choose one of " + String.join(", ", NAMES));
        }
        return Kind.valueOf(n.toUpperCase(Locale.ROOT));
    }

    public String name() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** The losses a task of this kind takes, canonical names first. */
    public static List<String> losses(Kind kind) {
        return switch (kind) {
            case CLASSIFICATION -> List.of("cross-entropy", "hinge", "mse", "euclidean");
            case BINARY -> List.of("bce-with-logits");
            case REGRESSION -> List.of("mse", "mae", "huber");
        };
    }

    public static String defaultLoss(Kind kind) {
        return losses(kind).getFirst();
    }

    private static String canonicalLoss(Kind kind, String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        String c = switch (kind) {
            case CLASSIFICATION -> {
                try {
                    yield Losses.byName(n).name();
                } catch (IllegalArgumentException e) {
                    yield null;
                }
            }
            case BINARY -> List.of("bce-with-logits", "bce", "binary-cross-entropy", "cross-entropy").contains(n)
                    ? "bce-with-logits" : null;
            case REGRESSION -> switch (n) {
                case "mse", "l2" -> "mse";
                case "mae", "l1" -> "mae";
                case "huber" -> "huber";
                default -> null;
            };
        };
        if (c == null) {
            throw new IllegalArgumentException("unknown --loss '" + Excerpt.of(name) + "' for a " + kind.name()
                    .toLowerCase(Locale.ROOT) + " task; choose one of " + String.join(", ", losses(kind)));
        }
        return c;
    }

    /** The model's outputs for data of {@code classes} classes: one per class, or one (binary, regression). */
    public int outputs(int classes) {
        return kind == Kind.CLASSIFICATION ? classes : 1;
    }

    /**
     * This task with what it fits on the training rows {@code train} filled in (balanced class
     * weights, the target's mean and std); refuses data of another kind: class indices for
     * regression, numbers for a classifier, other than two classes for a binary task, or as many
     * class weights as there are no classes.
     */
    public Task fit(Samples train) {
        if (kind == Kind.REGRESSION) {
            if (!train.isRegression()) {
                throw new IllegalArgumentException("train: a regression task needs numeric targets, and dataset '"
                        + train.name() + "' has " + train.classes() + " classes (read a CSV's label column as numbers:"
                        + " --task regression with --csv, or Dataset.regression)");
            }
            return withTarget(Target.fit(train.labels()));
        }
        if (train.isRegression()) {
            throw new IllegalArgumentException("train: dataset '" + train.name() + "' holds regression targets, and the task"
                    + " is " + name() + " (use Task.regression)");
        }
        if (kind == Kind.BINARY && train.classes() != 2) {
            throw new IllegalArgumentException("train: a binary task needs exactly two classes, and dataset '" + train.name()
                    + "' has " + train.classes() + " (use --task classification)");
        }
        if (classWeights == null) {
            return this;
        }
        int k = train.classes();
        if (classWeights.balanced()) {
            int[] counts = train.classCounts();
            List<Double> w = new ArrayList<>(k);
            for (int c = 0; c < k; c++) {
                // a class absent from the training rows weighs nothing there; 1 keeps the weights positive
                w.add(counts[c] == 0 ? 1.0 : (double) train.size() / ((double) k * counts[c]));
            }
            return withClassWeights(new ClassWeights(true, w));
        }
        if (classWeights.values().size() != k) {
            throw new IllegalArgumentException("train: " + classWeights.values().size() + " class weights for the " + k
                    + " classes of dataset '" + train.name() + "'; give one per class, by class index, or balanced");
        }
        return this;
    }

    /**
     * The loss the trainer applies to the model's outputs and a batch's targets: for binary and
     * regression the outputs [N, 1] are read as [N]. Class weights must be fitted ({@link #fit}).
     */
    public Losses.Loss lossFunction() {
        return switch (kind) {
            case CLASSIFICATION -> {
                if (classWeights == null) {
                    yield Losses.byName(loss);
                }
                float[] w = weights();
                yield Losses.weighted(loss, (p, t) -> Losses.crossEntropy(p, t, w),
                        t -> Losses.oneHot(t, w.length).mul(Tensor.of(t.device(), w, 1, w.length)).sum());
            }
            case BINARY -> {
                if (classWeights == null) {
                    yield Losses.named(loss,
                            (p, t) -> Losses.binaryCrossEntropyWithLogits(column(p), t, Losses.Reduction.MEAN));
                }
                float[] w = weights();
                yield Losses.weighted(loss, (p, t) -> Losses.binaryCrossEntropyWithLogits(column(p), t, w[0], w[1]),
                        t -> t.mul(w[1] - w[0]).add(w[0]).sum());
            }
            case REGRESSION -> switch (loss) {
                case "mse" -> Losses.named(loss, (p, t) -> Losses.mse(column(p), t, Losses.Reduction.MEAN));
                case "mae" -> Losses.named(loss, (p, t) -> Losses.mae(column(p), t, Losses.Reduction.MEAN));
                default -> Losses.named(loss, (p, t) -> Losses.huber(column(p), t, huberDelta, Losses.Reduction.MEAN));
            };
        };
    }

    private float[] weights() {
        if (classWeights.values() == null) {
            throw new IllegalStateException("task: balanced class weights are fitted on the training rows: call fit first");
        }
        return classWeights.floats();
    }

    /** Outputs [N, 1] as [N]; anything else as it is (the loss then names the shapes). */
    private static Tensor column(Tensor p) {
        return p.dim() == 2 && p.size(1) == 1 ? p.reshape(-1) : p;
    }


    /**
     * The model's outputs as a prediction reads them: class probabilities (softmax) for classification,
     * the positive class's probability (sigmoid) for binary, the standardised values for regression.
     */
    public Tensor scores(Tensor outputs) {
        return switch (kind) {
            case CLASSIFICATION -> outputs.softmax();
            case BINARY -> outputs.sigmoid();
            case REGRESSION -> outputs;
        };
    }

    /**
     * Row {@code r} of {@link #scores} (rows of {@code width} floats) as a prediction gives it: the class
     * probabilities, {@code [1 - p, p]} for binary, or the value in the target's units for regression.
     */
    public float[] prediction(float[] scores, int r, int width) {
        return switch (kind) {
            case CLASSIFICATION -> java.util.Arrays.copyOfRange(scores, r * width, (r + 1) * width);
            case BINARY -> new float[] {1f - scores[r], scores[r]};
            case REGRESSION -> new float[] {(float) target.original(scores[r])};
        };
    }

    /** The batch's count of correct predictions as a one-element tensor, on the device; null for regression. */
    Tensor correct(Tensor outputs, Tensor targets) {
        return switch (kind) {
            case CLASSIFICATION -> outputs.argmax(1).equal(targets).sum().reshape(1);
            case BINARY -> column(outputs).greater(Tensor.zeros(outputs.device(), 1)).equal(targets).sum().reshape(1);
            case REGRESSION -> null;
        };
    }

    /** The metrics of this task for data of {@code classes} classes (regression: in the targets' units, once fitted). */
    public Metrics metrics(int classes) {
        return switch (kind) {
            case CLASSIFICATION -> new Classification(classes);
            case BINARY -> new Binary();
            case REGRESSION -> target == null ? new Regression() : new Regression(target.mean(), target.std());
        };
    }

    /** {@code data} as the loss sees it: regression targets standardised ({@link Target}); else {@code data} itself. */
    public Samples scaled(Samples data) {
        if (kind != Kind.REGRESSION || target == null) {
            return data;
        }
        float[] y = data.labels();
        float[] scaled = new float[y.length];
        for (int i = 0; i < y.length; i++) {
            scaled[i] = target.standardize(y[i]);
        }
        return data.withLabels(scaled);
    }

    /** The metrics an epoch measures for this task that a run can monitor ({@link Monitor}). */
    public List<String> monitors() {
        return switch (kind) {
            case CLASSIFICATION -> List.of("val_loss", "val_accuracy", "val_top5_accuracy", "val_macro_f1", "train_loss",
                    "train_accuracy");
            case BINARY -> List.of("val_loss", "val_accuracy", "val_roc_auc", "val_positive_f1", "val_macro_f1",
                    "train_loss", "train_accuracy");
            case REGRESSION -> List.of("val_loss", "val_rmse", "val_mae", "val_r2", "train_loss");
        };
    }

    /**
     * The metric that chooses the best epoch when none is given: val_accuracy for classification
     * (see {@link Monitor}), val_loss for binary and regression; train_loss without validation.
     */
    public Monitor defaultMonitor(boolean validation) {
        return !validation ? Monitor.TRAIN_LOSS : kind == Kind.CLASSIFICATION ? Monitor.VAL_ACCURACY : Monitor.of("val_loss");
    }

    /**
     * What a resumed run must share with its checkpoint, besides the loss the run record names on
     * its own: the kind, the Huber threshold and how class weights are chosen.
     */
    Map<String, Object> runConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", name());
        if (kind == Kind.REGRESSION && loss.equals("huber")) {
            m.put("huber_delta", (double) huberDelta);
        }
        if (classWeights != null) {
            m.put("class_weights", classWeights.balanced() ? "balanced" : new ArrayList<Object>(classWeights.values()));
        }
        return m;
    }

    /** The task as a checkpoint records it: {@link #runConfig}, the fitted weights and the target's mean and std. */
    public Map<String, Object> toConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", name());
        m.put("loss", loss);
        m.putAll(runConfig());
        if (classWeights != null) {
            m.put("class_weights", classWeights.toConfig());
        }
        if (target != null) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("mean", target.mean());
            t.put("std", target.std());
            m.put("target", t);
        }
        return m;
    }

    /**
     * The task {@link #toConfig} wrote; null (a checkpoint from before tasks) is a classification
     * with loss {@code legacyLoss} (null: cross-entropy). An IllegalArgumentException names what is wrong.
     */
    public static Task fromConfig(Object config, String legacyLoss) {
        if (config == null) {
            return new Task(Kind.CLASSIFICATION, legacyLoss, 1f, null, null);
        }
        try {
            Map<?, ?> m = (Map<?, ?>) config;
            Kind k = kind((String) m.get("kind"));
            float delta = m.get("huber_delta") == null ? 1f : ((Number) m.get("huber_delta")).floatValue();
            ClassWeights w = null;
            if (m.get("class_weights") instanceof Map<?, ?> cw) {
                List<Double> values = cw.get("values") == null ? null
                        : ((List<?>) cw.get("values")).stream().map(v -> ((Number) v).doubleValue()).toList();
                w = new ClassWeights("balanced".equals(cw.get("mode")), values);
            }
            Target t = null;
            if (m.get("target") instanceof Map<?, ?> tm) {
                t = new Target(((Number) tm.get("mean")).doubleValue(), ((Number) tm.get("std")).doubleValue());
            }
            if (k == Kind.REGRESSION && t == null) {
                throw new IllegalArgumentException("a regression task without its target's mean and std");
            }
            return new Task(k, (String) m.get("loss"), delta, w, t);
        } catch (ClassCastException | NullPointerException e) {
            throw new IllegalArgumentException("\"" + CONFIG + "\" lacks a field or has one of the wrong type: "
                    + Excerpt.of(Json.writeCompact(config)), e);
        }
    }
}
