package dev.adjoint.device.cuda;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Distribution;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * SGEMM n³ on a CUDA device, validated before it is timed: C = A·B over uniform [-1, 1) inputs,
 * a sample of C checked against float64 dot products, then 10 warm-up products and 30 timed ones,
 * each between CUDA events on the device's stream (median reported), then 5 batches of 20
 * back-to-back products (median batch). Returns one JSON object.
 */
final class CudaGemmTiming {
    private CudaGemmTiming() {}

    static String run(CudaDevice gpu, int size) {
        int n = size;
        long len = (long) n * n;
        Buffer a = gpu.allocate(len);
        Buffer b = gpu.allocate(len);
        Buffer c = gpu.allocate(len);
        gpu.random(a, 0, len, Distribution.UNIFORM, -1, 1, 1);
        gpu.random(b, 0, len, Distribution.UNIFORM, -1, 1, 2);
        gpu.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        // Validate a sample of C against float64 dot products of the same inputs.
        float[] ha = new float[(int) len];
        float[] hb = new float[(int) len];
        float[] hc = new float[(int) len];
        gpu.download(a, 0, ha, 0, (int) len);
        gpu.download(b, 0, hb, 0, (int) len);
        gpu.download(c, 0, hc, 0, (int) len);
        double num = 0;
        double den = 0;
        Random r = new Random(7);
        for (int s = 0; s < 256; s++) {
            int i = r.nextInt(n);
            int j = r.nextInt(n);
            double ref = 0;
            for (int p = 0; p < n; p++) {
                ref += (double) ha[i * n + p] * hb[p * n + j];
            }
            num += (hc[i * n + j] - ref) * (hc[i * n + j] - ref);
            den += ref * ref;
        }
        double relErr = Math.sqrt(num / den);
        for (int w = 0; w < 10; w++) {
            gpu.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        }
        gpu.synchronize();
        int reps = 30;
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            ms[i] = gpu.timeMillis(() -> gpu.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n));
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = (sorted[reps / 2 - 1] + sorted[reps / 2]) / 2;
        // Back to back: 5 batches of 20 products between one pair of events, so the GPU's queue
        // stays full and host-side launch latency drops out; the median batch, per product.
        double[] batch = new double[5];
        for (int i = 0; i < batch.length; i++) {
            batch[i] = gpu.timeMillis(() -> {
                for (int rep = 0; rep < 20; rep++) {
                    gpu.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
                }
            }) / 20.0;
        }
        Arrays.sort(batch);
        double batched = batch[batch.length / 2];
        double flops = 2.0 * n * n * n;
        a.close();
        b.close();
        c.close();
        return String.format(Locale.ROOT, "{\"m\": %d, \"n\": %d, \"k\": %d, \"binding\": %s, \"tf32\": %b, "
                + "\"rel_err_vs_float64_sample\": %.3g, \"reps\": %d, \"median_ms\": %.4f, \"min_ms\": %.4f, "
                + "\"max_ms\": %.4f, \"tflops_median\": %.2f, \"batched_ms_per_gemm\": %.4f, \"tflops_batched\": %.2f}",
                n, n, n, CudaCheck.q(gpu.gemmName()), CudaGemm.tf32(), relErr, reps, median, sorted[0],
                sorted[reps - 1], flops / median / 1e9, batched, flops / batched / 1e9);
    }
}
