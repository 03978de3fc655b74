package dev.adjoint.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Binary classification: {@link Classification}'s metrics of the two classes, the ROC AUC of the
 * score of class 1 (the positive class), and that class's precision, recall and F1 as scalars
 * ({@code positive_precision}, {@code positive_recall}, {@code positive_f1}). The outputs are one
 * logit a row (what a binary task's model gives: class 1 is predicted when it is above 0, that is a
 * probability above 0.5, Keras's {@code binary_accuracy}), or two a row, whose difference orders rows
 * as the softmax probability of class 1 does (ties go to class 0 either way).
 */
public record Binary() implements Metrics {
    @Override
    public Evaluation evaluate(float[] outputs, float[] targets, int rows, double loss) {
        if (outputs.length != 2 * rows && outputs.length != rows) {
            throw new IllegalArgumentException("Binary: " + outputs.length + " outputs for " + rows + " rows (need 1 or 2 a row)");
        }
        boolean logits = outputs.length == rows;
        float[] pairs = outputs;
        if (logits) {
            pairs = new float[2 * rows];   // (0, logit): Classification's argmax picks class 1 only above 0
            for (int i = 0; i < rows; i++) {
                pairs[2 * i + 1] = outputs[i];
            }
        }
        Evaluation e = new Classification(2).evaluate(pairs, targets, rows, loss);
        double[] score = new double[rows];
        boolean[] positive = new boolean[rows];
        for (int i = 0; i < rows; i++) {
            score[i] = (double) pairs[2 * i + 1] - pairs[2 * i];
            positive[i] = targets[i] == 1f;
        }
        Map<String, Double> s = new LinkedHashMap<>(e.scalars());
        s.put("roc_auc", rocAuc(score, positive));
        s.put("positive_precision", (Double) ((java.util.List<?>) e.details().get("precision")).get(1));
        s.put("positive_recall", (Double) ((java.util.List<?>) e.details().get("recall")).get(1));
        s.put("positive_f1", (Double) ((java.util.List<?>) e.details().get("f1")).get(1));
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
        return String.format(java.util.Locale.ROOT, "ROC AUC %.4f; positive class: precision %.4f, recall %.4f, F1 %.4f%n",
                e.get("roc_auc"), e.get("positive_precision"), e.get("positive_recall"), e.get("positive_f1"))
                + new Classification(2).summary(e, labelValues);
    }
}
