package dev.adjoint.bench;

import dev.adjoint.conformance.Reference;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import java.util.SplittableRandom;

/**
 * {@code C = A·B} through {@link Device#gemm} (float32, row-major, no transposes) on uniform
 * [-1, 1) inputs, validated before it is timed: the first product is checked against float64 sums
 * on a sample of entries ({@link #maxError}). Shapes are {@code MxKxN}: A is m×k, B is k×n. The
 * GEMM of {@code adjoint bench gemm}, of the benchmark matrix and of the JMH {@code GemmBenchmark}.
 */
public final class GemmWorkload implements Workload {
    private final Device device;
    private final GemmBench.Shape shape;
    private final Buffer a;
    private final Buffer b;
    private final Buffer c;
    private final double maxError;

    /** Allocates and fills A, B and C, runs one product and validates it (an IllegalStateException if wrong). */
    public GemmWorkload(Device device, GemmBench.Shape shape) {
        this.device = device;
        this.shape = shape;
        int m = shape.m(), k = shape.k(), n = shape.n();
        SplittableRandom rnd = new SplittableRandom(42);
        float[] ha = random(rnd, (long) m * k);
        float[] hb = random(rnd, (long) k * n);
        a = device.allocate((long) m * k);
        Buffer bb = null;
        Buffer cc = null;
        try {
            bb = device.allocate((long) k * n);
            cc = device.allocate((long) m * n);
            device.upload(ha, 0, a, 0, ha.length);
            device.upload(hb, 0, bb, 0, hb.length);
            device.fill(cc, 0, (long) m * n, Float.NaN);
        } catch (RuntimeException e) {
            a.close();
            if (bb != null) {
                bb.close();
            }
            throw e;
        }
        b = bb;
        c = cc;
        try {
            run();
            synchronize();
            maxError = validate(ha, hb);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    GemmBench.Shape shape() {
        return shape;
    }

    /** The largest error of the validated entries, relative to the sum of |a·b| of each. */
    double maxError() {
        return maxError;
    }

    @Override
    public void run() {
        int m = shape.m(), k = shape.k(), n = shape.n();
        device.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    /** Checks up to 512 entries of C against float64 sums; returns the worst error relative to sum|a·b|. */
    private double validate(float[] ha, float[] hb) {
        int m = shape.m(), k = shape.k(), n = shape.n();
        SplittableRandom rnd = new SplittableRandom(7);
        float[] entry = new float[1];
        double worst = 0;
        boolean all = (long) m * n <= 512;
        int checks = all ? m * n : 512;
        for (int t = 0; t < checks; t++) {
            int i = all ? t / n : rnd.nextInt(m);
            int j = all ? t % n : rnd.nextInt(n);
            device.download(c, (long) i * n + j, entry, 0, 1);
            double[] product = Reference.gemmEntry(false, false, k, ha, 0, k, hb, 0, n, i, j);
            double sum = product[0], mag = product[1];
            double err = Math.abs(entry[0] - sum) / Math.max(mag, Double.MIN_NORMAL);
            if (!(err <= 1e-4)) {
                throw new IllegalStateException("gemm " + shape + " on " + device.name() + " is wrong: C[" + i + "][" + j
                        + "] = " + entry[0] + ", float64 reference " + sum);
            }
            worst = Math.max(worst, err);
        }
        return worst;
    }

    private static float[] random(SplittableRandom rnd, long length) {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("matrix of " + length + " floats is too large for one array");
        }
        float[] x = new float[(int) length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    @Override
    public void close() {
        a.close();
        b.close();
        c.close();
    }
}
