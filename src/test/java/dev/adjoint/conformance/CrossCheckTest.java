package dev.adjoint.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Devices;
import dev.adjoint.device.RoundsAsCpu;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.Backends;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The cross-check (what {@code adjoint selftest} runs against the CPU backend) on every backend here,
 * and proof that it catches what it is for: a remapped op code, an unwritten element, a device that
 * breaks its promise to round as the CPU, an out-of-memory that is not a {@code DeviceException}.
 */
public class CrossCheckTest {
    private static final long SEED = Conformance.seed();

    static List<String> backends() {
        return Backends.names();
    }

    private static String failures(List<CrossCheck.Comparison> cs) {
        StringBuilder sb = new StringBuilder("seed " + SEED + " (-Dadjoint.seed to repeat):");
        for (CrossCheck.Comparison c : cs) {
            if (!c.passed()) {
                sb.append("\n  ").append(c.family()).append(' ').append(c.name()).append(": ").append(c.failure());
            }
        }
        return sb.toString();
    }

    private static List<String> failedNames(List<CrossCheck.Comparison> cs) {
        return cs.stream().filter(c -> !c.passed()).map(c -> c.family() + " " + c.name()).toList();
    }

    /**
     * How many comparisons the cross-check makes: the 231 CudaCheck made with 19 unary and 14 binary
     * ops, and 2 more for each unary op added since (contiguous and transposed), 3 for each binary
     * op (contiguous, row broadcast, rank-4 strided), the 5 of the index primitives (gather and scatterAdd by
     * element and by slice, select) and the 3 of the windows (im2col, col2im, maxPool with its backward).
     */
    public static int comparisons() {
        return 231 + 2 * (UnaryOp.values().length - 19) + 3 * (BinaryOp.values().length - 14) + 5 + 3;
    }

    /**
     * Every backend but the CPU against a CPU device from the registry; the CPU itself with 3 threads
     * against 1, which holds its threaded paths to the serial ones, as strictly as CUDA is held.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void everyPrimitiveMatchesTheCpu(String backend) {
        if (backend.equals("cpu")) {
            try (CpuDevice threaded = new CpuDevice(3); CpuDevice serial = new CpuDevice(1)) {
                List<CrossCheck.Comparison> cs = CrossCheck.run(threaded, serial, SEED);
                assertEquals(List.of(), failedNames(cs), failures(cs));
                assertEquals(comparisons(), cs.size(), "the comparisons CudaCheck made, and one set per op added since");
            }
            return;
        }
        Device device = Backends.open(backend);
        try (Device cpu = Devices.select("cpu").device()) {
            List<CrossCheck.Comparison> cs = CrossCheck.run(device, cpu, SEED);
            assertEquals(List.of(), failedNames(cs), failures(cs));
        }
        CrossCheck.Comparison oom = CrossCheck.outOfMemory(device);
        assertTrue(oom.passed(), oom.failure());
    }

    /** A device whose calls pass through {@code edit} (which may rewrite the arguments) to {@code inner}. */
    private static Device tampered(Device inner, boolean roundsAsCpu, String method, UnaryOperator<Object[]> edit) {
        InvocationHandler h = (proxy, m, args) -> {
            try {
                return m.invoke(inner, m.getName().equals(method) ? edit.apply(args.clone()) : args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        };
        Class<?>[] types = roundsAsCpu ? new Class<?>[] {Device.class, RoundsAsCpu.class} : new Class<?>[] {Device.class};
        return (Device) Proxy.newProxyInstance(CrossCheckTest.class.getClassLoader(), types, h);
    }

    @Test
    void aRemappedOpCodeFailsExactlyTheOpsItSwaps() {
        // What a stale op code does on a GPU: the kernel runs TANH when asked for SIGMOID, and back.
        try (CpuDevice cpu = new CpuDevice(1); CpuDevice ref = new CpuDevice(1)) {
            Device swapped = tampered(cpu, true, "unary", args -> {
                args[0] = switch ((UnaryOp) args[0]) {
                    case SIGMOID -> UnaryOp.TANH;
                    case TANH -> UnaryOp.SIGMOID;
                    default -> args[0];
                };
                return args;
            });
            assertEquals(List.of("unary SIGMOID", "unary SIGMOID transposed", "unary TANH", "unary TANH transposed"),
                    failedNames(CrossCheck.run(swapped, ref, SEED)));
        }
    }

    @Test
    void anUnwrittenElementFails() {
        // A fill that stops one element short: the poisoned output shows it.
        try (CpuDevice cpu = new CpuDevice(1); CpuDevice ref = new CpuDevice(1)) {
            Device shortFill = tampered(cpu, false, "fill", args -> {
                args[2] = (Long) args[2] - 1;
                return args;
            });
            List<CrossCheck.Comparison> cs = CrossCheck.run(shortFill, ref, SEED);
            assertEquals(List.of("memory fill"), failedNames(cs));
            String failure = cs.stream().filter(c -> !c.passed()).findFirst().orElseThrow().failure();
            assertTrue(failure.contains("NaN on ") && failure.contains("inf ulps"), failure);
        }
    }

    @Test
    void aDeviceThatPromisesCpuRoundingIsHeldToIt() {
        // An optimizer step one rounding off (the learning rate one ulp up): within what the contract
        // allows any device, not within what a device that rounds as the CPU promises.
        for (boolean promise : new boolean[] {true, false}) {
            try (CpuDevice cpu = new CpuDevice(1); CpuDevice ref = new CpuDevice(1)) {
                Device drift = tampered(cpu, promise, "sgdStep", args -> {
                    args[5] = Math.nextUp((Float) args[5]);
                    return args;
                });
                List<String> failed = failedNames(CrossCheck.run(drift, ref, SEED));
                if (promise) {
                    assertFalse(failed.isEmpty(), "a drift of an ulp passed where the device promised CPU rounding");
                    assertTrue(failed.stream().allMatch(f -> f.startsWith("sgd ")), failed.toString());
                } else {
                    assertEquals(List.of(), failed);
                }
            }
        }
    }

    @Test
    void outOfMemoryMustBeADeviceException() {
        // The CPU's buffers are Java arrays: 2^40 floats is an argument error there, not out of memory.
        try (CpuDevice cpu = new CpuDevice(1)) {
            CrossCheck.Comparison oom = CrossCheck.outOfMemory(cpu);
            assertFalse(oom.passed());
            assertTrue(oom.failure().startsWith("not a DeviceException: java.lang.IllegalArgumentException"), oom.failure());
        }
    }
}
