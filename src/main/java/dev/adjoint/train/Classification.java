package dev.adjoint.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Multi-class classification metrics, as scikit-learn and Keras define them: accuracy of the
 * arg-max (the first of tied maxima, as the device's argmax), top-k accuracy (the target is in the
 * top k when fewer than k classes score strictly higher: ties at the boundary count in, as Keras's
 * {@code in_top_k}), the confusion matrix (row: true class, column: predicted), and per class
 * precision, recall and F1 (0 where undefined, scikit-learn's {@code zero_division=0}).
 */
public record Classification(int classes) implements Metrics {
    /** The k of the top-k accuracy reported when there are more than k classes. */
    public static final int TOP_K = 5;

    @Override
    public Evaluation evaluate(float[] outputs, float[] targets, int rows, double loss) {
        int cols = rows == 0 ? classes : outputs.length / rows;
        int[] predicted = argmax(outputs, rows, cols);
        int[] actual = new int[rows];
        for (int i = 0; i < rows; i++) {
            actual[i] = (int) targets[i];
        }
        long[][] confusion = confusion(predicted, actual, Math.max(classes, cols));
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("loss", loss);
        scalars.put("accuracy", accuracy(confusion));
        if (cols > TOP_K) {
            scalars.put("top" + TOP_K + "_accuracy", topK(outputs, actual, cols, TOP_K));
        }
        double[] p = precision(confusion);
        double[] r = recall(confusion);
        double[] f = f1(p, r);
        scalars.put("macro_f1", macroF1(f, confusion));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("precision", list(p));
        details.put("recall", list(r));
        details.put("f1", list(f));
        details.put("support", java.util.Arrays.stream(confusion).map(row -> (Object) java.util.Arrays.stream(row).sum())
                .toList());
        details.put("confusion_matrix", java.util.Arrays.stream(confusion)
                .map(row -> (Object) java.util.Arrays.stream(row).mapToObj(v -> (Object) v).toList()).toList());
        return new Evaluation(rows, scalars, details);
    }

    /** Each row's index of its largest output, the first when several tie. */
    public static int[] argmax(float[] outputs, int rows, int cols) {
        int[] out = new int[rows];
        for (int i = 0; i < rows; i++) {
            int best = 0;
            for (int j = 1; j < cols; j++) {
                if (outputs[i * cols + j] > outputs[i * cols + best]) {
                    best = j;
                }
            }
            out[i] = best;
        }
        return out;
    }

    /** Counts of (true class, predicted class). */
    public static long[][] confusion(int[] predicted, int[] actual, int classes) {
        long[][] m = new long[classes][classes];
        for (int i = 0; i < actual.length; i++) {
            m[actual[i]][predicted[i]]++;
        }
        return m;
    }

    /**
     * The fraction of rows whose target is among the {@code k} largest outputs (ties at the boundary
     * count in); a row whose target output is NaN is a miss, and a NaN elsewhere counts as larger.
     */
    public static double topK(float[] outputs, int[] actual, int cols, int k) {
        int hits = 0;
        for (int i = 0; i < actual.length; i++) {
            float t = outputs[i * cols + actual[i]];
            int higher = 0;
            for (int j = 0; j < cols; j++) {
                float o = outputs[i * cols + j];
                higher += o > t || Float.isNaN(o) ? 1 : 0;   // a NaN output outranks everything: no silent hit
            }
            hits += higher < k && !Float.isNaN(t) ? 1 : 0;
        }
        return actual.length == 0 ? Double.NaN : (double) hits / actual.length;
    }

    public static double accuracy(long[][] confusion) {
        long right = 0;
        long all = 0;
        for (int i = 0; i < confusion.length; i++) {
            for (int j = 0; j < confusion.length; j++) {
                all += confusion[i][j];
                right += i == j ? confusion[i][j] : 0;
            }
        }
        return all == 0 ? Double.NaN : (double) right / all;
    }

    /** Per class: true positives over predicted positives (the column's sum); 0 for a class never predicted. */
    public static double[] precision(long[][] confusion) {
        double[] p = new double[confusion.length];
        for (int c = 0; c < p.length; c++) {
            long predicted = 0;
            for (long[] row : confusion) {
                predicted += row[c];
            }
            p[c] = predicted == 0 ? 0 : (double) confusion[c][c] / predicted;
        }
        return p;
    }

    /** Per class: true positives over actual positives (the row's sum); 0 for a class absent from the data. */
    public static double[] recall(long[][] confusion) {
        double[] r = new double[confusion.length];
        for (int c = 0; c < r.length; c++) {
            long actual = java.util.Arrays.stream(confusion[c]).sum();
            r[c] = actual == 0 ? 0 : (double) confusion[c][c] / actual;
        }
        return r;
    }

    /** Per class: the harmonic mean of precision and recall, 0 where both are 0. */
    public static double[] f1(double[] precision, double[] recall) {
        double[] f = new double[precision.length];
        for (int c = 0; c < f.length; c++) {
            double s = precision[c] + recall[c];
            f[c] = s == 0 ? 0 : 2 * precision[c] * recall[c] / s;
        }
        return f;
    }

    /**
     * The mean F1 over the classes that occur, as a target or a prediction (scikit-learn's macro
     * average over the labels present): a class absent from both would count as a zero otherwise.
     */
    public static double macroF1(double[] f1, long[][] confusion) {
        double sum = 0;
        int present = 0;
        for (int c = 0; c < f1.length; c++) {
            long seen = java.util.Arrays.stream(confusion[c]).sum();
            for (long[] row : confusion) {
                seen += row[c];
            }
            if (seen > 0) {
                sum += f1[c];
                present++;
            }
        }
        return present == 0 ? Double.NaN : sum / present;
    }

    private static List<Object> list(double[] v) {
        List<Object> l = new ArrayList<>(v.length);
        for (double x : v) {
            l.add(x);
        }
        return l;
    }

    /** Per class precision, recall, F1 and support; the confusion matrix too for at most 20 classes. */
    @Override
    public String summary(Evaluation e, int[] labelValues) {
        StringBuilder b = new StringBuilder();
        List<?> p = (List<?>) e.details().get("precision");
        List<?> r = (List<?>) e.details().get("recall");
        List<?> f = (List<?>) e.details().get("f1");
        List<?> s = (List<?>) e.details().get("support");
        b.append(String.format(Locale.ROOT, "%8s %9s %9s %9s %9s%n", "class", "precision", "recall", "f1", "support"));
        for (int c = 0; c < p.size(); c++) {
            b.append(String.format(Locale.ROOT, "%8s %9.4f %9.4f %9.4f %9d%n", label(labelValues, c), (Double) p.get(c),
                    (Double) r.get(c), (Double) f.get(c), (Long) s.get(c)));
        }
        if (p.size() <= 20) {
            b.append("confusion matrix (row: true class, column: predicted)\n");
            List<?> m = (List<?>) e.details().get("confusion_matrix");
            b.append(String.format(Locale.ROOT, "%8s", ""));
            for (int c = 0; c < m.size(); c++) {
                b.append(String.format(Locale.ROOT, " %6s", label(labelValues, c)));
            }
            b.append('\n');
            for (int c = 0; c < m.size(); c++) {
                b.append(String.format(Locale.ROOT, "%8s", label(labelValues, c)));
                for (Object v : (List<?>) m.get(c)) {
                    b.append(String.format(Locale.ROOT, " %6d", (Long) v));
                }
                b.append('\n');
            }
        }
        return b.toString();
    }

    private static String label(int[] labelValues, int c) {
        return labelValues != null && c < labelValues.length ? Integer.toString(labelValues[c]) : Integer.toString(c);
    }
}
