package dev.adjoint.device.cpu;

import dev.adjoint.device.PeakProbe;

/**
 * The CPU backend's {@link PeakProbe}: every thread of the pool runs {@value #CHAINS} independent
 * chains of fused multiply-adds on values held in registers. With the Vector API (when the GEMM
 * uses it too) each chain is a {@code FloatVector} of the process's one species ({@link VectorFmaLoop});
 * otherwise it is a scalar {@link Math#fma}. Eight chains cover an FMA latency of four cycles on two
 * pipes (Zen 3, most x86 cores since Haswell), and with the two constant operands they fit in
 * ten vector registers, so C2 keeps them all in registers.
 */
final class CpuPeak {
    static final int CHAINS = 8;
    /**
     * A rate that only C2-compiled vector code reaches: interpreted or C1-compiled Vector API code
     * allocates per operation and runs below 1 GFLOP/s, C2's runs at 20 or more on any core with
     * 256-bit FMA (8 lanes × 2 FLOP at 1+ GHz).
     */
    private static final double COMPILED_FLOPS = 4e9;
    private static final double WARMUP_LIMIT_SECONDS = 20;

    private CpuPeak() {}

    static PeakProbe.Peak measure(Parallel pool, double seconds) {
        int threads = pool.threads();
        boolean vector = CpuVectors.available();
        int lanes = vector ? VectorFmaLoop.lanes() : 1;
        float[] sink = new float[threads];
        String method = threads + " threads x " + CHAINS + " chains of " + (vector ? lanes + "-lane FloatVector.fma"
                : "scalar Math.fma");
        if (vector && !warmUp()) {
            method += " (C2 had not compiled the loop after " + (int) WARMUP_LIMIT_SECONDS + " s: not a peak)";
        }
        return PeakProbe.measure(seconds, 2.0 * CHAINS * lanes * threads, iterations -> {
            long t0 = System.nanoTime();
            pool.run(threads, (task, worker) -> sink[task] = vector ? VectorFmaLoop.run(iterations)
                    : scalar(iterations));
            double elapsed = (System.nanoTime() - t0) / 1e9;
            if (!(sink[0] > 0)) {   // never true: x·b + c with b, c > 0 stays positive; the read keeps the loop alive
                throw new IllegalStateException("cpu peak probe: chains ended at " + sink[0]);
            }
            return elapsed;
        }, method);
    }

    /**
     * Runs the vector loop on this thread until one run reaches {@link #COMPILED_FLOPS}, that is until
     * C2 has compiled it: this takes a few seconds (tiers 0 and 3 must count their iterations first),
     * longer than the probe's calibration on a busy machine. False if it did not happen in time.
     */
    private static boolean warmUp() {
        long end = System.nanoTime() + (long) (WARMUP_LIMIT_SECONDS * 1e9);
        long iterations = 1 << 10;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            float sink = VectorFmaLoop.run(iterations);
            double seconds = Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
            if (!(sink > 0)) {
                throw new IllegalStateException("cpu peak probe: chains ended at " + sink);
            }
            if (2.0 * CHAINS * VectorFmaLoop.lanes() * iterations / seconds >= COMPILED_FLOPS) {
                return true;
            }
            if (seconds < 0.01) {
                iterations *= 2;
            }
        }
        return false;
    }

    /** {@code iterations} steps of {@value #CHAINS} independent scalar FMA chains; returns their sum. */
    static float scalar(long iterations) {
        float b = 0.999999f;
        float c = 1e-6f;
        float x0 = 1, x1 = 1.1f, x2 = 1.2f, x3 = 1.3f, x4 = 1.4f, x5 = 1.5f, x6 = 1.6f, x7 = 1.7f;
        for (long done = 0; done < iterations; ) {
            int n = (int) Math.min(iterations - done, 1 << 20);
            for (int i = 0; i < n; i++) {
                x0 = Math.fma(x0, b, c);
                x1 = Math.fma(x1, b, c);
                x2 = Math.fma(x2, b, c);
                x3 = Math.fma(x3, b, c);
                x4 = Math.fma(x4, b, c);
                x5 = Math.fma(x5, b, c);
                x6 = Math.fma(x6, b, c);
                x7 = Math.fma(x7, b, c);
            }
            done += n;
        }
        return x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    }
}
