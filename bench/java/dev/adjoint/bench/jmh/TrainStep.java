package dev.adjoint.bench.jmh;

import dev.adjoint.device.Device;
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
import java.util.Random;

/**
 * The MLP training step {@code adjoint bench train} times (its {@code TrainBench.Step}), built
 * the same way from the public API: {@code Sequential.mlp} with ReLU and He-uniform init (seed 1),
 * Adam lr 1e-3, softmax cross-entropy, {@link Trainer#step} over four device-resident batches
 * (inputs normal with seeds 100..103, labels from {@code Random(3)}) taken in turn.
 */
final class TrainStep implements AutoCloseable {
    static final int BATCHES = 4;

    /** An MLP's layer sizes and the batch, written {@code 784-256-128-10/128}. */
    record Spec(int[] sizes, int batch) {
        static Spec parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("model '" + text + "' is not SIZES/BATCH, e.g. 784-256-128-10/128");
            }
            int[] sizes = Sizes.parse("model sizes", text.substring(0, slash), "-", 0);
            int batch = Sizes.parse("model batch", text.substring(slash + 1), "-", 1)[0];
            return new Spec(sizes, batch);
        }

        int classes() {
            return sizes[sizes.length - 1];
        }
    }

    final Spec spec;
    final Sequential model;
    final Parameters params;
    final Optimizer optimizer;
    final Trainer trainer;
    final Tensor[] xs = new Tensor[BATCHES];
    final Tensor[] ys = new Tensor[BATCHES];
    /** With metrics, each step also adds its summed loss and correct count on the device, as {@code adjoint train} does. */
    private final Tensor lossSum;
    private final Tensor correct;
    private long steps;

    /**
     * With {@code replay}, {@code device} must be a {@code CapturingDevice}: the first step captures
     * a plan and later steps replay it. {@code adjoint bench train} runs without metrics.
     */
    TrainStep(Device device, Spec spec, boolean replay, boolean metrics) {
        this.spec = spec;
        model = Sequential.mlp(device, spec.sizes(), Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);
        params = Parameters.of(model);
        optimizer = Optimizer.adam(params, 1e-3f, 0f, false);
        trainer = new Trainer(model, params, optimizer, (p, t) -> p.crossEntropy(t),
                new Trainer.Config(1, spec.batch(), 1, 0, 0f, Schedule.constant(), null, Progress.silent()), Map.of())
                .replay(replay);
        Random rnd = new Random(3);
        for (int i = 0; i < BATCHES; i++) {
            xs[i] = Tensor.normal(device, 100 + i, 0f, 1f, spec.batch(), spec.sizes()[0]);
            float[] labels = new float[spec.batch()];
            for (int j = 0; j < labels.length; j++) {
                labels[j] = rnd.nextInt(spec.classes());
            }
            ys[i] = Tensor.of(device, labels, spec.batch());
        }
        lossSum = metrics ? Tensor.zeros(device, 1) : null;
        correct = metrics ? Tensor.zeros(device, 1) : null;
    }

    /** Steps taken so far; the next step uses batch {@code steps() % BATCHES}. */
    long steps() {
        return steps;
    }

    /** One step on the next batch; the device work may still be running when it returns. */
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
        if (lossSum != null) {
            lossSum.close();
            correct.close();
        }
        optimizer.close();
        params.close();
        model.close();
    }
}
