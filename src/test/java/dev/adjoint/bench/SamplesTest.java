package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SamplesTest {
    @Test
    void medianOfAnOddCountIsTheMiddleSample() {
        Samples s = new Samples(new double[] {0.5, 0.1, 0.4, 0.2, 0.3}, 4);
        assertEquals(0.3, s.median());
        assertEquals(0.1, s.min());
        assertEquals(0.5, s.max());
        assertEquals(5, s.count());
        assertEquals(4, s.callsPerSample());
    }

    @Test
    void medianOfAnEvenCountIsTheMeanOfTheTwoMiddleSamples() {
        assertEquals(2.5, new Samples(new double[] {4, 1, 3, 2}, 1).median());
        assertEquals(1.5, new Samples(new double[] {2, 1}, 1).median());
        assertEquals(7, new Samples(new double[] {7}, 1).median());
    }

    @Test
    void spreadIsTheRangeOverTheMedian() {
        // (1.2 - 0.9) / 1.0 = 0.3
        assertEquals(0.3, new Samples(new double[] {1.0, 0.9, 1.2}, 1).spread(), 1e-12);
        assertEquals(0, new Samples(new double[] {2, 2, 2}, 1).spread());
    }

    @Test
    void theSamplesAreCopiedInAndOut() {
        double[] in = {3, 1, 2};
        Samples s = new Samples(in, 1);
        in[0] = 100;
        double[] out = s.seconds();
        out[1] = 100;
        assertArrayEquals(new double[] {3, 1, 2}, s.seconds());
        assertEquals(2, s.median(), "sorting for the median leaves the order alone");
    }

    @Test
    void emptyNonPositiveOrNonFiniteSamplesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Samples(new double[0], 1));
        assertThrows(IllegalArgumentException.class, () -> new Samples(new double[] {1, 0}, 1));
        assertThrows(IllegalArgumentException.class, () -> new Samples(new double[] {Double.NaN}, 1));
        assertThrows(IllegalArgumentException.class, () -> new Samples(new double[] {Double.POSITIVE_INFINITY}, 1));
        assertThrows(IllegalArgumentException.class, () -> new Samples(new double[] {1}, 0));
    }
}
