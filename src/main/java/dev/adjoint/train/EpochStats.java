package dev.adjoint.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One epoch's record: the numbers a user watches, and what goes into the JSON log. The training
 * loss and accuracy are those of the epoch's batches (in training mode, as the weights moved);
 * {@code validation} is the validation split's metrics after the epoch, in eval mode (null when no
 * split is held out). The test split is not measured per epoch (see {@link Trainer#test}).
 */
public record EpochStats(int epoch, double trainLoss, double trainAccuracy, Metrics.Evaluation validation,
                         double samplesPerSecond, double seconds, double lr) {
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
            default -> metric.startsWith("val_") && validation != null ? validation.get(metric.substring(4)) : Double.NaN;
        };
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", (long) epoch);
        m.put("train_loss", trainLoss);
        m.put("train_accuracy", trainAccuracy);
        if (validation != null) {
            validation.scalars().forEach((k, v) -> m.put("val_" + k, v));
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

    @Override
    public String toString() {
        String val = validation == null ? "" : String.format(Locale.ROOT, "  val loss %.4f  val %.2f%%", valLoss(),
                100 * valAccuracy());
        return String.format(Locale.ROOT, "epoch %3d  loss %.4f  train %.2f%%%s  %,.0f samples/s  %.1f s",
                epoch, trainLoss, 100 * trainAccuracy, val, samplesPerSecond, seconds);
    }
}
