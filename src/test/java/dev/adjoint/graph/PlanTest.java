package dev.adjoint.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.Datasets;
import dev.adjoint.data.Dataset;
import dev.adjoint.data.Split;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Parameters;
import dev.adjoint.nn.Sequential;
import dev.adjoint.optim.Optimizer;
import dev.adjoint.optim.Schedule;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import dev.adjoint.testing.CountingDevice;
import dev.adjoint.testing.FakeGraphDevice;
import dev.adjoint.train.MlpSpec;
import dev.adjoint.train.Progress;
import dev.adjoint.train.Trainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PlanTest {
    private static final int[] SIZES = {64, 48, 32, 10};
    private static final int BATCH = 16;
    private static final int BATCHES = 4;

    /** A model, its optimizer and trainer, and a few batches, all on one device. */
    private static final class Setup implements AutoCloseable {
        final Sequential model;
        final Parameters params;
        final Optimizer opt;
        final Trainer trainer;
        final Tensor[] xs = new Tensor[BATCHES];
        final Tensor[] ys = new Tensor[BATCHES];
        final Tensor lossSum;
        final Tensor correct;

        Setup(Device device, String optimizer, boolean replay) {
            this(device, optimizer, replay, new int[0]);
        }

        /**
         * With {@code conv} channels: convolution stages on the inputs as 8x8 images (train --conv), each
         * stage and hidden layer with a BatchNorm (--norm batch), whose running statistics are state too.
         */
        Setup(Device device, String optimizer, boolean replay, int[] conv) {
            model = new MlpSpec(SIZES, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 11).withBatchNorm(conv.length > 0)
                    .withConvolution(conv).build(device);
            params = Parameters.of(model);
            opt = Optimizer.byName(optimizer, params, 1e-2f, 1e-4f);
            Trainer.Config cfg = Trainer.Config.of(1, BATCH).withClipNorm(1f)
                    .withSchedule(Schedule.cosine(100, 0.1)).withProgress(Progress.silent());
            trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"), cfg, Map.of()).replay(replay);
            Random rnd = new Random(5);
            for (int i = 0; i < BATCHES; i++) {
                float[] x = new float[BATCH * SIZES[0]];
                float[] y = new float[BATCH];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) rnd.nextGaussian();
                }
                for (int j = 0; j < BATCH; j++) {
                    y[j] = rnd.nextInt(SIZES[SIZES.length - 1]);
                }
                xs[i] = Tensor.of(device, x, BATCH, SIZES[0]);
                ys[i] = Tensor.of(device, y, BATCH);
            }
            lossSum = Tensor.zeros(device, 1);
            correct = Tensor.zeros(device, 1);
        }

        void steps(int n) {
            for (int s = 0; s < n; s++) {
                trainer.step(xs[s % BATCHES], ys[s % BATCHES], lossSum, correct);
            }
        }

        /** Parameters and buffers, optimizer state and accumulated metrics, in a fixed order. */
        List<float[]> state() {
            List<float[]> all = new ArrayList<>();
            all.add(params.snapshot());
            opt.state().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> all.add(e.getValue().toArray()));
            all.add(lossSum.toArray());
            all.add(correct.toArray());
            return all;
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

    @ParameterizedTest
    @ValueSource(strings = {"adam", "nesterov", "sgd"})
    void hundredReplayedStepsOnCpuAreBitIdenticalToDefineByRun(String optimizer) {
        Device cpu = Backends.open("cpu");
        List<float[]> expected;
        List<float[]> actual;
        try (Setup s = new Setup(cpu, optimizer, false)) {
            s.steps(100);
            expected = s.state();
        }
        try (Setup s = new Setup(new CapturingDevice(cpu), optimizer, true)) {
            s.steps(100);
            actual = s.state();
            assertEquals(100, s.opt.steps(), "the captured step counts as a step");
        }
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), optimizer + ": state " + i + " differs after 100 steps");
        }
    }

    @Test
    void replayAllocatesNoDeviceMemoryAndReusesBuffersByLiveness() {
        CountingDevice counting = new CountingDevice(Backends.open("cpu"));
        CapturingDevice device = new CapturingDevice(counting);
        try (Setup s = new Setup(device, "adam", true)) {
            s.steps(1);
            long afterCapture = counting.allocations();
            s.steps(100);
            assertEquals(afterCapture, counting.allocations(), "device allocations during 100 replayed steps");
            Plan plan = replayPlans(s).getFirst();
            assertTrue(plan.arenaFloats() < plan.requestedFloats(), "arena " + plan + " should reuse buffers");
            assertTrue(plan.arenaBuffers() < plan.allocations(), plan.toString());
        }
    }

    private static List<Plan> replayPlans(Setup s) {
        try {
            var f = Trainer.class.getDeclaredField("replay");
            f.setAccessible(true);
            return ((ReplayedStep) f.get(s.trainer)).plans();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void replayMatchesDefineByRunOnEveryBackend(String backend) {
        replayMatchesDefineByRun(backend, new int[0]);
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void replayOfACnnMatchesDefineByRunOnEveryBackend(String backend) {
        // the convolutions, their gradients and the pooling's max in the plan; BatchNorm's running statistics updated by it
        replayMatchesDefineByRun(backend, new int[] {3, 4});
    }

    private static void replayMatchesDefineByRun(String backend, int[] conv) {
        Device device = Backends.open(backend);
        List<float[]> expected;
        List<float[]> actual;
        try (Setup s = new Setup(device, "adam", false, conv)) {
            s.steps(20);
            expected = s.state();
        }
        try (Setup s = new Setup(new CapturingDevice(device), "adam", true, conv)) {
            s.steps(20);
            actual = s.state();
            if (conv.length > 0) {
                List<Call> calls = replayPlans(s).getFirst().calls();
                for (Class<?> c : List.of(Call.Conv.class, Call.ConvBackwardInput.class, Call.ConvBackwardWeight.class,
                        Call.MaxPool.class, Call.MaxPoolBackward.class)) {
                    assertTrue(calls.stream().anyMatch(c::isInstance), backend + ": no " + c.getSimpleName() + " in the plan");
                }
            }
        }
        for (int i = 0; i < expected.size(); i++) {
            float[] e = expected.get(i);
            float[] a = actual.get(i);
            if (backend.equals("cpu")) {
                assertArrayEquals(e, a, backend + ": state " + i);
            } else {
                for (int j = 0; j < e.length; j++) {
                    assertEquals(e[j], a[j], 1e-5f + 1e-4f * Math.abs(e[j]), backend + ": state " + i + " [" + j + "]");
                }
            }
        }
    }

    @Test
    void fitWithReplayGivesTheSameWeightsAsDefineByRun() {
        Split<Dataset> spiral = Datasets.spiral(3, 200, 7);
        MlpSpec spec = MlpSpec.of(2, new int[] {32, 16}, 3, Activation.Kind.TANH, Init.XAVIER_UNIFORM, 0f, 5);
        float[] plain = fit(Backends.open("cpu"), spec, spiral, false);
        float[] replayed = fit(new CapturingDevice(Backends.open("cpu")), spec, spiral, true);
        assertArrayEquals(plain, replayed, "two epochs of fit (with a short last batch)");
    }

    private static float[] fit(Device device, MlpSpec spec, Split<Dataset> data, boolean replay) {
        try (Sequential model = spec.build(device); Parameters params = Parameters.of(model);
             Optimizer opt = Optimizer.byName("adamw", params, 0.01f, 1e-4f)) {
            Trainer trainer = new Trainer(model, params, opt, Losses.byName("cross-entropy"),
                    Trainer.Config.of(2, 32).withSeed(3).withProgress(Progress.silent()), spec.toConfig()).replay(replay);
            trainer.fit(data.train(), data.test(), device, e -> {});
            trainer.replay(false);
            return params.values().toArray();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adam", "nesterov", "sgd"})
    void aGraphIsCapturedOnceLaunchedEveryStepAndGivesThePlainReplaysNumbers(String optimizer) {
        Device cpu = Backends.open("cpu");
        List<float[]> plain;
        try (Setup s = new Setup(new CapturingDevice(cpu), optimizer, true)) {
            s.steps(100);
            plain = s.state();
            assertTrue(!s.trainer.replayPlans().getFirst().graphed(), "the CPU offers no graphs");
        }
        FakeGraphDevice fake = new FakeGraphDevice(cpu);
        List<float[]> graphed;
        try (Setup s = new Setup(new CapturingDevice(fake), optimizer, true)) {
            s.steps(100);
            graphed = s.state();
            Plan plan = s.trainer.replayPlans().getFirst();
            assertTrue(plan.graphed(), plan.toString());
            assertEquals(1, fake.captures(), "one graph, captured at the first replay");
            assertEquals(99, fake.launches(), "step 1 is the plan's own capture; steps 2..100 launch the graph");
            assertEquals(0, fake.destroyed());
            s.trainer.replay(false);
            assertEquals(1, fake.destroyed(), "closing the plan destroys its graph");
            assertTrue(plan.isClosed());
        }
        for (int i = 0; i < plain.size(); i++) {
            assertArrayEquals(plain.get(i), graphed.get(i), optimizer + ": state " + i + " differs after 100 steps");
        }
    }

    @Test
    void graphsSwitchedOffReplayCallByCall() {
        FakeGraphDevice fake = new FakeGraphDevice(Backends.open("cpu")).enabled(false);
        try (Setup s = new Setup(new CapturingDevice(fake), "adam", true)) {
            s.steps(10);
            assertEquals(0, fake.captures());
            assertEquals(0, fake.launches());
            assertTrue(!s.trainer.replayPlans().getFirst().graphed());
        }
    }

    @Test
    void aFailedGraphCaptureRunsNothingAndLaterReplaysIssueTheCalls() {
        FakeGraphDevice fake = new FakeGraphDevice(Backends.open("cpu"));
        CapturingDevice device = new CapturingDevice(fake);
        try (Tensor x = Tensor.of(device, new float[] {1, -2, 3}, 3);
             Tensor out = Tensor.zeros(device, 3)) {
            Plan plan = Plan.capture(device, () -> {
                try (Scope s = Scope.open()) {
                    dev.adjoint.tensor.InPlace.copy(out, x.relu().add(1f));
                }
            });
            dev.adjoint.tensor.InPlace.fill(out, 0f);
            fake.failNextCapture(new DeviceException("fake: refused"));
            DeviceException e = assertThrows(DeviceException.class, plan::replay);
            assertTrue(e.getMessage().contains("refused"), e.getMessage());
            assertArrayEquals(new float[] {0, 0, 0}, out.toArray(), "a failed capture runs nothing");
            plan.replay();
            assertArrayEquals(new float[] {2, 1, 4}, out.toArray());
            assertTrue(!plan.graphed());
            plan.close();
            assertEquals(0, fake.destroyed());
        }
    }

    @Test
    void aGraphedPlanReplaysOntoItsBuffersAndIsDestroyedWithThePlan() {
        FakeGraphDevice fake = new FakeGraphDevice(Backends.open("cpu"));
        CapturingDevice device = new CapturingDevice(fake);
        try (Tensor x = Tensor.of(device, new float[] {1, -2, 3}, 3);
             Tensor out = Tensor.zeros(device, 3)) {
            Plan plan = Plan.capture(device, () -> {
                try (Scope s = Scope.open()) {
                    dev.adjoint.tensor.InPlace.copy(out, x.mul(2f).relu());
                }
            });
            for (float v = 1; v <= 3; v++) {
                try (Tensor next = Tensor.of(device, new float[] {v, -v, 10 * v}, 3)) {
                    dev.adjoint.tensor.InPlace.copy(x, next);
                }
                plan.replay();
                assertArrayEquals(new float[] {2 * v, 0, 20 * v}, out.toArray(), "replay " + v);
            }
            assertEquals(1, fake.captures());
            assertEquals(3, fake.launches());
            assertTrue(plan.toString().contains("device graph"), plan.toString());
            plan.close();
            plan.close();
            assertEquals(1, fake.destroyed(), "closed once");
            assertThrows(IllegalStateException.class, plan::replay);
        }
    }

    @Test
    void aPlanReplaysOntoFixedInputAndOutputBuffers() {
        CapturingDevice device = new CapturingDevice(Backends.open("cpu"));
        try (Tensor x = Tensor.of(device, new float[] {1, -2, 3}, 3);
             Tensor w = Tensor.of(device, new float[] {2, 2, 2}, 3);
             Tensor out = Tensor.zeros(device, 3)) {
            Plan plan = Plan.capture(device, () -> {
                try (Scope s = Scope.open()) {
                    dev.adjoint.tensor.InPlace.copy(out, x.mul(w).relu().add(1f));
                }
            });
            assertArrayEquals(new float[] {3, 1, 7}, out.toArray());
            try (Tensor next = Tensor.of(device, new float[] {-1, 4, 0.5f}, 3)) {
                dev.adjoint.tensor.InPlace.copy(x, next);
            }
            plan.replay();
            assertArrayEquals(new float[] {1, 9, 2}, out.toArray());
            assertEquals(4, plan.calls().size(), "mul, relu, add, copy: " + plan.calls());
            plan.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, plan::replay);
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
        }
    }

    /**
     * A capture belongs to its thread: another thread's op during it is refused by name instead of
     * being recorded into the step (and replayed with it) or given arena memory every replay
     * overwrites. The plan holds the capturing thread's calls only, and replays them right.
     */
    @Test
    @org.junit.jupiter.api.Timeout(30)
    void aCaptureRefusesCallsFromOtherThreads() throws Exception {
        CapturingDevice device = new CapturingDevice(Backends.open("cpu"));
        try (Tensor x = Tensor.of(device, new float[] {1, -2, 3}, 3);
             Tensor out = Tensor.zeros(device, 3)) {
            java.util.concurrent.CompletableFuture<Object> other = new java.util.concurrent.CompletableFuture<>();
            Plan plan = Plan.capture(device, () -> {
                try (Scope s = Scope.open()) {
                    dev.adjoint.tensor.InPlace.copy(out, x.mul(2f));
                    Thread t = Thread.ofPlatform().name("other").start(() -> {
                        try (Tensor y = x.add(10f)) {
                            other.complete(y.toArray());
                        } catch (RuntimeException e) {
                            other.complete(e);
                        }
                    });
                    try {
                        t.join(10_000);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            Object result = other.get(10, java.util.concurrent.TimeUnit.SECONDS);
            IllegalStateException e = assertInstanceOf(IllegalStateException.class, result);
            assertEquals("allocate during a capture on cpu: the capture belongs to thread '"
                    + Thread.currentThread().getName() + "', and this call comes from thread 'other' (it would be "
                    + "recorded into that step and replayed with it); make it before or after the capture",
                    e.getMessage());
            assertEquals(2, plan.calls().size(), "mul, copy: " + plan.calls());
            try (Tensor next = Tensor.of(device, new float[] {4, 5, 6}, 3)) {
                dev.adjoint.tensor.InPlace.copy(x, next);
            }
            plan.replay();
            assertArrayEquals(new float[] {8, 10, 12}, out.toArray());
            plan.close();
        }
    }

    @Test
    void captureRefusesWhatAReplayCouldNotReproduce() {
        CapturingDevice device = new CapturingDevice(new CpuDevice(1));
        try (Tensor x = Tensor.of(device, new float[] {1, 2}, 2)) {
            assertRefused(device, "download", () -> x.sum().item());
            assertRefused(device, "upload", () -> Tensor.of(device, new float[] {1}, 1).close());
            assertRefused(device, "random", () -> Tensor.rand(device, 1, 2).close());
            try (Sequential m = Sequential.mlp(device, new int[] {2, 2}, Activation.Kind.RELU, Init.HE_UNIFORM, 0f, 1);
                 Parameters p = Parameters.of(m); Optimizer opt = Optimizer.adam(p, 1e-3f, 0f, false)) {
                assertRefused(device, "adamStep", opt::step);
            }
            assertRefused(device, "another capture", () -> Plan.capture(device, () -> {}));
            Tensor outside = x.add(1f);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> Plan.capture(device, () -> {
                        x.add(outside).close();
                        outside.close();
                    }));
            assertTrue(e.getMessage().contains("made before the capture"), e.getMessage());
            assertTrue(!device.capturing(), "a failed capture ends the capture");
        } finally {
            device.close();
        }
    }

    private static void assertRefused(CapturingDevice device, String op, Runnable step) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Plan.capture(device, () -> {
            try (Scope s = Scope.open()) {
                step.run();
            }
        }));
        assertTrue(e.getMessage().contains(op), "message should name " + op + ": " + e.getMessage());
        assertTrue(!device.capturing(), "a failed capture ends the capture");
    }

    @Test
    void replayNeedsTheModelOnACapturingDevice() {
        Device cpu = Backends.open("cpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Setup(cpu, "adam", true));
        assertTrue(e.getMessage().contains("CapturingDevice"), e.getMessage());
    }
}
