package dev.adjoint.device.cuda;

import dev.adjoint.device.PeakProbe;

/**
 * The CUDA {@link PeakProbe}: {@code peak.cu}'s {@code peak_fma}, 8 blocks of
 * {@value CudaKernels#BLOCK} threads per multiprocessor, each thread 8 FMA chains in registers,
 * timed with CUDA events on the device's stream.
 */
final class CudaPeak {
    /** FMA steps per round of the kernel's unrolled loop (PEAK_STEPS in peak.cu), chains per thread. */
    static final int STEPS_PER_ROUND = 16;
    static final int CHAINS = 8;
    /** The chains' constants: x = fmaf(x, B, C) stays near 1. */
    static final float B = 0.999999f;
    static final float C = 1e-6f;

    private CudaPeak() {}

    static PeakProbe.Peak measure(CudaDevice gpu, CudaKernels kernels, int multiprocessors, double seconds) {
        int blocks = multiprocessors * 8;
        int threads = blocks * CudaKernels.BLOCK;
        String method = "peak_fma: " + blocks + " blocks x " + CudaKernels.BLOCK + " threads x " + CHAINS
                + " chains of fmaf";
        try (CudaBuffer out = (CudaBuffer) gpu.allocate(threads)) {
            return PeakProbe.measure(seconds, 2.0 * CHAINS * threads, iterations -> {
                int rounds = (int) Math.min(Integer.MAX_VALUE, Math.max(1, iterations / STEPS_PER_ROUND));
                float ms = gpu.timeMillis(() -> launch(kernels, out, threads, rounds, B, C));
                return ms / 1e3 * iterations / ((double) rounds * STEPS_PER_ROUND);
            }, method);
        }
    }

    /**
     * Queues {@code peak_fma}: {@code rounds} rounds of {@code x = fmaf(x, b, c)} on {@code threads}
     * threads, each writing the sum of its chains to {@code out}.
     */
    static void launch(CudaKernels kernels, CudaBuffer out, int threads, int rounds, float b, float c) {
        int blocks = (threads + CudaKernels.BLOCK - 1) / CudaKernels.BLOCK;
        kernels.launch("peak", "peak_fma", blocks, rounds, b, c, out.address(0), threads);
    }
}
