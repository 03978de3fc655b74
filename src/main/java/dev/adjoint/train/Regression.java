package dev.adjoint.train;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Regression metrics of one output per row, as scikit-learn defines them: RMSE, MAE and R²
 * ({@code 1 - SS_res / SS_tot}; with targets that do not vary, 1 for a perfect fit and 0 otherwise,
 * scikit-learn's {@code force_finite}). A model trained on standardised targets gives outputs in
 * those units: {@code mean} and {@code std} (the targets' own, fitted on the training rows) turn
 * outputs and targets back, {@code v · std + mean} in float64, so that the metrics are in the
 * targets' original units; the loss stays the one measured on the standardised targets.
 */
public record Regression(double mean, double std) implements Metrics {
    /** Metrics of outputs and targets as they are (no standardisation to undo). */
    public Regression() {
        this(0, 1);
    }

    @Override
    public Evaluation evaluate(float[] outputs, float[] targets, int rows, double loss) {
        if (outputs.length != rows || targets.length != rows) {
            throw new IllegalArgumentException("Regression: " + outputs.length + " outputs and " + targets.length
                    + " targets for " + rows + " rows (need one of each a row)");
        }
        double[] p = original(outputs);
        double[] t = original(targets);
        Map<String, Double> s = new LinkedHashMap<>();
        s.put("loss", loss);
        s.put("rmse", rmse(p, t));
        s.put("mae", mae(p, t));
        s.put("r2", r2(p, t));
        return new Evaluation(rows, s, Map.of());
    }

    /** Values in standardised units back in the original ones, {@code v · std + mean}. */
    public double[] original(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i] * std + mean;
        }
        return d;
    }

    public static double rmse(float[] predicted, float[] actual) {
        return rmse(doubles(predicted), doubles(actual));
    }

    public static double mae(float[] predicted, float[] actual) {
        return mae(doubles(predicted), doubles(actual));
    }

    public static double r2(float[] predicted, float[] actual) {
        return r2(doubles(predicted), doubles(actual));
    }

    public static double rmse(double[] predicted, double[] actual) {
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            double d = predicted[i] - actual[i];
            sum += d * d;
        }
        return actual.length == 0 ? Double.NaN : Math.sqrt(sum / actual.length);
    }

    public static double mae(double[] predicted, double[] actual) {
        double sum = 0;
        for (int i = 0; i < actual.length; i++) {
            sum += Math.abs(predicted[i] - actual[i]);
        }
        return actual.length == 0 ? Double.NaN : sum / actual.length;
    }

    public static double r2(double[] predicted, double[] actual) {
        if (actual.length == 0) {
            return Double.NaN;
        }
        double mean = 0;
        for (double a : actual) {
            mean += a;
        }
        mean /= actual.length;
        double res = 0;
        double tot = 0;
        for (int i = 0; i < actual.length; i++) {
            res += (actual[i] - predicted[i]) * (actual[i] - predicted[i]);
            tot += (actual[i] - mean) * (actual[i] - mean);
        }
        return tot == 0 ? (res == 0 ? 1 : 0) : 1 - res / tot;
    }

    private static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Override
    public String summary(Evaluation e, int[] labelValues) {
        return String.format(Locale.ROOT, "RMSE %.6g, MAE %.6g, R² %.4f (in the targets' units)%n", e.get("rmse"),
                e.get("mae"), e.get("r2"));
    }
}
