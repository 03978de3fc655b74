package dev.adjoint.bench.jmh;

import dev.adjoint.bench.ModelSpec;
import dev.adjoint.bench.TrainStep;
import dev.adjoint.conformance.Reference;
import dev.adjoint.device.Device;
import dev.adjoint.nn.Sequential;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference with the MLPs of {@link TrainStepBenchmark}: forward and softmax of one batch with
 * gradients off, the model in eval mode, the model and first batch of {@link TrainStep}. One op
 * is one batch, ended by {@link Device#synchronize()}; the score is seconds per batch
 * (samples/s = batch / score). A class of its own, so that {@code TrainStepBenchmark}
 * as a JMH pattern runs the training step alone. Before timing, sampled rows' logits are checked
 * against a float64 forward and the probabilities against a float64 softmax of the logits.
 */
@State(org.openjdk.jmh.annotations.Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class InferenceBenchmark {
    /** Device spec as {@code --device} takes it: cpu, cuda:0, opencl:0. */
    @Param({"cpu"})
    public String backend;

    /** Layer sizes / batch. */
    @Param({"784-256-128-10/128", "784-1024-1024-10/256", "784-4096-4096-10/1024"})
    public String model;

    /** CPU threads (system property adjoint.threads); 0 = the backend's default (all cores). */
    @Param({"0"})
    public int threads;

    private Device device;
    private TrainStep trainStep;
    private Sequential mlp;
    private Tensor x;

    @Setup(Level.Trial)
    public void setup() {
        open(BenchmarkDevice.open(backend, threads));
    }

    /** Builds the model and batch on {@code device} (the benchmark owns it from here) and validates one batch. */
    void open(Device device) {
        this.device = device;
        ModelSpec spec = ModelSpec.parse(model);
        trainStep = new TrainStep(device, spec.sizes(), spec.batch(), false, false);
        mlp = trainStep.model();
        mlp.eval();
        x = trainStep.inputs(0);
        String what = "inference " + model + " on " + device.name();
        float[] logits = MlpValidation.logits(mlp, x);
        MlpValidation.forward(what, mlp, x, logits);
        float[] probabilities;
        try (Scope scope = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            probabilities = mlp.forward(x).softmax().toArray();
        }
        Validation.requireClose(what + ", probabilities", probabilities,
                Reference.softmax(false, logits, 0, spec.batch(), spec.classes()), null, 1e-5, 1e-6);
    }

    @Benchmark
    public void infer() {
        try (Scope scope = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            mlp.forward(x).softmax();
            device.synchronize();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (trainStep != null) {
            trainStep.close();
        }
        BenchmarkDevice.close(device);
    }
}
