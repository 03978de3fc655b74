package dev.adjoint.device.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@code peak.cl} does the work {@link ClPeak} counts: {@value ClPeak#STEPS_PER_ROUND} steps of 8
 * float8 chains per round. With constants that converge fast (b = 0.99), one round more or less
 * changes the result far beyond the tolerance.
 */
class ClPeakTest {
    /** What work-item i writes: its 8 chains after {@code steps} steps, each chain's 8 lanes summed. */
    static float reference(int item, long steps, float b, float c) {
        float x0 = 1.0f + item * 1e-7f;
        float[] start = {x0, x0 + 0.1f, x0 + 0.2f, x0 + 0.3f, x0 + 0.4f, x0 + 0.5f, x0 + 0.6f, x0 + 0.7f};
        float s = 0;
        for (int chain = 0; chain < 8; chain++) {
            float x = start[chain];
            for (long i = 0; i < steps; i++) {
                x = Math.fma(x, b, c);
            }
            s = chain == 0 ? x : s + x;
        }
        float out = s;
        for (int lane = 1; lane < 8; lane++) {
            out += s;
        }
        return out;
    }

    @Test
    void everyWorkItemRunsEveryStepOfEveryRound() {
        OpenClDevice device = OpenClTestDevice.get();
        int items = 40;   // not a multiple of the group: the bound guard must hold
        for (int rounds : new int[] {1, 25, 100}) {
            try (OpenClBuffer out = (OpenClBuffer) device.allocate(items)) {
                ClPeak.launch(device, out, items, 16, rounds, 0.99f, 0.01f);
                float[] got = OpenClTestDevice.download(out);
                for (int i = 0; i < items; i++) {
                    float want = reference(i, (long) rounds * ClPeak.STEPS_PER_ROUND, 0.99f, 0.01f);
                    assertEquals(want, got[i], 2e-6 * want, "peak_fma item " + i + " after " + rounds + " rounds");
                }
            }
        }
    }
}
