package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.testing.Backends;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The shared measurement of {@link PeakProbe} on synthetic runs, and every backend's probe. */
class PeakProbeTest {
    @Test
    void aSteadyRunGivesItsRate() {
        // n iterations "take" 2 ns each, 100 FLOP per iteration: 5e10 FLOP/s whatever n.
        PeakProbe.Peak p = PeakProbe.measure(0.05, 100, n -> n * 2e-9, "synthetic");
        assertEquals(100 / 2e-9, p.flopsPerSecond(), 1e-9 * p.flopsPerSecond());
        assertEquals("synthetic", p.method());
    }

    @Test
    void runsTooShortToTimeAreNotCountedSoAnOverheadIsAmortized() {
        // 1 ms of fixed overhead per run: runs count from 5 ms (a tenth of 0.05 s), i.e. from 2^22
        // iterations, where the overhead is a fifth of the run; shorter runs would look slower.
        PeakProbe.Peak p = PeakProbe.measure(0.05, 1, n -> 1e-3 + n * 1e-9, "overhead");
        double n = 1 << 22;
        assertEquals(n / (1e-3 + n * 1e-9), p.flopsPerSecond(), 1e-9 * p.flopsPerSecond());
    }

    @Test
    void theBestRateWinsAfterAJitSpeedsTheRunsUp() {
        // Ten times slower for the first 20 runs, as Vector API code is before C2 compiles it; the
        // faster runs are too short to count until the iterations double again.
        AtomicInteger runs = new AtomicInteger();
        PeakProbe.Peak p = PeakProbe.measure(0.05, 1, n -> n * (runs.incrementAndGet() <= 20 ? 1e-8 : 1e-9), "jit");
        assertEquals(1e9, p.flopsPerSecond(), 1e-6 * 1e9);
    }

    @Test
    void badSecondsAndRatesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> PeakProbe.measure(0, 1, n -> 1, "x"));
        assertThrows(IllegalArgumentException.class, () -> PeakProbe.measure(Double.NaN, 1, n -> 1, "x"));
        assertThrows(IllegalArgumentException.class, () -> new PeakProbe.Peak(0, "x"));
        assertThrows(IllegalArgumentException.class, () -> new PeakProbe.Peak(Double.POSITIVE_INFINITY, "x"));
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void everyBackendMeasuresAPeak(String backend) {
        Device d = Backends.open(backend);
        PeakProbe.Peak p = assertInstanceOf(PeakProbe.class, d, backend + " has a peak probe").measurePeak(0.3);
        assertTrue(p.flopsPerSecond() > 1e8, backend + ": " + p.gflops() + " GFLOP/s (" + p.method() + ")");
        assertFalse(p.method().isBlank());
    }
}
