package dev.adjoint.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Dataset;
import dev.adjoint.data.Datasets;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.DirectoryLock;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * #20 class 5: a resumed run must compute what its checkpoint's did (every setting that changes the
 * computation is checked and a difference is refused naming the field), a schedule resumed over a
 * new length says so, a directory holding another run's checkpoint is not overwritten unless asked,
 * and one directory has one writer.
 */
class ResumeChecksTest {
    private static final Split<Dataset> SPIRAL = Datasets.spiral(3, 100, 7);

    @TempDir
    Path tmp;

    /** A run's settings, each one changeable by a test. */
    record Run(MlpSpec spec, String loss, String optimizer, float lr, float weightDecay, int batch, long seed, float clip,
               Schedule schedule, int epochs) {
        static Run base() {
            return new Run(MlpSpec.of(2, new int[] {8}, 3, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 5),
                    "cross-entropy", "adam", 0.01f, 0f, 32, 3, 0f, Schedule.cosine(40, 0), 2);
        }

        Trainer.Config config(Path checkpoints, Progress progress) {
            return Trainer.Config.of(epochs, batch).withSeed(seed).withClipNorm(clip).withSchedule(schedule)
                    .withCheckpoints(checkpoints).withProgress(progress);
        }
    }

    /** Trains {@code run} (resuming {@code resume} when given) on {@code train}; returns the final weights. */
    private static float[] train(Run run, Dataset train, Path checkpoints, Path resume, Progress progress,
                                 boolean overwrite) {
        try (Device cpu = new CpuDevice(1); Sequential model = run.spec().build(cpu); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName(run.optimizer(), params, run.lr(), run.weightDecay())) {
            Trainer t = new Trainer(model, params, opt, Losses.byName(run.loss()),
                    run.config(checkpoints, progress).withOverwrite(overwrite), run.spec().toConfig());
            if (resume != null) {
                t.resume(resume);
            }
            t.fit(train, SPIRAL.test(), cpu, s -> {});
            return params.values().toArray();
        }
    }

    static Stream<Arguments> changes() {
        MlpSpec base = Run.base().spec();
        return Stream.of(
                change("optimizer.name = adam, and this run has adamw", r -> withOptimizer(r, "adamw")),
                change("optimizer.lr = 0.01, and this run has 1.0", r -> new Run(r.spec(), r.loss(), r.optimizer(), 1f,
                        r.weightDecay(), r.batch(), r.seed(), r.clip(), r.schedule(), r.epochs())),
                change("optimizer.weight_decay = 0.0, and this run has 0.1", r -> new Run(r.spec(), r.loss(), r.optimizer(),
                        r.lr(), 0.1f, r.batch(), r.seed(), r.clip(), r.schedule(), r.epochs())),
                change("loss = cross-entropy, and this run has hinge", r -> new Run(r.spec(), "hinge", r.optimizer(), r.lr(),
                        r.weightDecay(), r.batch(), r.seed(), r.clip(), r.schedule(), r.epochs())),
                change("batch_size = 32, and this run has 16", r -> new Run(r.spec(), r.loss(), r.optimizer(), r.lr(),
                        r.weightDecay(), 16, r.seed(), r.clip(), r.schedule(), r.epochs())),
                change("seed = 3, and this run has 4", r -> new Run(r.spec(), r.loss(), r.optimizer(), r.lr(),
                        r.weightDecay(), r.batch(), 4, r.clip(), r.schedule(), r.epochs())),
                change("clip = 0.0, and this run has 1.0", r -> new Run(r.spec(), r.loss(), r.optimizer(), r.lr(),
                        r.weightDecay(), r.batch(), r.seed(), 1f, r.schedule(), r.epochs())),
                change("schedule.name = cosine, and this run has constant", r -> new Run(r.spec(), r.loss(), r.optimizer(),
                        r.lr(), r.weightDecay(), r.batch(), r.seed(), r.clip(), Schedule.constant(), r.epochs())),
                change("schedule.name = cosine, and this run has warmup", r -> new Run(r.spec(), r.loss(), r.optimizer(),
                        r.lr(), r.weightDecay(), r.batch(), r.seed(), r.clip(), Schedule.warmup(5, Schedule.cosine(35, 0)),
                        r.epochs())),
                change("model.activation = tanh, and this run has relu", r -> withSpec(r, MlpSpec.of(2, new int[] {8}, 3,
                        Activation.Kind.RELU, Init.XAVIER_UNIFORM, 0f, 5))),
                change("model.dropout = 0.0, and this run has 0.5", r -> withSpec(r, MlpSpec.of(2, new int[] {8}, 3,
                        base.activation(), base.init(), 0.5f, 5))),
                change("model.sizes = [2, 8, 3], and this run has [2, 9, 3]", r -> withSpec(r, MlpSpec.of(2, new int[] {9}, 3,
                        base.activation(), base.init(), 0f, 5))));
    }

    private static Arguments change(String field, UnaryOperator<Run> how) {
        return Arguments.of(field, how);
    }

    private static Run withOptimizer(Run r, String name) {
        return new Run(r.spec(), r.loss(), name, r.lr(), r.weightDecay(), r.batch(), r.seed(), r.clip(), r.schedule(),
                r.epochs());
    }

    private static Run withSpec(Run r, MlpSpec spec) {
        return new Run(spec, r.loss(), r.optimizer(), r.lr(), r.weightDecay(), r.batch(), r.seed(), r.clip(), r.schedule(),
                r.epochs());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("changes")
    void aResumedRunThatComputesSomethingElseIsRefusedNamingTheField(String field, UnaryOperator<Run> how) {
        Path dir = tmp.resolve("ck");
        train(Run.base(), SPIRAL.train(), dir, null, Progress.silent(), false);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(how.apply(Run.base()), SPIRAL.train(), null, dir, Progress.silent(), false));
        assertTrue(e.getMessage().startsWith("resume: " + dir + " was trained with " + field), e.getMessage());
    }

    /**
     * A checkpoint written before runs were recorded (no "run", "data" or accuracy; the optimizer's
     * float32 hyper-parameters as long doubles, 0.9f as 0.8999999761581421) still resumes, and
     * continues bit-identically.
     */
    @Test
    @SuppressWarnings("unchecked")
    void aCheckpointFromBeforeRunRecordsStillResumes() {
        Run adam = Run.base();
        Path full = tmp.resolve("full");
        Path old = tmp.resolve("old");
        float[] uninterrupted = train(new Run(adam.spec(), adam.loss(), adam.optimizer(), adam.lr(), adam.weightDecay(),
                adam.batch(), adam.seed(), adam.clip(), adam.schedule(), 3), SPIRAL.train(), full, null, Progress.silent(),
                false);
        train(adam, SPIRAL.train(), old, null, Progress.silent(), false);
        Checkpoint.Loaded saved = Checkpoint.load(old);
        java.util.Map<String, Object> legacy = new java.util.LinkedHashMap<>(saved.config());
        for (String k : java.util.List.of("run", "data", "test_accuracy", "command_line", "preprocessing")) {
            legacy.remove(k);
        }
        // the optimizer as checkpoints held it then: its own config, float32 values widened, the scheduled rate, the steps
        java.util.Map<String, Object> optimizer = new java.util.LinkedHashMap<>((java.util.Map<String, Object>) legacy.get("optimizer"));
        optimizer.put("lr", legacy.remove("lr_at_save"));
        for (String k : java.util.List.of("beta1", "beta2", "eps")) {
            optimizer.put(k, (double) ((Number) optimizer.get(k)).floatValue());
        }
        optimizer.put("steps", legacy.get("optimizer_steps"));
        legacy.put("optimizer", optimizer);
        assertEquals(0.8999999761581421, optimizer.get("beta1"));
        try (Device cpu = new CpuDevice(1); dev.adjoint.tensor.Scope s = dev.adjoint.tensor.Scope.open()) {
            java.util.Map<String, dev.adjoint.tensor.Tensor> tensors = new java.util.LinkedHashMap<>();
            saved.tensors().forEach((k, v) -> tensors.put(k, dev.adjoint.tensor.Tensor.of(cpu, v.data(), v.shape())));
            Checkpoint.save(tmp.resolve("legacy"), tensors, legacy);
        }
        Run three = new Run(adam.spec(), adam.loss(), adam.optimizer(), adam.lr(), adam.weightDecay(), adam.batch(),
                adam.seed(), adam.clip(), adam.schedule(), 3);
        assertArrayEquals(uninterrupted, train(three, SPIRAL.train(), null, tmp.resolve("legacy"), Progress.silent(), false));
    }

    @Test
    void dataOfAnotherShapeIsRefused() {
        Path dir = tmp.resolve("ck");
        train(Run.base(), SPIRAL.train(), dir, null, Progress.silent(), false);
        Dataset fourClasses = Datasets.spiral(4, 100, 7, "spiral-4");
        Run four = withSpec(Run.base(), MlpSpec.of(2, new int[] {8}, 4, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 5));
        // the model's last layer then differs first; with the same model, the data check names the classes
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(four, fourClasses, null, dir, Progress.silent(), false));
        assertTrue(e.getMessage().contains("model.sizes = [2, 8, 3], and this run has [2, 8, 4]"), e.getMessage());
        Dataset moreClassesSameModel = Datasets.spiral(2, 150, 7, "spiral-2");
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                () -> train(Run.base(), moreClassesSameModel, null, dir, Progress.silent(), false));
        assertTrue(d.getMessage().contains("was trained on data 'spiral-train' with data.classes = 3, and this run has 2"),
                d.getMessage());
    }

    @Test
    void aScheduleResumedOverANewLengthSaysSo() {
        Path dir = tmp.resolve("ck");
        train(Run.base(), SPIRAL.train(), dir, null, Progress.silent(), false);
        Run longer = new Run(Run.base().spec(), "cross-entropy", "adam", 0.01f, 0f, 32, 3, 0f, Schedule.cosine(60, 0), 3);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        train(longer, SPIRAL.train(), null, dir, Progress.lines(new PrintStream(printed, true, StandardCharsets.UTF_8)), false);
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("resume: the cosine learning-rate schedule of " + dir
                + " was planned for 2 epochs and now spans 3"), printed.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anotherRunsDirectoryIsRefusedUnlessOverwritingIsAsked() {
        Path dir = tmp.resolve("ck");
        float[] first = train(Run.base(), SPIRAL.train(), dir, null, Progress.silent(), false);
        byte[] before = Checkpoint.load(dir).tensors().get("0.weight").data().length > 0 ? read(dir) : null;
        Run other = withOptimizer(Run.base(), "sgd");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(other, SPIRAL.train(), dir, null, Progress.silent(), false));
        assertTrue(e.getMessage().startsWith("train: " + dir + " already holds the checkpoint of another run (epoch 2, "
                + "train_loss "), e.getMessage());
        assertArrayEquals(before, read(dir), "the other run's checkpoint is untouched");
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        float[] replaced = train(other, SPIRAL.train(), dir, null,
                Progress.lines(new PrintStream(printed, true, StandardCharsets.UTF_8)), true);
        assertTrue(printed.toString(StandardCharsets.UTF_8).contains("replacing the checkpoint in " + dir), printed.toString());
        assertFalse(java.util.Arrays.equals(first, replaced));
        assertEquals("sgd", ((java.util.Map<?, ?>) Checkpoint.load(dir.resolve("best")).config().get("optimizer")).get("name"),
                "the old best went with the run it belonged to");
    }

    private static byte[] read(Path dir) {
        try {
            return Files.readAllBytes(dir.resolve(Checkpoint.MODEL));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aDirectoryHasOneWriter() {
        Path dir = tmp.resolve("ck");
        try (DirectoryLock held = DirectoryLock.acquire(dir, "checkpoints")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> train(Run.base(), SPIRAL.train(), dir, null, Progress.silent(), false));
            assertEquals(dir + " is in use: another run (process " + ProcessHandle.current().pid() + ", this one) is writing"
                    + " its checkpoints; wait for it to finish or choose another directory", e.getMessage());
            assertFalse(Files.exists(dir.resolve(Checkpoint.MODEL)));
        }
        train(Run.base(), SPIRAL.train(), dir, null, Progress.silent(), false);
        assertTrue(Files.exists(dir.resolve(Checkpoint.MODEL)), "free again once the holder is done");
    }
}
