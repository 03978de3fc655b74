package dev.adjoint.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A task's metrics, computed on the host from a model's outputs over a whole split (the data are
 * small: one row of outputs per sample). One implementation per task: {@link Classification}
 * (multi-class), {@link Binary} (adds ROC AUC) and {@link Regression} (RMSE, MAE, R²), as
 * {@link Task#metrics} chooses.
 */
public interface Metrics {
    /** {@code v} as a JSON value: null when it is not finite (JSON has no NaN), else itself. */
    static Object json(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /**
     * The metrics of {@code rows} rows of outputs ({@code outputs.length / rows} a row, row-major)
     * against their {@code targets}, with the split's mean {@code loss} (measured on the device).
     */
    Evaluation evaluate(float[] outputs, float[] targets, int rows, double loss);

    /** A few lines for the user: the per-class figures of {@code e} (and what else the task shows). */
    String summary(Evaluation e, int[] labelValues);

    /**
     * One split's metrics: {@code scalars} (always {@code loss}; for classification
     * {@code accuracy}, {@code top5_accuracy} when there are more than 5 classes, {@code macro_f1}),
     * and {@code details}, JSON values too big to print every epoch (per-class figures, the
     * confusion matrix).
     */
    record Evaluation(int samples, Map<String, Double> scalars, Map<String, Object> details) {
        public Evaluation {
            scalars = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scalars));
            details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        }

        /** The scalar {@code name}, or NaN when this task does not measure it. */
        public double get(String name) {
            Double v = scalars.get(name);
            return v == null ? Double.NaN : v;
        }

        public double loss() {
            return get("loss");
        }

        public double accuracy() {
            return get("accuracy");
        }

        /** The scalars (null where one is undefined, NaN: a ROC AUC of one class), then the details, as JSON values. */
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("samples", (long) samples);
            scalars.forEach((k, v) -> m.put(k, json(v)));
            m.putAll(details);
            return m;
        }
    }
}
