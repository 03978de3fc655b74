package dev.adjoint.bench.jmh;

import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.graph.CapturingDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.train.Progress;
import dev.adjoint.train.Trainer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One training step of the MLP 784-256-128-10 (ReLU, softmax cross-entropy, Adam) at batch 128 on
 * the CPU, through {@link Trainer#step}: define-by-run against replay of a captured plan. One op is
 * one step; run with {@code -prof gc} for the heap bytes per step ({@code gc.alloc.rate.norm}).
 * Before timing, the setup checks that both modes give bit-identical parameters after 10 steps.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Benchmark)
public class ReplayBenchmark {
    private static final int[] SIZES = {784, 256, 128, 10};
    private static final int BATCH = 128;
    private static final int BATCHES = 4;

    @Param({"cpu"})
    public String device;

    private Step defineByRun;
    private Step replay;
    private Device base;

    /** A model, optimizer, trainer and device-resident batches on one device. */
    static final class Step implements AutoCloseable {
        final Sequential model;
        final Parameters params;
        final Optimizer opt;
        final Trainer trainer;
        final Tensor[] xs = new Tensor[BATCHES];
        final Tensor[] ys = new Tensor[BATCHES];
        final Tensor lossSum;
        final Tensor correct;
        long steps;

        Step(Device device, boolean replay) {
            model = Sequential.mlp(device, SIZES, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);
            params = Parameters.of(model);
            opt = Optimizer.adam(params, 1e-3f, 0f, false);
            trainer = new Trainer(model, params, opt, (p, t) -> p.crossEntropy(t),
                    new Trainer.Config(1, BATCH, 1, 0, 0f, Schedule.constant(), null, Progress.silent()), Map.of())
                    .replay(replay);
            java.util.Random rnd = new java.util.Random(3);
            for (int i = 0; i < BATCHES; i++) {
                xs[i] = Tensor.normal(device, 100 + i, 0f, 1f, BATCH, SIZES[0]);
                float[] labels = new float[BATCH];
                for (int j = 0; j < BATCH; j++) {
                    labels[j] = rnd.nextInt(SIZES[SIZES.length - 1]);
                }
                ys[i] = Tensor.of(device, labels, BATCH);
            }
            lossSum = Tensor.zeros(device, 1);
            correct = Tensor.zeros(device, 1);
        }

        void step() {
            int i = (int) (steps++ % BATCHES);
            trainer.step(xs[i], ys[i], lossSum, correct);
        }

        @Override
        public void close() {
            trainer.replay(false);
            for (int i = 0; i < BATCHES; i++) {
                xs[i].close();
                ys[i].close();
            }
            lossSum.close();
            correct.close();
            opt.close();
            params.close();
            model.close();
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        base = Devices.select(device).device();
        defineByRun = new Step(base, false);
        replay = new Step(new CapturingDevice(base), true);
        for (int s = 0; s < 10; s++) {
            defineByRun.step();
            replay.step();
        }
        if (!java.util.Arrays.equals(defineByRun.params.values().toArray(), replay.params.values().toArray())) {
            throw new IllegalStateException("replay and define-by-run parameters differ after 10 steps");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        defineByRun.close();
        replay.close();
        base.close();
    }

    @Benchmark
    public void defineByRunStep() {
        defineByRun.step();
        base.synchronize();
    }

    @Benchmark
    public void replayedStep() {
        replay.step();
        base.synchronize();
    }
}
