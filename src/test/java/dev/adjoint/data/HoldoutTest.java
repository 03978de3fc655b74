package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** #24 Deliver 3: the validation split is stratified, seeded, and disjoint from the training rows. */
class HoldoutTest {
    private static final Dataset DATA = Datasets.spiral(3, 100, 9, "spiral");

    private static Set<String> rows(Samples d) {
        Set<String> s = new HashSet<>();
        float[] row = new float[d.dims()];
        for (int i = 0; i < d.size(); i++) {
            d.copyRow(i, row, 0);
            s.add(java.util.Arrays.toString(row) + "/" + d.label(i));
        }
        return s;
    }

    @Test
    void stratifiedDisjointAndComplete() {
        Holdout h = Holdout.of(DATA, 0.2, 1);
        assertArrayEquals(new int[] {20, 20, 20}, h.validation().classCounts());
        assertArrayEquals(new int[] {80, 80, 80}, h.train().classCounts());
        assertEquals(60, Holdout.size(DATA, 0.2));
        Set<String> train = rows(h.train());
        Set<String> val = rows(h.validation());
        assertEquals(240, train.size());
        assertEquals(60, val.size());
        Set<String> both = new HashSet<>(train);
        both.retainAll(val);
        assertEquals(Set.of(), both, "no row is in both");
        both = new HashSet<>(train);
        both.addAll(val);
        assertEquals(rows(DATA), both, "every row is in one");
        assertEquals(DATA.source(), h.train().source());
    }

    @Test
    void theSeedChoosesTheRows() {
        assertEquals(rows(Holdout.of(DATA, 0.2, 1).validation()), rows(Holdout.of(DATA, 0.2, 1).validation()));
        assertFalse(rows(Holdout.of(DATA, 0.2, 1).validation()).equals(rows(Holdout.of(DATA, 0.2, 2).validation())));
    }

    @Test
    void everyClassKeepsATrainingRowAndASingleSampleIsNeverHeldOut() {
        Dataset small = new Dataset("small", new float[] {0, 1, 2, 3, 4}, new float[] {0, 0, 1, 1, 2}, 5, 1, 3);
        Holdout h = Holdout.of(small, 0.9, 3);
        assertArrayEquals(new int[] {1, 1, 0}, h.validation().classCounts());
        assertArrayEquals(new int[] {1, 1, 1}, h.train().classCounts());
        Dataset ones = new Dataset("ones", new float[] {0, 1}, new float[] {0, 1}, 2, 1, 2);
        assertEquals(0, Holdout.size(ones, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Holdout.of(ones, 0.5, 1));
        assertThrows(IllegalArgumentException.class, () -> Holdout.of(DATA, 0.95, 1));
    }
}
