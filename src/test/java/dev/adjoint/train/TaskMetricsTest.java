package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** #24 Deliver 4, for the tasks to come: ROC AUC and the regression metrics against hand-worked values. */
class TaskMetricsTest {
    @Test
    void rocAucCountsPairsInOrderAndTiesAsHalves() {
        // positives 0.35, 0.8; negatives 0.1, 0.4: pairs in order (0.35>0.1, 0.8>0.1, 0.8>0.4) = 3 of 4
        assertEquals(0.75, Binary.rocAuc(new double[] {0.1, 0.4, 0.35, 0.8}, new boolean[] {false, false, true, true}),
                1e-12);
        assertEquals(0.5, Binary.rocAuc(new double[] {1, 1, 1, 1}, new boolean[] {true, false, true, false}), 1e-12);
        assertEquals(1.0, Binary.rocAuc(new double[] {0, 1}, new boolean[] {false, true}));
        assertEquals(0.0, Binary.rocAuc(new double[] {1, 0}, new boolean[] {false, true}));
        assertEquals(Double.NaN, Binary.rocAuc(new double[] {1, 2}, new boolean[] {true, true}), "no negative");
        // one tie across classes: 0.5 (pos) vs 0.5 (neg) counts half; 0.5 (pos) > 0.2 (neg) counts one
        assertEquals(0.75, Binary.rocAuc(new double[] {0.2, 0.5, 0.5}, new boolean[] {false, false, true}), 1e-12);
    }

    @Test
    void binaryScoresClassOneByTheDifferenceOfItsOutputs() {
        float[] out = {0, 1, /* */ 1, 0, /* */ 0, 2, /* */ 0, 0.5f};
        Metrics.Evaluation e = new Binary().evaluate(out, new float[] {1, 0, 0, 1}, 4, 0.1);
        // scores 1, -1, 2, 0.5; positives 1 and 0.5, negatives -1 and 2: pairs in order 2 of 4
        assertEquals(0.5, e.get("roc_auc"), 1e-12);
        assertEquals(0.75, e.accuracy(), 1e-12);
    }

    @Test
    void regressionRmseMaeAndR2() {
        float[] actual = {3, -0.5f, 2, 7};
        float[] predicted = {2.5f, 0, 2, 8};   // scikit-learn's own example: r2 0.9486081370449679
        assertEquals(Math.sqrt(0.375), Regression.rmse(predicted, actual), 1e-7);
        assertEquals(0.5, Regression.mae(predicted, actual), 1e-7);
        assertEquals(0.9486081370449679, Regression.r2(predicted, actual), 1e-7);
        assertEquals(1.0, Regression.r2(new float[] {2, 2}, new float[] {2, 2}), "constant targets, perfect fit");
        assertEquals(0.0, Regression.r2(new float[] {1, 3}, new float[] {2, 2}), "constant targets, imperfect fit");
        Metrics.Evaluation e = new Regression().evaluate(predicted, actual, 4, 0.375);
        assertEquals(0.5, e.get("mae"), 1e-7);
    }
}
