package dev.adjoint.train;

import java.util.List;
import java.util.Locale;

/**
 * The metric that chooses the best epoch (its checkpoint in {@code DIR/best}) and that early
 * stopping watches, with its direction: a name ending in {@code loss} is minimized, any other
 * maximized (Keras's {@code mode="auto"}). The default for classification is {@code val_accuracy}, not
 * Keras's {@code val_loss}: cross-entropy on held-out data grows as a model becomes over-confident
 * while its accuracy still improves (Fashion-MNIST's 20 default epochs: val_loss is lowest at epoch 8,
 * whose model scores 88.97% on the test set, against about 90% near the end). A run with no
 * validation split watches {@code train_loss}.
 */
public record Monitor(String metric, boolean minimize) {
    /** The metrics a run can monitor: those every epoch measures. */
    public static final List<String> METRICS = List.of("val_loss", "val_accuracy", "val_top5_accuracy", "val_macro_f1",
            "train_loss", "train_accuracy");

    public static final Monitor VAL_ACCURACY = of("val_accuracy");
    public static final Monitor TRAIN_LOSS = of("train_loss");

    /** The monitor of {@code metric}, one of {@link #METRICS}. */
    public static Monitor of(String metric) {
        if (!METRICS.contains(metric)) {
            throw new IllegalArgumentException("train: cannot monitor '" + metric + "'; choose one of "
                    + String.join(", ", METRICS));
        }
        return new Monitor(metric, metric.endsWith("loss"));
    }

    /** Whether the metric is measured on the validation split. */
    public boolean needsValidation() {
        return metric.startsWith("val_");
    }

    /** Whether {@code value} beats {@code best} by more than {@code minDelta}; NaN never does, and anything beats NaN. */
    public boolean better(double value, double best, double minDelta) {
        if (Double.isNaN(value)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return minimize ? value < best - minDelta : value > best + minDelta;
    }

    /** "val_loss 0.3012" or "val_accuracy 88.10%". */
    public String format(double value) {
        return minimize || metric.endsWith("f1") ? String.format(Locale.ROOT, "%s %.4f", metric, value)
                : String.format(Locale.ROOT, "%s %.2f%%", metric, 100 * value);
    }
}
