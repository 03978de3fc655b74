package dev.adjoint.bench.jmh;

import dev.adjoint.bench.ModelSpec;
import dev.adjoint.bench.TrainStep;
import dev.adjoint.device.Device;
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
 * One define-by-run training step of an MLP (forward, softmax cross-entropy, backward, Adam) as
 * {@code adjoint bench train} times it, with its {@link TrainStep}: the same model, seeds, optimizer
 * and batches, {@code Trainer.step} with no metrics. One op is one step, ended by
 * {@link Device#synchronize()} (the CLI synchronizes every 8 steps; on the CPU backend, which is
 * synchronous, that is the same). The score is seconds per step: the CLI's samples/s is the
 * batch divided by it. (An {@code AuxCounters} rate cannot give samples/s here: in this mode JMH
 * reports counters as time per count too.) Before timing, the
 * first step is checked ({@link MlpValidation#firstStep}): logits against float64, the last bias's
 * gradient, the whole gradient by a central difference, and Adam's update.
 *
 * <pre>
 * java -cp target/adjoint.jar org.openjdk.jmh.Main TrainStepBenchmark -p model=784-256-128-10/128 -foe true
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TrainStepBenchmark {
    /** Device spec as {@code --device} takes it: cpu, cuda:0, opencl:0. */
    @Param({"cpu"})
    public String backend;

    /** Layer sizes / batch, as {@code bench train --sizes ... --batch ...}. */
    @Param({"784-256-128-10/128", "784-1024-1024-10/256", "784-4096-4096-10/1024"})
    public String model;

    /** CPU threads (system property adjoint.threads); 0 = the backend's default (all cores). */
    @Param({"0"})
    public int threads;

    private Device device;
    private TrainStep trainStep;

    @Setup(Level.Trial)
    public void setup() {
        open(BenchmarkDevice.open(backend, threads));
    }

    /** Builds the step on {@code device} (the benchmark owns it from here) and validates its first step. */
    void open(Device device) {
        this.device = device;
        ModelSpec spec = ModelSpec.parse(model);
        trainStep = new TrainStep(device, spec.sizes(), spec.batch(), false, false);
        MlpValidation.firstStep("training step " + model + " on " + device.name(), trainStep);
    }

    @Benchmark
    public void step() {
        trainStep.run();
        device.synchronize();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (trainStep != null) {
            trainStep.close();
        }
        BenchmarkDevice.close(device);
    }
}
