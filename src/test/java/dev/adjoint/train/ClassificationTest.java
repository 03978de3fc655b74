package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** #24 Deliver 4: the classification metrics against values worked out by hand. */
class ClassificationTest {
    // true:      0  0  0  0  1  1  1  2  2  2
    // predicted: 0  0  1  2  1  1  0  2  2  1
    private static final int[] ACTUAL = {0, 0, 0, 0, 1, 1, 1, 2, 2, 2};
    private static final int[] PREDICTED = {0, 0, 1, 2, 1, 1, 0, 2, 2, 1};

    @Test
    void aThreeClassConfusionMatrixAndItsPrecisionRecallAndF1() {
        long[][] m = Classification.confusion(PREDICTED, ACTUAL, 3);
        assertArrayEquals(new long[][] {{2, 1, 1}, {1, 2, 0}, {0, 1, 2}}, m);
        assertEquals(0.6, Classification.accuracy(m), 1e-12);
        double[] p = Classification.precision(m);
        double[] r = Classification.recall(m);
        assertArrayEquals(new double[] {2.0 / 3, 2.0 / 4, 2.0 / 3}, p, 1e-12);
        assertArrayEquals(new double[] {2.0 / 4, 2.0 / 3, 2.0 / 3}, r, 1e-12);
        assertArrayEquals(new double[] {4.0 / 7, 4.0 / 7, 2.0 / 3}, Classification.f1(p, r), 1e-12);
    }

    @Test
    void evaluateGivesTheSameFiguresFromLogitsWithTheLossAsMeasured() {
        float[] logits = new float[30];
        for (int i = 0; i < 10; i++) {
            logits[3 * i + PREDICTED[i]] = 2f;
        }
        float[] targets = new float[10];
        for (int i = 0; i < 10; i++) {
            targets[i] = ACTUAL[i];
        }
        Metrics.Evaluation e = new Classification(3).evaluate(logits, targets, 10, 0.75);
        assertEquals(0.75, e.loss());
        assertEquals(0.6, e.accuracy(), 1e-12);
        assertEquals(38.0 / 63, e.get("macro_f1"), 1e-12);
        assertEquals(Double.NaN, e.get("top5_accuracy"), "3 classes: no top-5");
        assertEquals(List.of(List.of(2L, 1L, 1L), List.of(1L, 2L, 0L), List.of(0L, 1L, 2L)), e.details().get("confusion_matrix"));
        assertEquals(List.of(4L, 3L, 3L), e.details().get("support"));
        assertEquals(10L, e.toJson().get("samples"));
    }

    @Test
    void aClassNeverPredictedHasPrecisionAndF1Zero() {
        long[][] m = Classification.confusion(new int[] {0, 0, 0}, new int[] {0, 1, 1}, 2);
        assertArrayEquals(new double[] {1.0 / 3, 0}, Classification.precision(m), 1e-12);
        assertArrayEquals(new double[] {1, 0}, Classification.recall(m), 1e-12);
        assertArrayEquals(new double[] {0.5, 0}, Classification.f1(Classification.precision(m), Classification.recall(m)), 1e-12);
    }

    @Test
    void topKCountsTiesAtTheBoundaryInAndArgmaxTakesTheFirstOfTies() {
        float[] out = {0.1f, 0.5f, 0.5f, 0.2f};
        assertArrayEquals(new int[] {1}, Classification.argmax(out, 1, 4));
        assertEquals(1.0, Classification.topK(out, new int[] {2}, 4, 1), "class 2 ties the largest: in the top 1");
        assertEquals(0.0, Classification.topK(out, new int[] {3}, 4, 2), "two classes score higher than class 3");
        assertEquals(1.0, Classification.topK(out, new int[] {3}, 4, 3));
        assertEquals(0.0, Classification.topK(out, new int[] {0}, 4, 3));
        assertEquals(1.0, Classification.topK(out, new int[] {0}, 4, 4));
        float[] two = {3, 2, 1, 0, 0, 0, /* row 2 */ 0, 0, 0, 0, 0, 9};
        assertEquals(1.0, Classification.topK(two, new int[] {4, 0}, 6, 5), "row 1's class 4 ties at the boundary,"
                + " row 2's class 0 has only class 5 above it");
    }

    @Test
    void topFiveIsReportedWithMoreThanFiveClasses() {
        float[] out = {6, 5, 4, 3, 2, 1, /* */ 6, 5, 4, 3, 2, 1};
        Metrics.Evaluation e = new Classification(6).evaluate(out, new float[] {4, 5}, 2, 0.0);
        assertEquals(0.5, e.get("top5_accuracy"), 1e-12);
        assertEquals(0.0, e.accuracy());
    }

    /** Found in review: a NaN compared as "not larger", so a row of NaN logits counted as a top-5 hit. */
    @Test
    void aNanOutputIsNeverAHit() {
        float nan = Float.NaN;
        assertEquals(0.0, Classification.topK(new float[] {nan, nan, nan, nan, nan, nan}, new int[] {2}, 6, 5));
        assertEquals(0.0, Classification.topK(new float[] {1, 2, 3, 4, 5, nan}, new int[] {0}, 6, 5),
                "four larger values and a NaN push class 0 out of the top 5");
        assertEquals(1.0, Classification.topK(new float[] {1, 2, 3, 4, 5, nan}, new int[] {4}, 6, 5));
    }

    /**
     * Found in review: the macro F1 averaged over every output, so a class absent from both targets
     * and predictions counted as 0 (perfect predictions on a split without class 2 gave 0.667, where
     * scikit-learn's f1_score(average='macro') gives 1.0).
     */
    @Test
    void macroF1AveragesOverTheClassesPresent() {
        float[] out = {2, 1, 0, /* */ 0, 2, 1, /* */ 2, 0, 1};
        Metrics.Evaluation e = new Classification(3).evaluate(out, new float[] {0, 1, 0}, 3, 0.0);
        assertEquals(1.0, e.get("macro_f1"), 1e-12);
        // one error among classes 0 and 1: F1 0.8 and 0.6667 (sklearn: f1_score([0,1,0,1],[0,1,0,0], average='macro'))
        float[] four = {2, 1, 0, /* */ 0, 2, 1, /* */ 2, 0, 1, /* */ 2, 1, 0};
        Metrics.Evaluation f = new Classification(3).evaluate(four, new float[] {0, 1, 0, 1}, 4, 0.0);
        assertEquals((0.8 + 2.0 / 3) / 2, f.get("macro_f1"), 1e-12);
    }
}
