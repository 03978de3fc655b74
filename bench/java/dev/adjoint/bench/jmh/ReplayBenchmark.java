package dev.adjoint.bench.jmh;

import dev.adjoint.bench.ModelSpec;
import dev.adjoint.bench.TrainStep;
import dev.adjoint.device.Device;
import dev.adjoint.graph.CapturingDevice;
import java.util.Arrays;
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
 * One training step of an MLP (ReLU, softmax cross-entropy, Adam; by default 784-256-128-10 at
 * batch 128) through {@code Trainer.step}, with the loss and accuracy metrics kept on the device as
 * {@code adjoint train} keeps them: define-by-run against replay of a captured plan. One op is one
 * step; run with {@code -prof gc} for the heap bytes per step ({@code gc.alloc.rate.norm}). Before
 * timing, the setup checks that both modes give bit-identical parameters after 10 steps.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class ReplayBenchmark {
    /** Device spec as {@code --device} takes it: cpu, cuda:0, opencl:0. */
    @Param({"cpu"})
    public String backend;

    /** Layer sizes / batch, as in {@link TrainStepBenchmark}. */
    @Param({"784-256-128-10/128"})
    public String model;

    /** CPU threads (system property adjoint.threads); 0 = the backend's default (all cores). */
    @Param({"0"})
    public int threads;

    private Device base;
    private TrainStep defineByRun;
    private TrainStep replay;

    @Setup(Level.Trial)
    public void setup() {
        open(BenchmarkDevice.open(backend, threads));
    }

    /** Builds both steps on {@code base} (the benchmark owns it from here) and checks they agree. */
    void open(Device base) {
        this.base = base;
        ModelSpec spec = ModelSpec.parse(model);
        defineByRun = new TrainStep(base, spec.sizes(), spec.batch(), false, true);
        replay = new TrainStep(new CapturingDevice(base), spec.sizes(), spec.batch(), true, true);
        for (int s = 0; s < 10; s++) {
            defineByRun.run();
            replay.run();
        }
        if (!Arrays.equals(defineByRun.parameters().values().toArray(), replay.parameters().values().toArray())) {
            throw new IllegalStateException("replayed and define-by-run steps of " + model + " on " + base.name()
                    + " give different parameters after 10 steps");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (TrainStep s : new TrainStep[] {defineByRun, replay}) {
            if (s != null) {
                s.close();
            }
        }
        BenchmarkDevice.close(base);
    }

    @Benchmark
    public void defineByRunStep() {
        defineByRun.run();
        base.synchronize();
    }

    @Benchmark
    public void replayedStep() {
        replay.run();
        base.synchronize();
    }
}
