package dev.adjoint.train;

import java.util.List;
import java.util.Locale;

/**
 * The metric that chooses the best epoch (its checkpoint in {@code DIR/best}) and that early
 * stopping watches, with its direction: a name ending in {@code loss}, {@code rmse} or {@code mae}
 * (an error) is minimized, any other (accuracy, AUC, F1, R²) maximized (Keras's {@code mode="auto"}). The default for classification is {@code val_accuracy}, not
 * Keras's {@code val_loss}: cross-entropy on held-out data grows as a model becomes over-confident
 * while its accuracy still improves (Fashion-MNIST's 20 default epochs: val_loss is lowest at epoch 8,
 * whose model scores 88.97% on the test set, against about 90% near the end). A run with no
 * validation split watches {@code train_loss}. Binary and regression tasks watch {@code val_loss} by
 * default ({@link Task#defaultMonitor}); which metrics a task measures is {@link Task#monitors}.
 */
public record Monitor(String metric, boolean minimize) {
    /** The metrics a run can monitor: those every epoch measures, for one task or another ({@link Task#monitors}). */
    public static final List<String> METRICS = List.of("val_loss", "val_accuracy", "val_top5_accuracy", "val_macro_f1",
            "val_roc_auc", "val_positive_f1", "val_rmse", "val_mae", "val_r2", "train_loss", "train_accuracy");

    public static final Monitor VAL_ACCURACY = of("val_accuracy");
    public static final Monitor TRAIN_LOSS = of("train_loss");

    /** The monitor of {@code metric}, one of {@link #METRICS} ({@code val_auc} is {@code val_roc_auc}). */
    public static Monitor of(String metric) {
        metric = canonical(metric);
        if (!METRICS.contains(metric)) {
            throw new IllegalArgumentException("train: cannot monitor '" + metric + "'; choose one of "
                    + String.join(", ", METRICS));
        }
        return new Monitor(metric, metric.endsWith("loss") || metric.endsWith("rmse") || metric.endsWith("mae"));
    }

    /** {@code metric} as {@link #METRICS} names it: {@code val_auc} (Keras's name) is {@code val_roc_auc}. */
    public static String canonical(String metric) {
        return metric.endsWith("_auc") && !metric.endsWith("roc_auc") ? metric.replace("_auc", "_roc_auc") : metric;
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

    /** "val_loss 0.3012", "val_rmse 1.234" or "val_accuracy 88.10%". */
    public String format(double value) {
        if (metric.endsWith("accuracy")) {
            return String.format(Locale.ROOT, "%s %.2f%%", metric, 100 * value);
        }
        return String.format(Locale.ROOT, metric.endsWith("rmse") || metric.endsWith("mae") ? "%s %.4g" : "%s %.4f", metric,
                value);
    }
}
