package dev.adjoint.train;

import dev.adjoint.data.Augment;
import dev.adjoint.data.Batch;
import dev.adjoint.data.DataLoader;
import dev.adjoint.data.Dataset;
import dev.adjoint.data.Holdout;
import dev.adjoint.data.Normalization;
import dev.adjoint.data.Samples;
import dev.adjoint.device.Device;
import dev.adjoint.dist.DataParallel;
import dev.adjoint.dist.World;
import dev.adjoint.graph.CapturingDevice;
import dev.adjoint.graph.Plan;
import dev.adjoint.graph.ReplayedStep;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Layer;
import dev.adjoint.nn.Parameters;
import dev.adjoint.optim.Clip;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Anomaly;
import dev.adjoint.tensor.Autocast;
import dev.adjoint.tensor.Autograd;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Trains a model for a {@link Task} (multi-class, binary or regression; a classifier by default): epochs of shuffled mini-batches (forward, loss, backward, optional
 * clipping, fused optimizer step), each followed by the validation split's metrics in eval mode;
 * then the test split's metrics, once, on the best epoch's model. The training loss and accuracy
 * are accumulated on the device and read once per epoch (and at progress updates); the task's
 * other training metrics ({@link EpochStats#training}) are those of the outputs the steps computed,
 * copied on the device into one buffer of the training rows and read once per epoch (no extra
 * forward pass; not kept past {@link #KEPT_OUTPUTS} floats or with {@link #replay}). A checkpoint is
 * written after every epoch when a directory is given, and {@link #resume} continues
 * bit-identically.
 */
public final class Trainer {
    /** The subdirectory of a checkpoint directory that holds the best epoch's checkpoint. */
    public static final String BEST = CheckpointDir.BEST;

    /**
     * How to train. {@code targetAccuracy} 0 means run every epoch; {@code clipNorm} 0 means no
     * clipping; {@code checkpointDir} null means no checkpoints; {@code validation} is the fraction
     * of the training data held out for validation (0: none, as Keras's {@code validation_split});
     * {@code monitor} chooses the best epoch and is what early stopping watches (null: val_accuracy,
     * or train_loss without validation); {@code patience} 0 means no early stopping. Start from
     * {@link #of} and adjust with the {@code with…} methods.
     */
    public record Config(int epochs, int batchSize, long seed, double targetAccuracy, float clipNorm,
                         Schedule schedule, Path checkpointDir, boolean overwrite, Progress progress,
                         double validation, Monitor monitor, int patience, double minDelta) {
        public Config {
            if (!(validation == 0 || validation > 0 && validation <= Holdout.MAX_FRACTION)) {
                throw new IllegalArgumentException("train: the validation fraction must be 0 (none) or in (0, "
                        + Holdout.MAX_FRACTION + "], got " + validation);
            }
            if (monitor != null && monitor.needsValidation() && validation == 0) {
                throw new IllegalArgumentException("train: monitoring " + monitor.metric() + " needs a validation split;"
                        + " hold one out (--val 0.1; Trainer.Config.withValidation(0.1)) or monitor train_loss");
            }
            if (patience < 0 || !(minDelta >= 0) || Double.isInfinite(minDelta)) {
                throw new IllegalArgumentException("train: patience " + patience + " and min-delta " + minDelta
                        + " (need patience >= 0 and a finite min-delta >= 0)");
            }
        }

        /** A configuration as before validation splits: none, no early stopping. */
        public Config(int epochs, int batchSize, long seed, double targetAccuracy, float clipNorm, Schedule schedule,
                      Path checkpointDir, boolean overwrite, Progress progress) {
            this(epochs, batchSize, seed, targetAccuracy, clipNorm, schedule, checkpointDir, overwrite, progress, 0, null,
                    0, 0);
        }

        /** {@code epochs} epochs of {@code batchSize}: seed 1, constant rate, no clipping, checkpoints, validation or early stopping, console progress. */
        public static Config of(int epochs, int batchSize) {
            return new Config(epochs, batchSize, 1, 0, 0f, Schedule.constant(), null, false, Progress.console());
        }

        public Config withSeed(long s) {
            return new Config(epochs, batchSize, s, targetAccuracy, clipNorm, schedule, checkpointDir, overwrite, progress,
                    validation, monitor, patience, minDelta);
        }

        /** Stop once the validation accuracy (the training accuracy without validation) reaches {@code a}. */
        public Config withTargetAccuracy(double a) {
            return new Config(epochs, batchSize, seed, a, clipNorm, schedule, checkpointDir, overwrite, progress,
                    validation, monitor, patience, minDelta);
        }

        public Config withClipNorm(float c) {
            return new Config(epochs, batchSize, seed, targetAccuracy, c, schedule, checkpointDir, overwrite, progress,
                    validation, monitor, patience, minDelta);
        }

        public Config withSchedule(Schedule s) {
            return new Config(epochs, batchSize, seed, targetAccuracy, clipNorm, s, checkpointDir, overwrite, progress,
                    validation, monitor, patience, minDelta);
        }

        /** Checkpoints in {@code dir}: the last epoch's there, the best one in {@code dir/best} (see {@link #fit}). */
        public Config withCheckpoints(Path dir) {
            return new Config(epochs, batchSize, seed, targetAccuracy, clipNorm, schedule, dir, overwrite, progress,
                    validation, monitor, patience, minDelta);
        }

        /** Whether a new run may replace the checkpoints of another run in its checkpoint directory (default: refused). */
        public Config withOverwrite(boolean o) {
            return new Config(epochs, batchSize, seed, targetAccuracy, clipNorm, schedule, checkpointDir, o, progress,
                    validation, monitor, patience, minDelta);
        }

        public Config withProgress(Progress p) {
            return new Config(epochs, batchSize, seed, targetAccuracy, clipNorm, schedule, checkpointDir, overwrite, p,
                    validation, monitor, patience, minDelta);
        }

        /** Holds {@code fraction} of the training data out for validation, stratified by class (see {@link Holdout}). */
        public Config withValidation(double fraction) {
            return new Config(epochs, batchSize, seed, targetAccuracy, clipNorm, schedule, checkpointDir, overwrite,
                    progress, fraction, monitor, patience, minDelta);
        }

        /**
         * Chooses the best epoch by {@code m}, and with {@code patience} > 0 stops after that many
         * epochs that do not improve it by more than {@code minDelta}.
         */
        public Config withEarlyStopping(Monitor m, int patience, double minDelta) {
            return new Config(epochs, batchSize, seed, targetAccuracy, clipNorm, schedule, checkpointDir, overwrite,
                    progress, validation, m, patience, minDelta);
        }

        /**
         * The metric that chooses the best epoch: the one configured, else the task's default
         * ({@link Task#defaultMonitor}) for whether rows were held out for validation.
         */
        public Monitor monitored(Task task, boolean validated) {
            return monitor != null ? monitor : task.defaultMonitor(validated);
        }
    }

    private final Layer model;
    private final Parameters params;
    private final Optimizer optimizer;
    /** The loss the steps apply: the one given, or the task's (made again by {@link #fit} once the task is fitted). */
    private Losses.Loss loss;
    /** Whether {@link #loss} was given rather than made from the task. */
    private final boolean givenLoss;
    /** The task as configured, and as fitted on the training rows by the last {@link #fit} (null before). */
    private final Task task;
    private Task fittedTask;
    private final Config config;
    private final Map<String, Object> modelConfig;
    private final float baseLr;
    private int epochsDone;
    private Normalization normalization = Normalization.NONE;
    /** What the training data's stored values were divided by to make its features (see {@link Dataset.Source}). */
    private float inputDivisor = 1f;
    /** The preprocessing fitted on the training data that made its features (a CSV's column encoding), if any. */
    private List<Map<String, Object>> fittedSteps = List.of();
    private ReplayedStep replay;
    /** How the steps compute ({@link #precision}); FP16's loss scaler, or null. */
    private Precision precision = Precision.FP32;
    private LossScaler scaler;
    /** The data-parallel job this trainer is one rank of ({@link #world}); one process by default. */
    private World world = World.single();
    /** The training batches' shifts and flips; null for none. */
    private Augment augment;
    private DataParallel parallel;
    /** Whether {@link #parallel} sums the gradients in buckets while backward runs ({@link DataParallel#overlap}). */
    private boolean overlap;
    /** What the checkpoint this run resumed recorded (null for a new run). */
    private Path resumedFrom;
    private Map<String, Object> resumedData;
    private final Map<String, Object> records = new LinkedHashMap<>();
    private Metrics.Evaluation testResult;
    private int testEvaluations;
    private int bestEpoch;
    private Monitor monitored;

    /** A classifier trained with {@code loss} (any function of logits [N, C] and class indices [N]). */
    public Trainer(Layer model, Parameters params, Optimizer optimizer, Losses.Loss loss, Config config,
                   Map<String, Object> modelConfig) {
        this(model, params, optimizer, loss, Task.fromConfig(null, knownLoss(loss.name())), config, modelConfig);
    }

    /**
     * A model trained for {@code task}, with the task's loss: e.g. {@code Task.binary()} (one output),
     * {@code Task.regression("huber")} (one output, standardised targets) or
     * {@code Task.classification().withClassWeights(Task.ClassWeights.balancedWeights())}.
     */
    public Trainer(Layer model, Parameters params, Optimizer optimizer, Task task, Config config,
                   Map<String, Object> modelConfig) {
        this(model, params, optimizer, null, task, config, modelConfig);
    }

    /** A loss name the task knows, else the classification default (a custom loss still computes; its name is recorded). */
    private static String knownLoss(String name) {
        return Task.losses(Task.Kind.CLASSIFICATION).contains(name) ? name : null;
    }

    private Trainer(Layer model, Parameters params, Optimizer optimizer, Losses.Loss loss, Task task, Config config,
                    Map<String, Object> modelConfig) {
        if (config.epochs() < 1 || config.batchSize() < 1) {
            throw new IllegalArgumentException("train: epochs and batch size must be positive, got "
                    + config.epochs() + " and " + config.batchSize());
        }
        this.model = model;
        this.params = params;
        this.optimizer = optimizer;
        this.givenLoss = loss != null;
        this.task = task;
        if (task.classWeights() != null && task.classWeights().values() == null) {
            this.loss = null;     // balanced weights are fitted on the training rows, in fit
        } else {
            this.loss = loss != null ? loss : task.lossFunction();
        }
        if (task.kind() == Task.Kind.REGRESSION && config.targetAccuracy() > 0) {
            throw new IllegalArgumentException("train: a target accuracy (" + config.targetAccuracy() + ") means nothing"
                    + " for a regression task; leave it at 0");
        }
        this.config = config;
        this.modelConfig = modelConfig;
        this.baseLr = optimizer.lr();
    }

    /**
     * Adds {@code value} (what {@link dev.adjoint.io.Json#write} takes) to every checkpoint's
     * config under {@code key}, e.g. the command line that started the run.
     */
    public Trainer record(String key, Object value) {
        records.put(key, value);
        return this;
    }

    /**
     * Shifts and flips the training images as {@code a} says, drawn afresh every epoch ({@link DataLoader#augment});
     * validation and test see them as they are. Null: none (the default).
     */
    public Trainer augment(Augment a) {
        augment = a;
        return this;
    }

    /** Epochs completed so far (after {@link #resume}, those of the checkpoint). */
    public int epochsDone() {
        return epochsDone;
    }

    /**
     * Runs the model on one row of zeros, gradients off, so that a model that does not fit the data
     * fails before training with an error naming both: an input width other than the dataset's
     * (the first layer says so), or fewer outputs than the dataset has classes, which the CPU
     * backend's loss reports only as a bad target and a GPU's only as a NaN loss at the epoch's end.
     * Returns the model's number of outputs.
     */
    private int checkShapes(Samples train, Device device) {
        int[] out = outputShape(train, device);
        if (task.kind() == Task.Kind.CLASSIFICATION ? out.length != 2 || out[1] < train.classes()
                : out.length != 2 || out[1] != 1) {
            int need = task.outputs(train.classes());
            throw new IllegalArgumentException("train: the model gives outputs of shape " + Shape.format(out)
                    + " for one sample, but " + (task.kind() == Task.Kind.CLASSIFICATION ? "dataset '" + train.name()
                    + "' has " + train.classes() + " classes" : "a " + task.name() + " task takes one output a sample")
                    + ": its last layer must have " + need + " output" + (need == 1 ? "" : "s"));
        }
        return out[1];
    }

    /** The model's output shape for one row of zeros, in eval mode with gradients off (its mode is restored). */
    private int[] outputShape(Samples train, Device device) {
        boolean training = model.isTraining();
        model.eval();
        try (Scope s = Scope.open(); Autograd.NoGrad off = Autograd.noGrad()) {
            return model.forward(Tensor.zeros(device, 1, train.dims())).shape();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("train: dataset '" + train.name() + "' has " + train.dims()
                    + " features per sample, and the model does not take them: " + e.getMessage(), e);
        } finally {
            if (training) {
                model.train();
            }
        }
    }

    /**
     * Trains until the configured epochs are done, the target accuracy is reached or early
     * stopping ends the run, then measures {@code test} once, on the best epoch's model
     * ({@link #test}). With a validation fraction, that much of {@code train} (stratified by class,
     * chosen by the seed) is held out of training and measured after every epoch; the
     * normalization is fitted on the rest. The best epoch is the one whose {@link Config#monitored}
     * metric is best. With a checkpoint directory, each epoch's checkpoint replaces the last one
     * there and, when it is the best so far, the one in {@code dir/best}; the directory is locked
     * while training, and one that holds another run's checkpoint is refused unless
     * {@link Config#withOverwrite} allows it. Training stops with an IllegalStateException, before
     * that epoch's checkpoint is written, when an epoch's mean loss is not finite or exceeds
     * {@value #EXPLODED} times the larger of 1 and the loss of the run's first batch.
     */
    public List<EpochStats> fit(Samples train, Samples test, Device device, Consumer<EpochStats> onEpoch) {
        task.fit(train);     // the data suits the task (numbers for regression, two classes for binary), before anything runs
        int outputs = checkShapes(train, device);
        Map<String, Object> data = describe(train, test);
        if (resumedData != null) {
            RunRecord.checkData(resumedFrom, resumedData, data);
        }
        if (config.monitor() != null && !task.monitors().contains(config.monitor().metric())) {
            throw new IllegalArgumentException("train: a " + task.name() + " task does not measure "
                    + config.monitor().metric() + "; monitor one of " + String.join(", ", task.monitors()));
        }
        if (config.monitor() != null && config.monitor().metric().contains("top" + Classification.TOP_K)
                && outputs <= Classification.TOP_K) {
            throw new IllegalArgumentException("train: " + config.monitor().metric() + " is measured only with more than "
                    + Classification.TOP_K + " outputs, and the model has " + outputs
                    + "; monitor val_accuracy or val_loss instead");
        }
        Holdout held = validation(train);
        Samples rows = held == null ? train : held.train();
        Monitor monitor = config.monitored(task, held != null);
        monitored = monitor;
        fittedTask = task.fit(rows);    // balanced class weights, the target's mean and std: of the training rows only
        if (!givenLoss) {
            loss = fittedTask.lossFunction();
        }
        Metrics metrics = fittedTask.metrics(train.classes());
        Samples fitted = fittedTask.scaled(rows);
        // data whose columns were standardised one by one (a CSV's fitted encoding) gets no global mean and std on top
        Normalization norm = train.source().steps().isEmpty() ? Normalization.of(fitted) : Normalization.NONE;
        normalization = norm;
        inputDivisor = train.source().divisor();
        fittedSteps = train.source().steps();
        List<EpochStats> history = new ArrayList<>();
        int evalBatch = Math.max(config.batchSize(), 1000);
        boolean keep = !world.distributed() && keepsOutputs(fitted.size(), outputs);   // a rank sees a share of each epoch
        try (CheckpointDir checkpoints = config.checkpointDir() == null ? null
                : CheckpointDir.open(config.checkpointDir(), resumedFrom, config.overwrite(), monitor, config.progress());
             DataLoader trainLoader = new DataLoader(fitted, device, config.batchSize(), true, config.seed(),
                DataLoader.LastBatch.KEEP, norm).shard(world.rank(), world.size()).augment(augment);
             DataLoader valLoader = held == null ? null : new DataLoader(fittedTask.scaled(held.validation()), device,
                     evalBatch, false, 0, DataLoader.LastBatch.KEEP, norm);
             Tensor lossSum = Tensor.zeros(device, 1);
             Tensor correct = Tensor.zeros(device, 1);
             Tensor epochOutputs = keep ? Tensor.zeros(device, fitted.size(), outputs) : null;
             Tensor epochTargets = keep ? Tensor.zeros(device, fitted.size()) : null) {
            Best best = new Best();
            if (checkpoints != null && !checkpoints.hasBest() && epochsDone > 0) {
                // the resumed checkpoint is the best so far: its monitored metric is measured, in eval mode
                double v = seedValue(monitor, metrics, valLoader, fitted, device, norm, lossSum);
                checkpoints.seedBest(checkpointTensors(), checkpointConfig(data, null, monitor, v), epochsDone, v);
            }
            if (checkpoints != null && checkpoints.hasBest()) {
                best.epoch = checkpoints.bestEpoch();
            }
            agreeOnWeights("the initial weights (same --seed, same model?)");
            EarlyStopping stopping = new EarlyStopping(monitor, config.patience(), config.minDelta());
            double firstLoss = Double.NaN;
            boolean firstBatch = true;
            while (epochsDone < config.epochs()) {
                int epoch = epochsDone + 1;
                trainLoader.setEpoch(epochsDone);
                InPlace.fill(lossSum, 0f);
                InPlace.fill(correct, 0f);
                model.train();
                long t0 = System.nanoTime();
                int seen = 0;
                int lossRows = 0;        // the rows of the steps that were kept (FP16 skips a step whose gradients overflow)
                int batchIndex = 0;
                long skippedBefore = scaler == null ? 0 : scaler.skipped();
                for (Batch batch : trainLoader.epoch()) {
                    boolean kept;
                    try (batch) {
                        kept = step(batch.x(), batch.y(), lossSum, correct, epochOutputs, epochTargets, seen,
                                batch.share());
                    }
                    seen += batch.size();
                    lossRows += kept ? batch.size() : 0;
                    batchIndex++;
                    if (firstBatch && lossRows > 0) {
                        // one read per run: the scale an exploding loss is judged by (the same on every rank)
                        double[] first = world.distributed() ? sumOverRanks(lossSum.item(), lossRows) : null;
                        firstLoss = first == null ? lossSum.item() / lossRows : first[0] / first[1];
                        firstBatch = false;
                    }
                    config.progress().update(epoch, config.epochs(), batchIndex, trainLoader.batches(), lossSum,
                            Math.max(1, lossRows));
                }
                device.synchronize();
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (scaler != null && scaler.skipped() > skippedBefore) {
                    config.progress().note(String.format(java.util.Locale.ROOT, "fp16: %d of %d steps of epoch %d skipped"
                            + " (a gradient overflowed F16); the loss scale is now %.0f", scaler.skipped() - skippedBefore,
                            batchIndex, epoch, scaler.value()));
                }
                double epochLoss = lossSum.item();
                double epochCorrect = task.kind() == Task.Kind.REGRESSION ? 0 : correct.item();
                if (world.distributed()) {
                    double[] sums = sumOverRanks(epochLoss, epochCorrect, lossRows, seen);
                    epochLoss = sums[0];
                    epochCorrect = sums[1];
                    lossRows = (int) sums[2];
                    seen = (int) sums[3];
                }
                if (lossRows == 0) {
                    throw new IllegalStateException("train: every step of epoch " + epoch + " overflowed in FP16 and was"
                            + " skipped (the loss scale fell to " + scaler.value() + "); train with --precision bf16"
                            + " (float32's range), or lower the learning rate (" + baseLr + ")");
                }
                double trainLoss = epochLoss / lossRows;
                if (!Double.isFinite(trainLoss) || trainLoss > EXPLODED * Math.max(1, firstLoss)) {
                    throw diverged(epoch, trainLoss, firstLoss);
                }
                double trainAcc = task.kind() == Task.Kind.REGRESSION ? Double.NaN : epochCorrect / seen;
                Metrics.Evaluation trained = keep && seen == fitted.size()
                        ? scalarsOf(metrics.evaluate(epochOutputs.toArray(), epochTargets.toArray(), seen, trainLoss)) : null;
                averageBuffersOverRanks();
                Metrics.Evaluation val = valLoader == null ? null : measure(valLoader, metrics, lossSum);
                epochsDone = epoch;
                agreeOnWeights("the weights after epoch " + epoch);
                EpochStats stats = new EpochStats(epoch, trainLoss, trainAcc, trained, val, seen / seconds, seconds,
                        optimizer.lr());
                config.progress().done(stats);
                history.add(stats);
                double value = stats.value(monitor.metric());
                boolean improved = checkpoints != null
                        ? checkpoints.save(checkpointTensors(), checkpointConfig(data, stats, monitor, value), epoch, value,
                                config.progress())
                        : best.epoch == 0 || monitor.better(value, best.value, 0);
                if (improved) {
                    best.epoch = epoch;
                    best.value = value;
                    best.weights = checkpoints == null ? params.snapshot() : null;   // else it is in dir/best
                }
                onEpoch.accept(stats);
                double watched = val != null ? val.accuracy() : trainAcc;
                if (config.targetAccuracy() > 0 && watched >= config.targetAccuracy()) {
                    config.progress().note(String.format(java.util.Locale.ROOT, "target accuracy reached: %s accuracy"
                            + " %.2f%% >= %.2f%%", val != null ? "validation" : "training", 100 * watched,
                            100 * config.targetAccuracy()));
                    break;
                }
                if (stopping.update(epoch, value)) {
                    config.progress().note(stopping.reason());
                    break;
                }
            }
            bestEpoch = best.epoch;
            if (test != null) {
                testOnBest(test, device, norm, metrics, lossSum, checkpoints, best.weights, data, evalBatch);
            }
        }
        return history;
    }

    /** Every rank's sums of {@code values}, in the same order. */
    private double[] sumOverRanks(double... values) {
        world.allReduceSum(values);
        return values;
    }

    /** Ends every rank with a named error unless the ranks hold bit-identical weights and buffers; nothing with one rank. */
    private void agreeOnWeights(String what) {
        if (world.distributed()) {
            world.agree(what, DataParallel.hash(params.snapshot()));
        }
    }

    /**
     * The buffers (BatchNorm's running statistics), each rank's own from its share of the batches, replaced
     * by their mean over the ranks at the end of every epoch, before validation and the checkpoint: the
     * ranks then measure and save the same model. (PyTorch's DDP instead copies rank 0's buffers to the
     * others before every forward.)
     */
    private void averageBuffersOverRanks() {
        if (!world.distributed() || params.buffers().isEmpty()) {
            return;
        }
        for (Tensor b : params.buffers().values()) {
            parallel.averageGradients(b, 1.0 / world.size());     // the same weighted sum over ranks, of a buffer
        }
    }

    /**
     * {@code e} without its details: the history keeps every epoch, and the training split's
     * per-class figures and confusion matrix (classes² numbers an epoch) go nowhere.
     */
    private static Metrics.Evaluation scalarsOf(Metrics.Evaluation e) {
        return new Metrics.Evaluation(e.samples(), e.scalars(), Map.of());
    }

    /** The most outputs (rows × outputs a row) an epoch keeps on the device for the training metrics: 256 MiB of floats. */
    static final long KEPT_OUTPUTS = 1L << 26;

    /**
     * Whether an epoch keeps its training steps' outputs for the task's training metrics: not with
     * {@link #replay} (a captured plan writes the same rows every step), nor past {@link #KEPT_OUTPUTS}.
     */
    private boolean keepsOutputs(int rows, int outputs) {
        return replay == null && (long) rows * outputs <= KEPT_OUTPUTS && rows > 0;
    }

    /**
     * The validation split of {@code train}, or null without one; data too small to hold any row
     * out (no class with two samples) trains on all of it, as with validation 0, and says so,
     * unless a validation metric was asked to be monitored.
     */
    private Holdout validation(Samples train) {
        if (config.validation() == 0) {
            return null;
        }
        if (Holdout.size(train, config.validation()) == 0) {
            if (config.monitor() != null && config.monitor().needsValidation()) {
                throw new IllegalArgumentException("train: dataset '" + train.name() + "' has no class with two samples,"
                        + " so no validation split can be held out, and " + config.monitor().metric() + " needs one");
            }
            config.progress().note("train: dataset '" + train.name() + "' has no class with two samples: no validation"
                    + " split is held out, and the best epoch is the one with the lowest train_loss");
            return null;
        }
        return Holdout.of(train, config.validation(), config.seed());
    }

    /** The best epoch so far in memory: its number, monitored value and (without a checkpoint directory) weights. */
    private static final class Best {
        int epoch;
        double value = Double.NaN;
        float[] weights;
    }

    /** The monitored metric of the model as it is: on the validation split, or on the training rows in eval mode. */
    private double seedValue(Monitor monitor, Metrics metrics, DataLoader valLoader, Samples fitted, Device device,
                             Normalization norm, Tensor lossSum) {
        if (monitor.needsValidation()) {
            return measure(valLoader, metrics, lossSum).get(monitor.metric().substring(4));
        }
        try (DataLoader all = new DataLoader(fitted, device, Math.max(config.batchSize(), 1000), false, 0,
                DataLoader.LastBatch.KEEP, norm)) {
            return measure(all, metrics, lossSum).get(monitor.metric().substring(6));
        }
    }

    /**
     * Measures the test split once, on the best epoch's weights (from {@code dir/best}, or the copy
     * kept in memory), records the result in {@code dir/best}'s config, and puts the last epoch's
     * weights back, so that the trainer goes on from where it stopped.
     */
    private void testOnBest(Samples test, Device device, Normalization norm, Metrics metrics, Tensor lossSum,
                            CheckpointDir checkpoints, float[] bestWeights, Map<String, Object> data, int evalBatch) {
        float[] last = params.snapshot();
        Checkpoint.Loaded saved = checkpoints != null && checkpoints.hasBest() ? Checkpoint.load(checkpoints.best()) : null;
        if (saved != null) {
            SavedModel.copyParameters(params, saved);
        } else if (bestWeights != null) {
            params.restore(bestWeights);
        }
        try (DataLoader loader = new DataLoader(fittedTask.scaled(test), device, evalBatch, false, 0,
                DataLoader.LastBatch.KEEP, norm)) {
            testResult = measure(loader, metrics, lossSum);
            testEvaluations++;
        } finally {
            params.restore(last);
        }
        if (saved != null) {
            Map<String, Object> cfg = new LinkedHashMap<>(saved.config());
            if (!Double.isNaN(testResult.accuracy())) {
                cfg.put("test_accuracy", testResult.accuracy());
            }
            cfg.put("test", testResult.toJson());
            try (Scope s = Scope.open()) {
                Map<String, Tensor> tensors = new LinkedHashMap<>();
                saved.tensors().forEach((k, t) -> tensors.put(k, Tensor.of(device, t.data(), t.shape())));
                Checkpoint.save(checkpoints.best(), tensors, cfg);
            }
        }
    }

    /**
     * The task's metrics of the model on one split, in eval mode with gradients off: the mean loss
     * accumulated on the device, the outputs read back batch by batch (the split's rows of logits).
     */
    private Metrics.Evaluation measure(DataLoader loader, Metrics metrics, Tensor lossSum) {
        return measure(model, loss, loader, metrics, lossSum);
    }

    private static Metrics.Evaluation measure(Layer model, Losses.Loss loss, DataLoader loader, Metrics metrics,
                                              Tensor lossSum) {
        Samples d = loader.dataset();
        model.eval();
        InPlace.fill(lossSum, 0f);
        float[] outputs = new float[0];
        int at = 0;
        // a weighted loss's batch mean divides by the batch's Σ w: the split's loss is Σ (mean·Σ w) / Σ Σ w
        boolean weighted = false;
        double denominator;
        try (Autograd.NoGrad off = Autograd.noGrad(); Tensor weightSum = Tensor.zeros(lossSum.device(), 1)) {
            for (Batch batch : loader.epoch()) {
                try (batch; Scope s = Scope.open()) {
                    Tensor logits = model.forward(batch.x());
                    Tensor w = loss.weight(batch.y());
                    if (w == null) {
                        InPlace.add(lossSum, loss.apply(logits, batch.y()).mul((float) batch.size()).reshape(1));
                    } else {
                        InPlace.add(lossSum, loss.apply(logits, batch.y()).mul(w).reshape(1));
                        InPlace.add(weightSum, w);
                        weighted = true;
                    }
                    float[] rows = logits.toArray();
                    if (outputs.length == 0) {
                        outputs = new float[d.size() * (rows.length / batch.size())];
                    }
                    System.arraycopy(rows, 0, outputs, at, rows.length);
                    at += rows.length;
                }
            }
            denominator = weighted ? weightSum.item() : d.size();
        } finally {
            model.train();
        }
        float[] labels = new float[d.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = d.label(i);
        }
        return metrics.evaluate(outputs, labels, d.size(), d.size() == 0 ? Double.NaN : lossSum.item() / denominator);
    }

    /**
     * The metrics of {@code task} (fitted: as a checkpoint records it, {@link SavedModel.Settings#task})
     * for the model on {@code data}, in eval mode with gradients off: the mean loss (for regression,
     * on the targets standardised as in training) and the task's metrics (for regression, in the
     * targets' own units).
     */
    public static Metrics.Evaluation evaluate(Layer model, Samples data, Normalization norm, Task task, Device device) {
        try (DataLoader loader = new DataLoader(task.scaled(data), device, 1000, false, 0, DataLoader.LastBatch.KEEP, norm);
             Tensor lossSum = Tensor.zeros(device, 1)) {
            return measure(model, task.lossFunction(), loader, task.metrics(data.classes()), lossSum);
        }
    }

    /** The task as fitted by the last {@link #fit} (class weights, the target's mean and std), or as configured before one. */
    public Task task() {
        return fittedTask != null ? fittedTask : task;
    }

    /** The test split's metrics, measured once at the end of the last {@link #fit} on its best epoch's model (null before). */
    public Metrics.Evaluation test() {
        return testResult;
    }

    /** The best epoch by the monitored metric, as of the end of the last {@link #fit} (0 when none is known). */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** The metric that chose the best epoch in the last {@link #fit} (null before). */
    public Monitor monitored() {
        return monitored;
    }

    /** How many times the test split was measured (once per {@link #fit}); for tests. */
    int testEvaluations() {
        return testEvaluations;
    }

    /** An epoch's mean loss above this many times max(1, the first batch's loss) counts as diverged. */
    public static final double EXPLODED = 100;

    /** A diverged epoch stops training before its weights can overwrite the last good checkpoint. */
    private IllegalStateException diverged(int epoch, double trainLoss, double firstLoss) {
        String kept = config.checkpointDir() == null ? ""
                : epochsDone == 0 ? " (no checkpoint was written)" : " (the checkpoint of epoch " + epochsDone + " is kept)";
        String why = Double.isFinite(trainLoss) ? String.format(java.util.Locale.ROOT,
                ", over %.0f times max(1, %.4g), the loss of this run's first batch", EXPLODED, firstLoss) : "";
        return new IllegalStateException("train: the mean loss of epoch " + epoch + " is " + trainLoss + why
                + ": training diverged" + kept + "; lower the learning rate (" + baseLr + ") or clip the gradients,"
                + " and turn on anomaly detection (--detect-anomaly, or Anomaly.detect(true)) to name the op that first"
                + " produced a NaN or an infinity");
    }

    /**
     * The training data as a checkpoint records it (under {@code "data"}): its name, features per
     * sample, classes, the label each class stands for, its size, and where it and the test data
     * came from.
     */
    private static Map<String, Object> describe(Samples train, Samples test) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", train.name());
        d.put("dims", (long) train.dims());
        d.put("classes", (long) train.classes());
        d.put("labels", java.util.Arrays.stream(train.labelValues()).mapToObj(v -> (Object) (long) v).toList());
        d.put("samples", (long) train.size());
        d.put("source", train.source().toConfig());
        d.put("test_source", test.source().toConfig());
        return d;
    }

    /**
     * How a sample's stored values become the model's input, each step in order and in float32, as
     * a checkpoint records it (under {@code "preprocessing"}): a division by the data's divisor
     * (IDX pixels by 255) when there is one, then {@code (x - mean) / std} with the training set's
     * one mean and standard deviation over all features; or the steps fitted on the training data
     * that made its features (a CSV's per-column encoding, {@link dev.adjoint.data.CsvEncoding}).
     */
    private List<Object> preprocessing() {
        List<Object> steps = new ArrayList<>(fittedSteps);
        if (!fittedSteps.isEmpty()) {
            return steps;
        }
        if (inputDivisor != 1f) {
            Map<String, Object> divide = new LinkedHashMap<>();
            divide.put("op", "divide");
            divide.put("by", (double) inputDivisor);
            steps.add(divide);
        }
        Map<String, Object> standardize = new LinkedHashMap<>();
        standardize.put("op", "standardize");
        standardize.put("mean", (double) normalization.mean());
        standardize.put("std", (double) normalization.std());
        steps.add(standardize);
        return steps;
    }

    /**
     * One training step on a batch: zero gradients, forward, loss, backward, optional clipping,
     * optimizer update. When given, the batch's summed loss and correct count are added on the
     * device to {@code lossSum} and {@code correct} (one-element tensors); nothing is read back.
     * With {@link #replay} on, everything before the update is replayed from a captured plan.
     */
    public void step(Tensor x, Tensor y, Tensor lossSum, Tensor correct) {
        step(x, y, lossSum, correct, null, null, 0, 1.0 / world.size());
    }

    /**
     * {@link #step(Tensor, Tensor, Tensor, Tensor)}, and when {@code outputs} is given (not with
     * {@link #replay}), the batch's outputs and targets copied on the device into rows
     * {@code [at, at + batch)} of {@code outputs} and {@code targets}: the epoch's predictions, for
     * the training metrics. Returns whether the update was made: in FP16, a step whose gradients
     * overflow is skipped, and its loss is not added to {@code lossSum}.
     */
    boolean step(Tensor x, Tensor y, Tensor lossSum, Tensor correct, Tensor outputs, Tensor targets, int at,
                 double share) {
        long step = optimizer.steps();
        model.step(step);
        optimizer.lr((float) (baseLr * config.schedule().factor(step)));
        Tensor stepLoss = scaler == null ? lossSum : lossSum == null ? null : scaler.stepLoss();
        if (replay != null) {
            if (Anomaly.isDetecting()) {
                throw new IllegalStateException("train: anomaly detection is on, and it reads every op's result back "
                        + "to the host, which a replayed step cannot do; turn replay off (replay(false)) to find the NaN");
            }
            replay.run(x, y, stepLoss, correct);
        } else {
            if (overlap) {
                parallel.begin(share);
            }
            gradients(x, y, stepLoss, correct, outputs, targets, at);
        }
        if (parallel != null) {
            if (overlap && replay == null) {
                parallel.finish();
            } else {
                parallel.averageGradients(params.grads(), share);
            }
            if (config.clipNorm() > 0f && scaler == null) {
                Clip.globalNorm(params, config.clipNorm());
            }
        }
        if (scaler != null) {
            if (!scaler.unscale(params, lossSum)) {
                return false;
            }
            if (config.clipNorm() > 0f) {
                Clip.globalNorm(params, config.clipNorm());     // on the unscaled gradients, as PyTorch's GradScaler
            }
        }
        optimizer.step();
        return true;
    }

    /**
     * Computes the steps in {@code p} ({@link Precision}): BF16 or FP16 matmuls under
     * {@link Autocast}, with FP16's dynamic loss scaling; FP32 by default. Parameters, gradients,
     * optimizer state and checkpoints stay F32; validation and test metrics are measured in F32
     * on those parameters. TF32 is a CUDA device setting ({@code -Dadjoint.cuda.tf32=true}, made
     * before the device opens); here it computes as FP32.
     */
    public Trainer precision(Precision p) {
        if (p == null) {
            throw new IllegalArgumentException("train: a precision is required (FP32, TF32, BF16 or FP16)");
        }
        precision = p;
        if (p.scalesLoss() && scaler == null) {
            scaler = new LossScaler(params.values().device());
        } else if (!p.scalesLoss() && scaler != null) {
            scaler.close();
            scaler = null;
        }
        return this;
    }

    /**
     * Trains as rank {@code w.rank()} of a data-parallel job ({@link World}): every rank must build the
     * same model with the same seed and call {@link #fit} with the same data and config. Each takes its
     * share of every global batch of {@code config.batchSize()} rows ({@link DataLoader#shard}); after
     * backward the gradients are averaged over the ranks by their shares ({@link DataParallel}), then
     * clipped, so every rank makes the same update — the update one process makes on the whole batch, up
     * to the order of summation. Epoch metrics are summed over the ranks; validation and test are measured
     * on every rank (the same weights give the same numbers). At the start and after every epoch the
     * ranks check that their weights agree bit for bit ({@link World#agree}). Checkpoints, progress and
     * run files are the caller's to give to rank 0 alone.
     */
    public Trainer world(World w) {
        if (w == null) {
            throw new IllegalArgumentException("train: a world is required (World.single() for one process)");
        }
        world = w;
        if (parallel != null) {
            parallel.close();
        }
        parallel = DataParallel.wanted(w) ? new DataParallel(w, params.values().device()) : null;
        overlap = parallel != null && parallel.overlap(params);
        return this;
    }

    public World world() {
        return world;
    }

    /** The engine that sums the gradients over the ranks (NCCL, or MPI through the host), or "none" for one process. */
    public String gradientEngine() {
        return parallel == null ? "none" : parallel.engine();
    }

    /** How the gradients were summed over the ranks ({@link DataParallel#bucketReport}); "none" for one process. */
    public String gradientBuckets() {
        return parallel == null ? "none" : parallel.bucketReport();
    }

    /** How the steps compute (FP32 unless {@link #precision} said otherwise). */
    public Precision precision() {
        return precision;
    }

    /** The device work of a step before the update; the metrics only read the loss and the logits. */
    private void gradients(Tensor x, Tensor y, Tensor lossSum, Tensor correct) {
        gradients(x, y, lossSum, correct, null, null, 0);
    }

    private void gradients(Tensor x, Tensor y, Tensor lossSum, Tensor correct, Tensor outputs, Tensor targets, int at) {
        try (Scope s = Scope.open(); Autocast.Scope cast = Autocast.to(precision.matmulDtype())) {
            optimizer.zeroGrad();
            Tensor logits = model.forward(x);
            Tensor l = loss.apply(logits, y);
            (scaler == null ? l : scaler.scaled(l)).backward();
            try (Autograd.NoGrad off = Autograd.noGrad()) {
                if (lossSum != null) {
                    InPlace.add(lossSum, l.detach().mul((float) x.size(0)).reshape(1));
                }
                Tensor right = correct == null ? null : task.correct(logits, y);
                if (right != null) {
                    InPlace.add(correct, right);
                }
                if (outputs != null) {
                    int n = x.size(0);
                    InPlace.copy(outputs.slice(at, at + n), logits.detach().reshape(n, outputs.size(1)));
                    InPlace.copy(targets.slice(at, at + n), y);
                }
            }
            if (config.clipNorm() > 0f && scaler == null && parallel == null) {
                Clip.globalNorm(params, config.clipNorm());     // with a loss scale or ranks, in step: after those
            }
        }
    }

    /**
     * With {@code on}, each step replays its device work (forward, loss, backward, metrics,
     * clipping) from a {@link Plan} captured on the first batch of each shape, then runs the
     * optimizer update live: the same numbers as define-by-run, with no device allocation per step.
     * The model, parameters and optimizer must live on a {@link CapturingDevice}; models with
     * dropout cannot be replayed. Off (the default) frees the plans.
     */
    public Trainer replay(boolean on) {
        if (on && replay == null) {
            replay = new ReplayedStep(params.values().device(), this::gradients);
        } else if (!on && replay != null) {
            replay.close();
            replay = null;
        }
        return this;
    }

    /** The plans replayed so far, one per batch shape (empty without {@link #replay}); for tests and reports. */
    public List<Plan> replayPlans() {
        return replay == null ? List.of() : replay.plans();
    }

    /** Fraction of a dataset that a model classifies correctly (eval mode, no gradients). */
    public static double evaluate(Layer model, Samples data, Normalization norm, Device device) {
        try (DataLoader loader = new DataLoader(data, device, 1000, false, 0, DataLoader.LastBatch.KEEP, norm);
             Tensor correct = Tensor.zeros(device, 1)) {
            return accuracy(model, loader, correct);
        }
    }

    private static double accuracy(Layer model, DataLoader loader, Tensor correct) {
        model.eval();
        InPlace.fill(correct, 0f);
        int n = 0;
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            for (Batch batch : loader.epoch()) {
                try (batch; Scope s = Scope.open()) {
                    InPlace.add(correct, model.forward(batch.x()).argmax(1).equal(batch.y()).sum().reshape(1));
                    n += batch.size();
                }
            }
        }
        model.train();
        return correct.item() / n;
    }

    // ------------------------------------------------------------------ checkpoints

    /** What this run computes, as {@link RunRecord} compares it on resume. */
    private Map<String, Object> run() {
        Map<String, Object> r = new LinkedHashMap<>();
        // first, so that a resume with another task is refused naming it (a checkpoint from before tasks records none)
        r.put(Task.CONFIG, task.runConfig());
        r.put("model", modelConfig);
        r.put("loss", givenLoss ? loss.name() : task.loss());
        r.put("optimizer", optimizerSettings());
        r.put("schedule", config.schedule().config());
        r.put("batch_size", (long) config.batchSize());
        r.put("seed", config.seed());
        r.put("clip", (double) config.clipNorm());
        r.put("epochs", (long) config.epochs());
        r.put("validation", config.validation());
        return r;
    }

    /** The optimizer and its hyper-parameters as configured: the base learning rate, not the scheduled one. */
    private Map<String, Object> optimizerSettings() {
        Map<String, Object> opt = new LinkedHashMap<>();
        optimizer.config().forEach((k, v) -> opt.put(k, v instanceof Double d && (double) d.floatValue() == d
                ? Double.parseDouble(Float.toString(d.floatValue())) : v));   // 0.001f as 0.001, not 0.0010000000474974513
        opt.put("lr", Double.parseDouble(Float.toString(baseLr)));
        opt.remove("steps");
        return opt;
    }

    private Map<String, Tensor> checkpointTensors() {
        Map<String, Tensor> tensors = params.state();
        optimizer.state().forEach((k, v) -> tensors.put("optimizer." + k, v));
        return tensors;
    }

    private Map<String, Object> checkpointConfig(Map<String, Object> data, EpochStats stats, Monitor monitor,
                                                 double value) {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("model", modelConfig);
        cfg.put(Task.CONFIG, task().toConfig());
        cfg.put("preprocessing", preprocessing());
        cfg.put("optimizer", optimizerSettings());
        cfg.put("lr_at_save", (double) optimizer.lr());   // the rate the schedule had reached at the last step
        cfg.put("epochs_done", (long) epochsDone);
        cfg.put("optimizer_steps", optimizer.steps());
        cfg.put("seed", config.seed());
        cfg.put("batch_size", (long) config.batchSize());
        cfg.put("precision", precision.id());
        // the standardize step of "preprocessing" again, in the form every earlier checkpoint has it
        cfg.put("normalization", Map.of("mean", (double) normalization.mean(), "std", (double) normalization.std()));
        if (stats != null) {
            cfg.put("train_loss", stats.trainLoss());
            if (!Double.isNaN(stats.trainAccuracy())) {
                cfg.put("train_accuracy", stats.trainAccuracy());
            }
            if (stats.validation() != null) {
                stats.validation().scalars().forEach((k, v) -> cfg.put("val_" + k, Metrics.json(v)));
            }
        }
        if (monitor != null) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("metric", monitor.metric());
            m.put("mode", monitor.minimize() ? "min" : "max");
            m.put("value", Metrics.json(value));
            cfg.put(CheckpointDir.MONITOR, m);
        }
        cfg.put(RunRecord.RUN, run());
        if (data != null) {
            cfg.put(RunRecord.DATA, data);
        }
        cfg.putAll(records);
        return cfg;
    }

    /**
     * Writes parameters (by PyTorch names), optimizer state and progress to {@code dir}, as
     * {@link #fit} does after each epoch (but with no lock, test accuracy or best copy).
     */
    public void save(Path dir) {
        Checkpoint.save(dir, checkpointTensors(), checkpointConfig(null, null, null, Double.NaN));
    }

    /**
     * Continues from a checkpoint written by {@link #save} or {@link #fit}: parameters, optimizer
     * state, epoch count. Everything is checked before anything is copied, so a checkpoint of
     * another model, optimizer or run leaves this trainer as it was: the run it records must match
     * this trainer's ({@link RunRecord}: model, loss, optimizer and hyper-parameters, schedule,
     * batch size, seed, clipping; the data's shape is checked by {@link #fit}), and every value must
     * be finite.
     */
    public void resume(Path dir) {
        Checkpoint.Loaded loaded = Checkpoint.load(dir);
        Map<String, Object> cfg = loaded.config();
        String note = RunRecord.checkResume(dir, RunRecord.of(cfg), run());
        SavedModel.checkParameters(params, loaded, dir);
        Map<String, float[]> state = SavedModel.optimizerState(optimizer, loaded, dir);
        long steps = SavedModel.counter(cfg, "optimizer_steps", Long.MAX_VALUE, dir);
        int epochs = (int) SavedModel.counter(cfg, "epochs_done", 1_000_000, dir);
        SavedModel.copyParameters(params, loaded);
        optimizer.restore(steps, state);
        epochsDone = epochs;
        resumedFrom = dir;
        resumedData = RunRecord.data(cfg);
        if (note != null) {
            config.progress().note(note);
        }
    }
}
