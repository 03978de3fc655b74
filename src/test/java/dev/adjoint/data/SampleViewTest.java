package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Views of samples ({@link Samples#rows}, {@link Samples#withLabels}) read the base's rows by index, copying nothing. */
class SampleViewTest {
    /** Five samples of two features: sample i is (10 i, 10 i + 1), class i % 3. */
    private static final Dataset BASE = new Dataset("base", new float[] {0, 1, 10, 11, 20, 21, 30, 31, 40, 41},
            new float[] {0, 1, 2, 0, 1}, 5, 2, 3, new int[] {4, 6, 8});

    private static float[] row(Samples s, int i) {
        float[] r = new float[s.dims()];
        s.copyRow(i, r, 0);
        return r;
    }

    @Test
    void rowsOfRowsReadTheBaseByIndex() {
        Samples v = BASE.rows(new int[] {4, 1, 3}, "v");
        assertEquals(3, v.size());
        assertEquals(2, v.dims());
        assertArrayEquals(new int[] {4, 6, 8}, v.labelValues());
        assertArrayEquals(new float[] {40, 41}, row(v, 0));
        assertArrayEquals(new float[] {1, 1, 0}, v.labels());
        assertArrayEquals(new int[] {1, 2, 0}, v.classCounts());
        Samples w = v.rows(new int[] {2, 0}, "w");
        assertArrayEquals(new float[] {30, 31}, row(w, 0));
        assertArrayEquals(new float[] {40, 41}, row(w, 1));
        assertArrayEquals(new float[] {0, 1}, w.labels());
        assertEquals(BASE.source(), w.source());
        assertThrows(IndexOutOfBoundsException.class, () -> v.copyRow(3, new float[2], 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BASE.rows(new int[] {0, 5}, "x"));
        assertTrue(e.getMessage().contains("index 5 at 1 is outside [0, 5)"), e.getMessage());
    }

    @Test
    void otherLabelsKeepTheFeaturesAndAreChecked() {
        Dataset r = Dataset.regression("r", new float[] {1, 2, 3}, new float[] {10, 20, 30}, 3, 1, null);
        Samples scaled = r.rows(new int[] {2, 0}, "r2").withLabels(new float[] {-1.5f, 0.25f});
        assertArrayEquals(new float[] {3}, row(scaled, 0));
        assertArrayEquals(new float[] {-1.5f, 0.25f}, scaled.labels());
        assertTrue(scaled.isRegression());
        Samples picked = scaled.rows(new int[] {1}, "one");
        assertArrayEquals(new float[] {1}, row(picked, 0));
        assertEquals(0.25f, picked.label(0), "the relabelled value follows its row");
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> r.withLabels(new float[] {0, Float.NaN, 0}));
        assertTrue(nan.getMessage().contains("label NaN of sample 1 is not a finite number"), nan.getMessage());
        IllegalArgumentException cls = assertThrows(IllegalArgumentException.class,
                () -> BASE.withLabels(new float[] {0, 1, 3, 0, 1}));
        assertTrue(cls.getMessage().contains("label 3.0 of sample 2 is not a class index 0..2"), cls.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BASE.withLabels(new float[] {0, 1}));
    }
}
