package dev.adjoint.device.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.device.Buffer;
import dev.adjoint.testing.Backends;
import org.junit.jupiter.api.Test;

/**
 * {@code peak.cu} does the work {@link CudaPeak} counts: {@value CudaPeak#STEPS_PER_ROUND} steps
 * of {@value CudaPeak#CHAINS} chains per round and thread; skipped without a CUDA driver.
 */
class CudaPeakTest {
    /** What thread i writes: its chains after {@code steps} steps of fmaf, summed in order. */
    static float reference(int thread, long steps, float b, float c) {
        float x0 = 1.0f + thread * 1e-7f;
        float[] start = {x0, x0 + 0.1f, x0 + 0.2f, x0 + 0.3f, x0 + 0.4f, x0 + 0.5f, x0 + 0.6f, x0 + 0.7f};
        float s = 0;
        for (int chain = 0; chain < CudaPeak.CHAINS; chain++) {
            float x = start[chain];
            for (long i = 0; i < steps; i++) {
                x = Math.fma(x, b, c);
            }
            s = chain == 0 ? x : s + x;
        }
        return s;
    }

    @Test
    void everyThreadRunsEveryStepOfEveryRound() {
        CudaDevice gpu = (CudaDevice) Backends.open("cuda");
        int threads = 300;   // not a multiple of the block: the bound guard must hold
        for (int rounds : new int[] {1, 7, 25}) {
            try (Buffer out = gpu.allocate(threads)) {
                CudaPeak.launch(gpu.kernels(), (CudaBuffer) out, threads, rounds, 0.99f, 0.01f);
                float[] got = new float[threads];
                gpu.download(out, 0, got, 0, threads);
                for (int i = 0; i < threads; i++) {
                    float want = reference(i, (long) rounds * CudaPeak.STEPS_PER_ROUND, 0.99f, 0.01f);
                    assertEquals(want, got[i], 2e-6 * want, "peak_fma thread " + i + " after " + rounds + " rounds");
                }
            }
        }
    }
}
