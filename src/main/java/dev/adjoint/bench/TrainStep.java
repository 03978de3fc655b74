package dev.adjoint.bench;

import dev.adjoint.device.Device;
import dev.adjoint.dist.World;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.train.MlpSpec;
import dev.adjoint.train.Precision;
import dev.adjoint.train.Progress;
import dev.adjoint.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The benchmarks' MLP, for {@code adjoint bench} and the JMH suite alike: ReLU between layers,
 * He-uniform init (seed 1), softmax cross-entropy, Adam lr 1e-3, and {@link #BATCHES}
 * device-resident batches (inputs normal with seeds 100..103, labels from {@code Random(3)}) taken
 * in turn. {@link #run} is one training step through {@link Trainer#step}, exactly the step
 * {@code adjoint train} runs; {@link #inference} is the forward pass alone, gradients off, to
 * softmax probabilities.
 */
public final class TrainStep implements Workload {
    /** Batches made up front and taken in turn. */
    public static final int BATCHES = 4;
    private final Device device;
    private final Sequential model;
    private final Parameters params;
    private final Optimizer opt;
    private final Trainer trainer;
    private final Tensor[] xs = new Tensor[BATCHES];
    private final Tensor[] ys = new Tensor[BATCHES];
    /** With metrics, each step also adds its summed loss and correct count on the device, as {@code adjoint train} does. */
    private final Tensor lossSum;
    private final Tensor correct;
    private long steps;

    /**
     * With {@code replay}, the device must be a {@code CapturingDevice}: the first step captures a
     * plan and later steps replay it. {@code adjoint bench} runs without {@code metrics}.
     */
    public TrainStep(Device device, int[] sizes, int batch, boolean replay, boolean metrics) {
        this(device, sizes, new int[0], false, batch, replay, metrics);
    }

    /**
     * The MLP behind convolution stages of {@code conv} channels, with a BatchNorm after every convolution and hidden
     * layer when {@code batchNorm}, as {@code adjoint train --conv C --norm batch} builds it.
     */
    public TrainStep(Device device, int[] sizes, int[] conv, boolean batchNorm, int batch, boolean replay, boolean metrics) {
        this.device = device;
        model = new MlpSpec(sizes, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1).withBatchNorm(batchNorm)
                .withConvolution(conv).build(device);
        params = Parameters.of(model);
        opt = Optimizer.adam(params, 1e-3f, 0f, false);
        trainer = new Trainer(model, params, opt, (p, t) -> p.crossEntropy(t),
                new Trainer.Config(1, batch, 1, 0, 0f, Schedule.constant(), null, false, Progress.silent()), Map.of())
                .replay(replay);
        Random rnd = new Random(3);
        for (int i = 0; i < BATCHES; i++) {
            xs[i] = Tensor.normal(device, 100 + i, 0f, 1f, batch, sizes[0]);
            float[] labels = new float[batch];
            for (int j = 0; j < batch; j++) {
                labels[j] = rnd.nextInt(sizes[sizes.length - 1]);
            }
            ys[i] = Tensor.of(device, labels, batch);
        }
        lossSum = metrics ? Tensor.zeros(device, 1) : null;
        correct = metrics ? Tensor.zeros(device, 1) : null;
    }

    /**
     * Computes the steps in {@code p} ({@link Trainer#precision}: BF16 or FP16 matmul operands, FP16
     * with loss scaling); call it before the first step, which a replayed step captures. TF32 is a
     * device setting, made before the device opens. Returns this workload.
     */
    public TrainStep precision(Precision p) {
        if (steps > 0) {
            throw new IllegalStateException("bench: the precision is set before the first step, not after " + steps);
        }
        trainer.precision(p);
        return this;
    }

    /**
     * Makes each step one rank's share of a data-parallel step ({@link Trainer#world}): gradients averaged over
     * the ranks of {@code w} before the update. Before the first step only. Returns this workload.
     */
    public TrainStep world(World w) {
        if (steps > 0) {
            throw new IllegalStateException("bench: the world is set before the first step, not after " + steps);
        }
        trainer.world(w);
        return this;
    }

    /** The engine that sums the gradients over the ranks, or "none" ({@link Trainer#gradientEngine}). */
    public String gradientEngine() {
        return trainer.gradientEngine();
    }

    /** How the last step summed its gradients over the ranks ({@link Trainer#gradientBuckets}). */
    public String gradientBuckets() {
        return trainer.gradientBuckets();
    }

    /** One training step on the next batch; the device work may still be running when it returns. */
    @Override
    public void run() {
        int i = (int) (steps++ % BATCHES);
        trainer.step(xs[i], ys[i], lossSum, correct);
    }

    @Override
    public void synchronize() {
        device.synchronize();
    }

    /** Steps taken so far; the next step uses batch {@code steps() % BATCHES}. */
    public long steps() {
        return steps;
    }

    public Sequential model() {
        return model;
    }

    /** The model's parameters and their gradients, each in one slab. */
    public Parameters parameters() {
        return params;
    }

    public Optimizer optimizer() {
        return opt;
    }

    /** The inputs of batch {@code i} (0 to {@link #BATCHES} − 1), batch × sizes[0]. */
    public Tensor inputs(int i) {
        return xs[i];
    }

    /** The class labels of batch {@code i}, as floats. */
    public Tensor labels(int i) {
        return ys[i];
    }

    /**
     * Inference with the same model and batches: the forward pass to softmax probabilities,
     * gradients off, the model in eval mode. Closing the workload frees the model.
     */
    static Workload inference(Device device, int[] sizes, int batch) {
        TrainStep owner = new TrainStep(device, sizes, batch, false, false);
        owner.model.eval();
        return new Workload() {
            private long calls;

            @Override
            public void run() {
                try (Scope s = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
                    owner.model.forward(owner.xs[(int) (calls++ % BATCHES)]).softmax();
                }
            }

            @Override
            public void synchronize() {
                device.synchronize();
            }

            @Override
            public void close() {
                owner.close();
            }
        };
    }

    /** Parameters and optimizer state, in a fixed order (for equality checks). */
    List<float[]> state() {
        List<float[]> all = new ArrayList<>();
        all.add(params.values().toArray());
        opt.state().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> all.add(e.getValue().toArray()));
        return all;
    }

    Trainer trainer() {
        return trainer;
    }

    /** Drops the replayed plan first (it refers to the batches and metrics), then frees everything. */
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
        opt.close();
        params.close();
        model.close();
    }
}
