package dev.adjoint.device.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.PeakProbe;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The CPU probe's loops do the work they are counted for: their results equal a plain scalar
 * recurrence run for the same number of steps, and the measured rate stays below what the
 * hardware could possibly do (a loop the JIT removed would look infinitely fast).
 */
class CpuPeakTest {
    private static final float B = 0.999999f;
    private static final float C = 1e-6f;

    /** The eight chains x = x·b + c from 1, 1.1, ..., 1.7, after {@code n} steps, summed in order. */
    private static float reference(long n) {
        float[] start = {1f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f, 1.7f};
        assertEquals(CpuPeak.CHAINS, start.length);
        float sum = 0;
        for (int chain = 0; chain < CpuPeak.CHAINS; chain++) {
            float x = start[chain];
            for (long i = 0; i < n; i++) {
                x = Math.fma(x, B, C);
            }
            sum = chain == 0 ? x : sum + x;
        }
        return sum;
    }

    @Test
    void theScalarLoopRunsEveryStepAcrossItsChunks() {
        for (long n : new long[] {0, 1, 7, (1 << 20) + 3}) {
            assertEquals(reference(n), CpuPeak.scalar(n), "scalar chains after " + n + " steps");
        }
    }

    @Test
    void theVectorLoopComputesTheSameChainsInEveryLane() {
        Assumptions.assumeTrue(CpuVectors.available(), "the Vector API is not enabled");
        for (long n : new long[] {0, 1, 1000}) {
            float want = reference(n) * VectorFmaLoop.lanes();
            assertEquals(want, VectorFmaLoop.run(n), 1e-6 * want, "vector chains after " + n + " steps");
        }
    }

    @Test
    void theMeasuredPeakIsPhysicallyPossible() {
        try (CpuDevice cpu = new CpuDevice(1)) {
            PeakProbe.Peak p = cpu.measurePeak(0.3);
            int lanes = CpuVectors.available() ? VectorFmaLoop.lanes() : 1;
            // At most 4 FMA pipes at 6 GHz on one thread: far above any CPU, far below a removed loop.
            double ceiling = lanes * 2 * 4 * 6e9;
            assertTrue(p.flopsPerSecond() > 0 && p.flopsPerSecond() < ceiling, p.gflops() + " GFLOP/s, " + p.method());
        }
    }
}
