package dev.adjoint.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One epoch's record: the numbers a user watches, and what goes into the JSON log. The training
 * loss and accuracy are those of the epoch's batches (in training mode, as the weights moved);
 * {@code training} is the task's metrics of those same predictions, the running kind that Keras
 * and PyTorch Lightning report: the outputs each training step computed anyway (dropout on, the
 * weights changing within the epoch), kept on the device and read back once at the epoch's end,
 * against the batches' targets (null when not kept: see {@link Trainer#fit}). {@code validation}
 * is the validation split's metrics after the epoch, in eval mode (null when no split is held out).
 * The test split is not measured per epoch (see {@link Trainer#test}).
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, Metrics.Evaluation training,
                         Metrics.Evaluation validation, double samplesPerSecond, double seconds, double lr) {
    /** The training metrics not named here are not measured (a record without {@code training}). */
    public EpochStats(int epoch, double trainLoss, double trainAccuracy, Metrics.Evaluation validation,
                      double samplesPerSecond, double seconds, double lr) {
        this(epoch, trainLoss, trainAccuracy, null, validation, samplesPerSecond, seconds, lr);
    }

    /** The most classes whose validation confusion matrix goes into every epoch's JSON. */
    static final int PER_EPOCH_CONFUSION = 20;

    public double valLoss() {
        return validation == null ? Double.NaN : validation.loss();
    }

    public double valAccuracy() {
        return validation == null ? Double.NaN : validation.accuracy();
    }

    /** A metric {@link Monitor} can watch: {@code train_loss}, {@code val_accuracy}, …; NaN when not measured. */
    public double value(String metric) {
        return switch (metric) {
            case "train_loss" -> trainLoss;
            case "train_accuracy" -> trainAccuracy;
            default -> metric.startsWith("val_") && validation != null ? validation.get(Monitor.canonical(metric).substring(4))
                    : metric.startsWith("train_") && training != null ? training.get(metric.substring(6))
                    : Double.NaN;
        };
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", (long) epoch);
        m.put("train_loss", trainLoss);
        if (!Double.isNaN(trainAccuracy)) {
            m.put("train_accuracy", trainAccuracy);   // none for regression
        }
        if (training != null) {
            // the scalars only (top-5, macro F1, ROC AUC, RMSE, …): per-class figures are the validation's and the test's
            training.scalars().forEach((k, v) -> m.putIfAbsent("train_" + k, Metrics.json(v)));
        }
        if (validation != null) {
            validation.scalars().forEach((k, v) -> m.put("val_" + k, Metrics.json(v)));
            Map<String, Object> v = validation.toJson();
            if (v.get("confusion_matrix") instanceof java.util.List<?> cm && cm.size() > PER_EPOCH_CONFUSION) {
                v.remove("confusion_matrix");   // classes² numbers every epoch: the test's, at the end, is kept
            }
            m.put("validation", v);
        }
        m.put("samples_per_second", samplesPerSecond);
        m.put("seconds", seconds);
        m.put("lr", lr);
        return m;
    }

    /**
     * One line: the training loss and the task's main training figure (accuracy; with ROC AUC for
     * a binary task; RMSE for regression), then the validation loss and the task's headline
     * figures: accuracy, with ROC AUC for a binary task; RMSE and R² for regression.
     */
    @Override
    public String toString() {
        String train = Double.isNaN(trainAccuracy) ? "" : String.format(Locale.ROOT, "  train %.2f%%", 100 * trainAccuracy);
        if (training != null && training.scalars().containsKey("roc_auc")) {
            train += String.format(Locale.ROOT, "  train auc %.4f", training.get("roc_auc"));
        } else if (training != null && training.scalars().containsKey("rmse")) {
            train += String.format(Locale.ROOT, "  train rmse %.4g", training.get("rmse"));
        }
        String val = "";
        if (validation != null && validation.scalars().containsKey("rmse")) {
            val = String.format(Locale.ROOT, "  val loss %.4f  val rmse %.4g  val r2 %.4f", valLoss(), validation.get("rmse"),
                    validation.get("r2"));
        } else if (validation != null) {
            val = String.format(Locale.ROOT, "  val loss %.4f  val %.2f%%", valLoss(), 100 * valAccuracy())
                    + (validation.scalars().containsKey("roc_auc")
                    ? String.format(Locale.ROOT, "  val auc %.4f", validation.get("roc_auc")) : "");
        }
        return String.format(Locale.ROOT, "epoch %3d  loss %.4f%s%s  %,.0f samples/s  %.1f s",
                epoch, trainLoss, train, val, samplesPerSecond, seconds);
    }
}
