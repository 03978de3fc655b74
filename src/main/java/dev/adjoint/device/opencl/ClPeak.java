package dev.adjoint.device.opencl;

import dev.adjoint.device.PeakProbe;

/**
 * The OpenCL {@link PeakProbe}: {@code peak.cl}'s {@code peak_fma} over enough work-items to fill
 * the device (GPU: 8 groups of 256 per compute unit; CPU: 2 groups of 16 per compute unit, each
 * item one float8 register per chain), timed from launch to {@code clFinish}. On PoCL, 8 groups of
 * one item on 2 cores ran at less than half the rate of 4 groups of 16.
 */
final class ClPeak {
    /** FMA steps per round of the kernel's loop (4 PEAK_STEPs), and FLOP per work-item per step (8 chains × 8 lanes × 2). */
    static final int STEPS_PER_ROUND = 4;
    static final int FLOP_PER_STEP = 8 * 8 * 2;
    /** The chains' constants: x = x·B + C stays near 1. */
    static final float B = 0.999999f;
    static final float C = 1e-6f;

    private ClPeak() {}

    static PeakProbe.Peak measure(OpenClDevice device, boolean gpu, int computeUnits, double seconds) {
        int local = gpu ? 256 : 16;
        int items = computeUnits * (gpu ? 8 : 2) * local;
        String method = "peak_fma: " + items + " work-items (groups of " + local + ") x 8 chains of float8 fma";
        try (OpenClBuffer out = (OpenClBuffer) device.allocate(items)) {
            return PeakProbe.measure(seconds, (double) FLOP_PER_STEP * items, iterations -> {
                int rounds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, iterations / STEPS_PER_ROUND));
                long t0 = System.nanoTime();
                launch(device, out, items, local, rounds, B, C);
                device.synchronize();
                return (System.nanoTime() - t0) / 1e9 * iterations / ((double) rounds * STEPS_PER_ROUND);
            }, method);
        }
    }

    /**
     * Queues {@code peak_fma}: {@code rounds} rounds of {@code x = fma(x, b, c)} on {@code items}
     * work-items, each writing the sum of its chains to {@code out}.
     */
    static void launch(OpenClDevice device, OpenClBuffer out, int items, int local, int rounds, float b, float c) {
        device.launch("peak_fma", () -> "peak_fma [" + items + " work-items, " + rounds + " rounds]")
                .i(rounds).f(b).f(c).mem(out).i(items).run1d(items, local);
    }
}
