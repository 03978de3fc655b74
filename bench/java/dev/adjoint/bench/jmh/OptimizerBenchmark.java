package dev.adjoint.bench.jmh;

import dev.adjoint.bench.Sizes;
import dev.adjoint.conformance.Reference;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
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
 * The fused in-place optimizer update over a parameter slab the size of an MLP's parameters, as
 * {@code Optimizer.step()} runs it: one {@link Device#adamStep} (Adam, lr 1e-3, PyTorch's betas
 * and eps) or {@link Device#sgdStep} (momentum 0.9) over the whole slab, ended by
 * {@link Device#synchronize()}. The secondary {@code gbytes} is GB/s from the bytes an update must
 * move per parameter: Adam reads param, grad, m, v and writes param, m, v (28 bytes); SGD with
 * momentum reads param, grad, velocity and writes param, velocity (20 bytes). Before timing, two
 * updates are checked against PyTorch's rules in the float64 {@link Reference}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OptimizerBenchmark {
    private static final float LR = 1e-3f;
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPS = 1e-8f;
    private static final float MOMENTUM = 0.9f;

    /** Device spec as {@code --device} takes it: cpu, cuda:0, opencl:0. */
    @Param({"cpu"})
    public String backend;

    /** adam or sgd_momentum. */
    @Param({"adam", "sgd_momentum"})
    public String optimizer;

    /** The MLP whose parameter count is the slab's length: Σ (in + 1)·out (235,146; 1,863,690; 20,037,642). */
    @Param({"784-256-128-10", "784-1024-1024-10", "784-4096-4096-10"})
    public String model;

    /** CPU threads (system property adjoint.threads); 0 = the backend's default (all cores). */
    @Param({"0"})
    public int threads;

    private Device device;
    private boolean adam;
    private long length;
    private Buffer param;
    private Buffer grad;
    private Buffer first;
    private Buffer second;
    private long steps;

    @Setup(Level.Trial)
    public void setup() {
        open(BenchmarkDevice.open(backend, threads));
    }

    /** Allocates on {@code device} (the benchmark owns it from here) and validates two updates. */
    void open(Device device) {
        this.device = device;
        adam = switch (optimizer) {
            case "adam" -> true;
            case "sgd_momentum" -> false;
            default -> throw new IllegalArgumentException("optimizer '" + optimizer + "' is not adam or sgd_momentum");
        };
        length = parameterCount(Sizes.parse("model", model, "-", 0));
        int n = Math.toIntExact(length);
        SplittableRandom rnd = new SplittableRandom(42);
        float[] p0 = Validation.uniform(rnd, n, -0.1, 0.1);
        float[] g = Validation.uniform(rnd, n, -1, 1);
        param = device.allocate(n);
        grad = device.allocate(n);
        first = device.allocate(n);
        second = adam ? device.allocate(n) : null;
        device.upload(p0, 0, param, 0, n);
        device.upload(g, 0, grad, 0, n);
        device.fill(first, 0, n, 0f);
        if (adam) {
            device.fill(second, 0, n, 0f);
        }
        int[] at = Validation.sample(n, 1 << 16, 7);
        double[] p = Reference.widen(Validation.gather(p0, at));
        float[] gs = Validation.gather(g, at);
        double[] m = new double[at.length];
        double[] v = new double[at.length];
        for (int s = 0; s < 2; s++) {
            run();
            if (adam) {
                Reference.adamStep(p, gs, m, v, 0, at.length, LR, BETA1, BETA2, EPS, 0, false, steps);
            } else {
                Reference.sgdStep(p, gs, m, 0, at.length, LR, MOMENTUM, 0, 0, false, s == 0);
            }
        }
        float[] got = new float[n];
        device.download(param, 0, got, 0, n);
        Validation.requireClose(optimizer + " over " + n + " parameters on " + device.name() + ", after 2 updates",
                Validation.gather(got, at), p, null, 1e-5, 1e-6);
    }

    /** Σ (in + 1)·out over the layers of an MLP with biases. */
    static long parameterCount(int[] sizes) {
        long count = 0;
        for (int i = 0; i + 1 < sizes.length; i++) {
            count += (long) (sizes[i] + 1) * sizes[i + 1];
        }
        return count;
    }

    private void run() {
        steps++;
        if (adam) {
            device.adamStep(param, grad, first, second, 0, length, LR, BETA1, BETA2, EPS, 0f, false, steps);
        } else {
            device.sgdStep(param, grad, first, 0, length, LR, MOMENTUM, 0f, 0f, false, steps == 1);
        }
        device.synchronize();
    }

    @Benchmark
    public void step(MemoryTraffic traffic) {
        run();
        traffic.add((adam ? 7 : 5) * length);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        BenchmarkDevice.close(device, param, grad, first, second);
    }
}
