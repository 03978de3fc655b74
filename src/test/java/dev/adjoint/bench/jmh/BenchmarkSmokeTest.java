package dev.adjoint.bench.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.bench.ModelSpec;
import dev.adjoint.bench.Sizes;
import dev.adjoint.device.Backend;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import dev.adjoint.testing.Backends;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JMH benchmarks without JMH, so that a broken benchmark fails the build (CI runs no JMH):
 * each one's setup (which validates against float64), one timed invocation and its teardown, at
 * its smallest parameters on every available backend; and each validation, handed a device with
 * one primitive skipped or wrong, must refuse to time it.
 */
class BenchmarkSmokeTest {

    static List<String> backends() {
        return Backends.names();
    }

    private static void assumeAvailable(String backend) {
        Backend.Availability a = Devices.backend(backend).availability();
        Assumptions.assumeTrue(a.available(), () -> backend + " unavailable: " + a.reason());
    }

    /** Setup, one invocation, teardown (also when setup fails, as JMH does). */
    private static void once(Runnable setup, Runnable invocation, Runnable tearDown) {
        try {
            setup.run();
            invocation.run();
        } finally {
            tearDown.run();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void gemm(String backend) {
        assumeAvailable(backend);
        GemmBenchmark b = new GemmBenchmark();
        b.backend = backend;
        b.shape = "128x256x64";
        GemmBenchmark.Flops flops = new GemmBenchmark.Flops();
        once(b::setup, () -> b.gemm(flops), b::tearDown);
        assertEquals(2.0 * 128 * 256 * 64 / 1e9, flops.gflop, 1e-15);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void elementwise(String backend) {
        assumeAvailable(backend);
        for (ElementwiseBenchmark.Op op : ElementwiseBenchmark.Op.values()) {
            ElementwiseBenchmark b = new ElementwiseBenchmark();
            b.backend = backend;
            b.op = op.name().toLowerCase(java.util.Locale.ROOT);
            b.shape = "33x257";
            MemoryTraffic traffic = new MemoryTraffic();
            once(b::setup, () -> b.elementwise(traffic), b::tearDown);
            long n = 33 * 257;
            long floats = op.unary != null ? 2 * n : op == ElementwiseBenchmark.Op.BIAS_ADD ? 2 * n + 257 : 3 * n;
            assertEquals(4e-9 * floats, traffic.gbytes, 1e-15, op.name());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void softmaxCrossEntropy(String backend) {
        assumeAvailable(backend);
        for (String shape : List.of("128x10", "7x1000")) {
            SoftmaxCrossEntropyBenchmark b = new SoftmaxCrossEntropyBenchmark();
            b.backend = backend;
            b.shape = shape;
            MemoryTraffic traffic = new MemoryTraffic();
            once(b::setup, () -> b.forwardBackward(traffic), b::tearDown);
            int[] rc = Sizes.parse("shape", shape, "x", 2);
            assertEquals(4e-9 * (4L * rc[0] * rc[1] + 3L * rc[0] + 1), traffic.gbytes, 1e-15, shape);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void optimizers(String backend) {
        assumeAvailable(backend);
        for (String optimizer : List.of("adam", "sgd_momentum")) {
            OptimizerBenchmark b = new OptimizerBenchmark();
            b.backend = backend;
            b.optimizer = optimizer;
            b.model = "784-256-128-10";
            MemoryTraffic traffic = new MemoryTraffic();
            once(b::setup, () -> b.step(traffic), b::tearDown);
            // 784·256 + 256 + 256·128 + 128 + 128·10 + 10 parameters, 7 or 5 floats moved for each.
            assertEquals(4e-9 * (optimizer.equals("adam") ? 7 : 5) * 235_146, traffic.gbytes, 1e-12, optimizer);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void trainStepAndInference(String backend) {
        assumeAvailable(backend);
        TrainStepBenchmark t = new TrainStepBenchmark();
        t.backend = backend;
        t.model = "784-64-10/32";
        once(t::setup, t::step, t::tearDown);

        InferenceBenchmark i = new InferenceBenchmark();
        i.backend = backend;
        i.model = "784-64-32-10/16";
        once(i::setup, i::infer, i::tearDown);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void replay(String backend) {
        assumeAvailable(backend);
        ReplayBenchmark b = new ReplayBenchmark();
        b.backend = backend;
        b.model = "784-64-10/32";
        once(b::setup, () -> {
            b.defineByRunStep();
            b.replayedStep();
        }, b::tearDown);
    }

    @Test
    void theParametersAreParsedOrRefusedByName() {
        ModelSpec spec = ModelSpec.parse("784-256-128-10/128");
        assertEquals(List.of(784, 256, 128, 10), java.util.Arrays.stream(spec.sizes()).boxed().toList());
        assertEquals(128, spec.batch());
        assertEquals(1_863_690, OptimizerBenchmark.parameterCount(new int[] {784, 1024, 1024, 10}));
        assertEquals(20_037_642, OptimizerBenchmark.parameterCount(new int[] {784, 4096, 4096, 10}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sizes.parse("elementwise shape", "128x0", "x", 2));
        assertTrue(e.getMessage().contains("elementwise shape '128x0'"), e.getMessage());
        GemmBenchmark g = new GemmBenchmark();
        g.shape = "128x0x5";
        e = assertThrows(IllegalArgumentException.class, () -> once(() -> g.open(cpu()), () -> {}, g::tearDown));
        assertTrue(e.getMessage().contains("shape '128x0x5' is not 3 positive integers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelSpec.parse("784-256-10"));
        assertTrue(e.getMessage().contains("SIZES/BATCH"), e.getMessage());
        ElementwiseBenchmark b = new ElementwiseBenchmark();
        b.op = "softsign";
        b.shape = "2x2";
        e = assertThrows(IllegalArgumentException.class, () -> b.open(cpu()));
        assertTrue(e.getMessage().contains("'softsign'"), e.getMessage());
    }

    // ---------------------------------------------------------------- validation catches a wrong device

    private static Device cpu() {
        return Devices.select("cpu").device();
    }

    /**
     * The CPU device, except that each call of {@code method} passes its arguments through
     * {@code fault} first; a null result skips the call.
     */
    private static Device faulty(String method, UnaryOperator<Object[]> fault) {
        Device inner = cpu();
        return (Device) Proxy.newProxyInstance(Device.class.getClassLoader(), new Class<?>[] {Device.class},
                (proxy, m, args) -> {
                    switch (m.getName()) {
                        case "equals" -> {
                            return proxy == args[0];
                        }
                        case "hashCode" -> {
                            return System.identityHashCode(proxy);
                        }
                        default -> {
                            Object[] a = args;
                            if (m.getName().equals(method)) {
                                a = fault.apply(args.clone());
                                if (a == null) {
                                    return null;
                                }
                            }
                            try {
                                return m.invoke(inner, a);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        }
                    }
                });
    }

    private static Device skipping(String method) {
        return faulty(method, args -> null);
    }

    /** Setup on the given device must fail with a message that contains {@code expected}. */
    private static void refuses(Consumer<Device> open, Runnable tearDown, Device device, String expected) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> once(() -> open.accept(device),
                () -> {}, tearDown));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void gemmValidationCatchesAWrongProduct() {
        GemmBenchmark b = new GemmBenchmark();
        b.shape = "128x256x64";
        refuses(b::open, b::tearDown, faulty("gemm", args -> {
            args[5] = 1.1f * (float) args[5]; // alpha
            return args;
        }), "gemm 128x256x64 on cpu is wrong");
    }

    @Test
    void elementwiseValidationCatchesAMissingCall() {
        ElementwiseBenchmark u = new ElementwiseBenchmark();
        u.op = "gelu";
        u.shape = "128x256";
        refuses(u::open, u::tearDown, skipping("unary"), "gelu 128x256 on cpu is wrong: element 0 is NaN");
        ElementwiseBenchmark b = new ElementwiseBenchmark();
        b.op = "bias_add";
        b.shape = "128x256";
        refuses(b::open, b::tearDown, faulty("binary", args -> {
            args[8] = new long[] {1, 0}; // b broadcast down the columns instead of along the rows
            return args;
        }), "bias_add 128x256 on cpu is wrong");
    }

    @Test
    void softmaxCrossEntropyValidationCatchesAMissingBackward() {
        SoftmaxCrossEntropyBenchmark b = new SoftmaxCrossEntropyBenchmark();
        b.shape = "128x10";
        refuses(b::open, b::tearDown, skipping("crossEntropyBackward"), "softmax cross-entropy 128x10 on cpu, gradient");
    }

    @Test
    void optimizerValidationCatchesAWrongUpdate() {
        OptimizerBenchmark b = new OptimizerBenchmark();
        b.optimizer = "adam";
        b.model = "784-256-128-10";
        refuses(b::open, b::tearDown, skipping("adamStep"), "adam over 235146 parameters on cpu, after 2 updates");
        OptimizerBenchmark s = new OptimizerBenchmark();
        s.optimizer = "sgd_momentum";
        s.model = "784-256-128-10";
        refuses(s::open, s::tearDown, faulty("sgdStep", args -> {
            args[6] = 0.5f; // momentum
            return args;
        }), "sgd_momentum over 235146 parameters on cpu, after 2 updates");
    }

    @Test
    void trainStepValidationCatchesAWrongForwardUpdateOrBackward() {
        TrainStepBenchmark forward = new TrainStepBenchmark();
        forward.model = "784-64-10/32";
        refuses(forward::open, forward::tearDown, faulty("gemm", args -> {
            if ((boolean) args[1]) {
                args[5] = 1.01f * (float) args[5]; // x·Wᵀ, only in the forward
            }
            return args;
        }), "training step 784-64-10/32 on cpu, logits of row");
        TrainStepBenchmark update = new TrainStepBenchmark();
        update.model = "784-64-10/32";
        refuses(update::open, update::tearDown, skipping("adamStep"), "Adam's first update");
        TrainStepBenchmark backward = new TrainStepBenchmark();
        backward.model = "784-64-10/32";
        refuses(backward::open, backward::tearDown, faulty("gemm", args -> {
            if ((boolean) args[0]) {
                args[5] = 2f * (float) args[5]; // dL/dW = dL/dyᵀ·x, only in the backward
            }
            return args;
        }), "along the gradient the loss changes at");
    }

    @Test
    void inferenceValidationCatchesAWrongSoftmax() {
        InferenceBenchmark b = new InferenceBenchmark();
        b.model = "784-64-10/32";
        refuses(b::open, b::tearDown, skipping("softmax"), "inference 784-64-10/32 on cpu, probabilities");
    }
}
