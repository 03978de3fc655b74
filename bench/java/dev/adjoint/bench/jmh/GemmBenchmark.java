package dev.adjoint.bench.jmh;

import dev.adjoint.conformance.Reference;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SGEMM {@code C = A·B} through the {@link Device} interface, so the same benchmark times any
 * backend. Shapes are {@code MxKxN}: A is m×k, B is k×n, C is m×n, row-major, no transposes.
 *
 * <p>The primary score is calls per second; one call is 2·m·n·k floating-point operations, so
 * GFLOP/s = ops/s × 2·m·n·k / 1e9. The secondary result {@code gflop} (an
 * {@link AuxCounters.Type#OPERATIONS} counter, reported per second) is that product already:
 * read it as GFLOP/s. Every call ends with {@link Device#synchronize()}, so asynchronous backends
 * are timed to completion. One result is checked against the float64 {@link Reference} before timing.
 *
 * <p>Each shape takes about 20 s (3 × 2 s warm-up, 5 × 2 s measured, plus the fork); pick shapes
 * with {@code -p}:
 * <pre>
 * java -cp target/adjoint.jar org.openjdk.jmh.Main GemmBenchmark \
 *      -p backend=cpu -p threads=1,2 -p shape=1024x1024x1024 -foe true
 * </pre>
 * (Pass no {@code -jvmArgsAppend}: it would replace the {@code @Fork} arguments and drop the
 * vector module. {@code -foe true} makes a failed trial fail the run.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GemmBenchmark {
    /** Device spec as {@code --device} takes it: cpu, cuda:0, opencl:0. */
    @Param({"cpu"})
    public String backend;

    /**
     * m x k x n: squares, then the GEMMs of the MLPs' forward layers (batch x in x out) of
     * 784-256-128-10 at batch 128, 784-1024-1024-10 at 256 and 784-4096-4096-10 at 1024.
     */
    @Param({"256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
            "128x784x256", "128x256x128", "256x784x1024", "256x1024x1024", "1024x784x4096", "1024x4096x4096"})
    public String shape;

    /** CPU threads (system property adjoint.threads); 0 = the backend's default (all cores). */
    @Param({"0"})
    public int threads;

    private Device device;
    private Buffer a;
    private Buffer b;
    private Buffer c;
    private int m;
    private int k;
    private int n;

    /** GFLOP done, reported by JMH per second: GFLOP/s. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Flops {
        public double gflop;

        @Setup(Level.Iteration)
        public void reset() {
            gflop = 0;
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        open(BenchmarkDevice.open(backend, threads));
    }

    /** Allocates on {@code device} (the benchmark owns it from here) and validates one call. */
    void open(Device device) {
        this.device = device;
        int[] mkn = Sizes.parse("gemm shape (MxKxN)", shape, "x", 3);
        m = mkn[0];
        k = mkn[1];
        n = mkn[2];
        SplittableRandom rnd = new SplittableRandom(42);
        float[] ha = Validation.uniform(rnd, Math.multiplyExact(m, k), -1, 1);
        float[] hb = Validation.uniform(rnd, Math.multiplyExact(k, n), -1, 1);
        a = device.allocate((long) m * k);
        b = device.allocate((long) k * n);
        c = device.allocate((long) m * n);
        device.upload(ha, 0, a, 0, ha.length);
        device.upload(hb, 0, b, 0, hb.length);
        device.fill(c, 0, (long) m * n, Float.NaN);
        runOnce();
        float[] hc = new float[Math.multiplyExact(m, n)];
        device.download(c, 0, hc, 0, hc.length);
        for (int t = 0; t < 256; t++) {
            int i = rnd.nextInt(m);
            int j = rnd.nextInt(n);
            double[] product = Reference.gemmEntry(false, false, k, ha, 0, k, hb, 0, n, i, j);
            if (!(Math.abs(hc[i * n + j] - product[0]) <= 1e-4 * product[1])) {
                throw new IllegalStateException("gemm " + shape + " on " + device.name() + " is wrong: C[" + i + "]["
                        + j + "] = " + hc[i * n + j] + ", float64 reference " + product[0]);
            }
        }
    }

    private void runOnce() {
        device.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
        device.synchronize();
    }

    @Benchmark
    public void gemm(Flops flops) {
        runOnce();
        flops.gflop += 2.0 * m * n * k / 1e9;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchmarkDevice.close(device, a, b, c);
    }
}
