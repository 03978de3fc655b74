package dev.adjoint.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binary classification: {@link Classification}'s metrics of the two classes, and the ROC AUC of
 * the score of class 1 (with two outputs a row, their difference, which orders rows as the
 * softmax probability of class 1 does). No trainer uses it yet: a binary task plugs it in.
 */
public record Binary() implements Metrics {
    @Override
    public Evaluation evaluate(float[] outputs, float[] targets, int rows, double loss) {
        if (outputs.length != 2 * rows) {
            throw new IllegalArgumentException("Binary: " + outputs.length + " outputs for " + rows + " rows (need 2 a row)");
        }
        Evaluation e = new Classification(2).evaluate(outputs, targets, rows, loss);
        double[] score = new double[rows];
        boolean[] positive = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            score[i] = (double) outputs[2 * i + 1] - outputs[2 * i];
            positive[i] = targets[i] == 1f;
        }
        Map<String, Double> s = new LinkedHashMap<>(e.scalars());
        s.put("roc_auc", rocAuc(score, positive));
        return new Evaluation(rows, s, e.details());
    }

    /**
     * The area under the ROC curve: the probability that a random positive scores above a random
     * negative, ties counting one half (the Mann-Whitney U over average ranks); NaN without both.
     */
    public static double rocAuc(double[] score, boolean[] positive) {
        int n = score.length;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[a], score[b]));
        double positiveRanks = 0;
        long pos = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && score[order[j + 1]] == score[order[i]]) {
                j++;
            }
            double rank = (i + j) / 2.0 + 1;    // tied rows share their average rank
            for (int k = i; k <= j; k++) {
                if (positive[order[k]]) {
                    positiveRanks += rank;
                    pos++;
                }
            }
            i = j + 1;
        }
        long neg = n - pos;
        return pos == 0 || neg == 0 ? Double.NaN : (positiveRanks - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    @Override
    public String summary(Evaluation e, int[] labelValues) {
        return String.format(java.util.Locale.ROOT, "ROC AUC %.4f%n", e.get("roc_auc"))
                + new Classification(2).summary(e, labelValues);
    }
}
