package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The timing loop's budget on a workload of known duration (about 1 ms per call). */
class TimingTest {
    /** Counts calls and synchronizes; each call takes about {@code nanos}. */
    static final class Sleeper implements Workload {
        final long nanos;
        int calls;
        int syncs;

        Sleeper(long nanos) {
            this.nanos = nanos;
        }

        @Override
        public void run() {
            calls++;
            long end = System.nanoTime() + nanos;
            while (System.nanoTime() < end) {
                LockSupport.parkNanos(Math.max(1, end - System.nanoTime()));
            }
        }

        @Override
        public void synchronize() {
            syncs++;
        }

        @Override
        public void close() {}
    }

    @Test
    void callsPerSampleCoverTheSampleTimeWithinBounds() {
        assertEquals(250, Timing.callsPerSample(1e-3, 0.25));
        assertEquals(1, Timing.callsPerSample(2.0, 0.25), "a call longer than a sample is a sample");
        assertEquals(1, Timing.callsPerSample(1e-3, 0), "no sample time: one call");
        assertEquals(1_000_000, Timing.callsPerSample(0, 1), "capped");
    }

    @Test
    void warmUpRunsAtLeastOnceAndSynchronizesEveryCall() {
        Sleeper w = new Sleeper(1_000_000);
        double perCall = Timing.warmup(w, 0);
        assertEquals(1, w.calls);
        assertEquals(1, w.syncs);
        assertTrue(perCall >= 1e-3, "one call takes at least 1 ms, measured " + perCall);
    }

    @Test
    void aFixedBudgetTakesExactlyRepeatSamplesOfWholeBatches() {
        Sleeper w = new Sleeper(1_000_000);
        Samples s = Timing.measure(w, Timing.Budget.fixed(0.005, 0.004, 5));
        assertEquals(5, s.count());
        int batch = s.callsPerSample();
        assertTrue(batch >= 1 && batch <= 4, "about 4 calls of 1 ms per 4 ms sample, got " + batch);
        assertEquals(w.calls - 5 * batch, w.syncs - 5, "warm-up calls each synchronized, samples once each");
        for (double t : s.seconds()) {
            assertTrue(t >= 1e-3, "each call takes at least 1 ms: " + t);
        }
    }

    @Test
    void theTimedBudgetStopsAfterTheMinimumSamples() {
        Sleeper w = new Sleeper(1_000_000);
        Samples s = Timing.measure(w, new Timing.Budget(0, 0, 50, 3, 0));
        assertEquals(3, s.count(), "no time to spare: only the minimum");
        Samples more = Timing.measure(new Sleeper(1_000_000), new Timing.Budget(0, 0, 6, 3, 60));
        assertEquals(6, more.count(), "time to spare: up to repeat");
    }

    @Test
    void badBudgetsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new Timing.Budget(-1, 0, 3, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new Timing.Budget(0, Double.NaN, 3, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new Timing.Budget(0, 0, 2, 3, 1));
        assertThrows(IllegalArgumentException.class, () -> new Timing.Budget(0, 0, 3, 0, 1));
    }
}
