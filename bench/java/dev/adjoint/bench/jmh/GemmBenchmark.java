package dev.adjoint.bench.jmh;

import dev.adjoint.bench.GemmBench;
import dev.adjoint.bench.GemmWorkload;
import dev.adjoint.device.Device;
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
 * are timed to completion. The GEMM is {@code adjoint bench gemm}'s ({@link GemmWorkload}): the same
 * inputs, and one result checked against float64 sums on sampled entries before timing.
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
    private GemmWorkload workload;
    private double gflopPerCall;

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
        GemmBench.Shape s = GemmBench.Shape.parse("shape", shape);
        gflopPerCall = s.flops() / 1e9;
        workload = new GemmWorkload(device, s);
    }

    @Benchmark
    public void gemm(Flops flops) {
        workload.run();
        device.synchronize();
        flops.gflop += gflopPerCall;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (workload != null) {
            workload.close();
        }
        BenchmarkDevice.close(device);
    }
}
