package dev.adjoint.bench;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.opencl.OpenClBackend;
import dev.adjoint.device.opencl.OpenClDevice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * SGEMM on one OpenCL device: the naive kernel (one output per work-item) against the tiled one,
 * side by side in one run, at n×n×n (default 1024). Validates both against float64 first, then
 * alternates timed runs (device synchronized inside the timing) and reports medians.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -Dorg.lwjgl.opencl.libname=libOpenCL.so.1 -cp target/classes:$(cat cp.txt) \
 *      dev.adjoint.bench.OpenClGemmBaseline [device-selector] [n] [output.json]
 * </pre>
 * Writes {@code bench/results/opencl-pocl-gemm.json} by default.
 */
public final class OpenClGemmBaseline {
    private OpenClGemmBaseline() {}

    public static void main(String[] args) throws IOException {
        String selector = args.length > 0 ? args[0] : "";
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
        Path out = Path.of(args.length > 2 ? args[2] : "bench/results/opencl-pocl-gemm.json");
        OpenClBackend backend = new OpenClBackend();
        if (!backend.availability().available()) {
            System.err.println("OpenCL unavailable: " + backend.availability().reason());
            System.exit(2);
        }
        try (OpenClDevice d = backend.open(selector);
             Buffer a = d.allocate((long) n * n); Buffer b = d.allocate((long) n * n); Buffer c = d.allocate((long) n * n)) {
            System.out.println("device: " + d.description());
            d.random(a, 0, (long) n * n, Distribution.UNIFORM, -1, 1, 1);
            d.random(b, 0, (long) n * n, Distribution.UNIFORM, -1, 1, 2);
            double naiveErr = validate(d, true, n, a, b, c);
            double tiledErr = validate(d, false, n, a, b, c);
            System.out.printf(Locale.ROOT, "validated: max |error| naive %.2e, tiled %.2e%n", naiveErr, tiledErr);

            int rounds = 3, tiledPerRound = 5;
            double[] naive = new double[rounds];
            double[] tiled = new double[rounds * tiledPerRound];
            for (int r = 0; r < rounds; r++) {
                naive[r] = time(d, true, n, a, b, c);
                for (int t = 0; t < tiledPerRound; t++) {
                    tiled[r * tiledPerRound + t] = time(d, false, n, a, b, c);
                }
                System.out.printf(Locale.ROOT, "round %d: naive %.2f GFLOP/s, tiled %s%n", r, naive[r],
                        Arrays.toString(Arrays.copyOfRange(tiled, r * tiledPerRound, (r + 1) * tiledPerRound)));
            }
            double naiveMedian = median(naive), tiledMedian = median(tiled);
            System.out.printf(Locale.ROOT, "median: naive %.2f GFLOP/s, tiled %.2f GFLOP/s, ratio %.1fx%n",
                    naiveMedian, tiledMedian, tiledMedian / naiveMedian);
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, json(d, n, naive, tiled, naiveMedian, tiledMedian, naiveErr, tiledErr));
            System.out.println("wrote " + out);
        }
    }

    /** Runs one kernel and compares 256 sampled outputs with a float64 dot product. */
    private static double validate(OpenClDevice d, boolean naive, int n, Buffer a, Buffer b, Buffer c) {
        d.fill(c, 0, (long) n * n, Float.NaN);
        run(d, naive, n, a, b, c);
        float[] av = new float[n * n], bv = new float[n * n], cv = new float[n * n];
        d.download(a, 0, av, 0, av.length);
        d.download(b, 0, bv, 0, bv.length);
        d.download(c, 0, cv, 0, cv.length);
        Random r = new Random(7);
        double worst = 0;
        for (int s = 0; s < 256; s++) {
            int i = r.nextInt(n), j = r.nextInt(n);
            double want = 0;
            for (int p = 0; p < n; p++) {
                want += (double) av[i * n + p] * bv[p * n + j];
            }
            double err = Math.abs(want - cv[i * n + j]);
            if (!(err < 1e-3)) {
                throw new IllegalStateException((naive ? "naive" : "tiled") + " gemm is wrong at (" + i + ", " + j
                        + "): " + cv[i * n + j] + " vs " + want);
            }
            worst = Math.max(worst, err);
        }
        return worst;
    }

    private static double time(OpenClDevice d, boolean naive, int n, Buffer a, Buffer b, Buffer c) {
        d.synchronize();
        long t0 = System.nanoTime();
        run(d, naive, n, a, b, c);
        d.synchronize();
        return 2.0 * n * n * n / ((System.nanoTime() - t0) * 1e-9) / 1e9;
    }

    private static void run(OpenClDevice d, boolean naive, int n, Buffer a, Buffer b, Buffer c) {
        if (naive) {
            d.gemmNaive(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        } else {
            d.gemm(false, false, n, n, n, 1f, a, 0, n, b, 0, n, 0f, c, 0, n);
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String json(OpenClDevice d, int n, double[] naive, double[] tiled, double naiveMedian,
                               double tiledMedian, double naiveErr, double tiledErr) {
        return String.format(Locale.ROOT, """
                {
                  "benchmark": "sgemm %d^3 fp32, row-major, no transposes: gemm_naive vs tiled gemm_nn",
                  "timestamp": "%s",
                  "machine": {"os": "%s", "arch": "%s", "cpus": %d, "cpu": "%s"},
                  "java": "%s",
                  "device": "%s",
                  "platform_version": "%s",
                  "naive_gflops": %.3f,
                  "tiled_gflops": %.3f,
                  "ratio": %.2f,
                  "statistic": "median of runs alternated in one process, device synchronized inside the timing",
                  "naive_runs_gflops": %s,
                  "tiled_runs_gflops": %s,
                  "validation_max_abs_error": {"naive": %.3e, "tiled": %.3e}
                }
                """, n, Instant.now(), esc(System.getProperty("os.name") + " " + System.getProperty("os.version")),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors(), esc(dev.adjoint.device.Host.cpuModel()),
                esc(System.getProperty("java.vm.name") + " " + System.getProperty("java.version")),
                esc(d.description()), esc(d.platformVersion()), naiveMedian, tiledMedian, tiledMedian / naiveMedian,
                list(naive), list(tiled), naiveErr, tiledErr);
    }

    private static String list(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", v[i]));
        }
        return sb.append(']').toString();
    }

    private static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
