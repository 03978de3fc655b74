package dev.adjoint.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Regression metrics of one output per row, as scikit-learn defines them: RMSE, MAE and R²
 * ({@code 1 - SS_res / SS_tot}; with targets that do not vary, 1 for a perfect fit and 0 otherwise,
 * scikit-learn's {@code force_finite}). No trainer uses it yet: a regression task plugs it in.
 */
public record Regression() implements Metrics {
    @Override
    public Evaluation evaluate(float[] outputs, float[] targets, int rows, double loss) {
        if (outputs.length != rows || targets.length != rows) {
            throw new IllegalArgumentException("Regression: " + outputs.length + " outputs and " + targets.length
                    + " targets for " + rows + " rows (need one of each a row)");
        }
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("loss", loss);
        s.put("rmse", rmse(outputs, targets));
        s.put("mae", mae(outputs, targets));
        s.put("r2", r2(outputs, targets));
        return new Evaluation(rows, s, Map.of());
    }

    public static double rmse(float[] predicted, float[] actual) {
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = (double) predicted[i] - actual[i];
            sum += d * d;
        }
        return actual.length == 0 ? Double.NaN : Math.sqrt(sum / actual.length);
    }

    public static double mae(float[] predicted, float[] actual) {
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            sum += Math.abs((double) predicted[i] - actual[i]);
        }
        return actual.length == 0 ? Double.NaN : sum / actual.length;
    }

    public static double r2(float[] predicted, float[] actual) {
        if (actual.length == 0) {
            return Double.NaN;
        }
        double mean = 0;
        for (float a : actual) {
            mean += a;
        }
        mean /= actual.length;
        double res = 0;
        double tot = 0;
        for (int i = 0; i < actual.length; i++) {
            res += ((double) actual[i] - predicted[i]) * ((double) actual[i] - predicted[i]);
            tot += (actual[i] - mean) * (actual[i] - mean);
        }
        return tot == 0 ? (res == 0 ? 1 : 0) : 1 - res / tot;
    }

    @Override
    public String summary(Evaluation e, int[] labelValues) {
        return String.format(Locale.ROOT, "RMSE %.4g, MAE %.4g, R² %.4f%n", e.get("rmse"), e.get("mae"), e.get("r2"));
    }
}
