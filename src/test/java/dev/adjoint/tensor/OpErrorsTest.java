package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.Backends;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every op that takes two tensors refuses a shape or device mismatch at the call, naming the op, both shapes and the rule. */
class OpErrorsTest {
    private static final Device CPU = new CpuDevice(1);
    private static final Device OTHER_CPU = new CpuDevice(1);

    @AfterAll
    static void close() {
        CPU.close();
        OTHER_CPU.close();
    }

    private static Arguments op(String name, BiFunction<Tensor, Tensor, ?> f) {
        return Arguments.of(name, f);
    }

    /** The binary ops, each applied as op(a, b). */
    static Stream<Arguments> binaryOps() {
        return Stream.of(
                op("add", Tensor::add), op("sub", Tensor::sub), op("mul", Tensor::mul), op("div", Tensor::div),
                op("pow", Tensor::pow), op("maximum", Tensor::maximum), op("minimum", Tensor::minimum),
                op("equal", Tensor::equal), op("greater", Tensor::greater));
    }

    private static void assertNames(Exception e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' missing from: " + e.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("binaryOps")
    void broadcastMismatchNamesTheOpTheShapesAndTheRule(String name, BiFunction<Tensor, Tensor, ?> f) {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.ones(CPU, 2, 3);
            Tensor b = Tensor.ones(CPU, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.apply(a, b));
            assertNames(e, name + ": shapes [2, 3] and [4] cannot be broadcast together",
                    "sizes must be equal or one of them 1, aligned from the last axis");
        }
    }

    @ParameterizedTest
    @MethodSource("binaryOps")
    void deviceMismatchNamesTheOpAndBothDevices(String name, BiFunction<Tensor, Tensor, ?> f) {
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.ones(CPU, 3);
            Tensor b = Tensor.ones(OTHER_CPU, 3);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.apply(a, b));
            assertNames(e, name + ": tensors [3] and [3] are on different devices (two different cpu device objects)",
                    "move one with to(device)");
        }
    }

    @Test
    void aDeviceOfAnotherBackendIsNamed() {
        List<String> others = Backends.names().stream().filter(n -> !n.equals("cpu")).toList();
        Device gpu = null;
        for (String n : others) {
            if (dev.adjoint.device.Devices.backend(n).availability().available()) {
                gpu = Backends.open(n);
                break;
            }
        }
        Assumptions.assumeTrue(gpu != null, "no backend besides cpu is available here");
        Device other = gpu;
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.ones(CPU, 2, 3);
            Tensor b = Tensor.ones(other, 3, 2);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.matmul(b));
            assertNames(e, "matmul: tensors [2, 3] and [3, 2] are on different devices (cpu and " + other.name() + ")");
            Tensor moved = b.to(CPU);
            assertTrue(a.matmul(moved).device() == CPU);
        }
    }

    @Test
    void otherOpsNameTheirShapesAndRule() {
        try (Scope s = Scope.open()) {
            Tensor m23 = Tensor.ones(CPU, 2, 3);
            Tensor m45 = Tensor.ones(CPU, 4, 5);
            assertNames(assertThrows(IllegalArgumentException.class, () -> m23.matmul(m45)),
                    "matmul: shapes [2, 3] and [4, 5] are not aligned: 3 (last axis of the first) != 4 (second-to-last axis");
            assertNames(assertThrows(IllegalArgumentException.class, () -> m23.matmul(Tensor.ones(OTHER_CPU, 3, 2))),
                    "matmul: tensors [2, 3] and [3, 2] are on different devices");
            assertNames(assertThrows(IllegalArgumentException.class, () -> m23.crossEntropy(Tensor.zeros(CPU, 3))),
                    "cross_entropy: logits must be [N, C] and targets [N] class indices, got [2, 3] and [3]");
            assertNames(assertThrows(IllegalArgumentException.class, () -> m23.crossEntropy(Tensor.zeros(OTHER_CPU, 2))),
                    "cross_entropy: tensors [2, 3] and [2] are on different devices");
            assertNames(assertThrows(IllegalArgumentException.class, () -> m23.reshape(4)),
                    "reshape: cannot reshape [2, 3] (6 elements) to [4] (4 elements)");
            assertNames(assertThrows(IllegalArgumentException.class, () -> m23.expand(4, 2)),
                    "expand: shapes [2, 3] and [4, 2] cannot be broadcast together");
            assertNames(assertThrows(IllegalArgumentException.class, () -> InPlace.add(m23, Tensor.ones(CPU, 4))),
                    "add_: sizes differ: [2, 3] and [4]", "same number of elements");
            assertNames(assertThrows(IllegalArgumentException.class, () -> InPlace.copy(m23, Tensor.ones(OTHER_CPU, 2, 3))),
                    "copy: tensors [2, 3] and [2, 3] are on different devices");
            Tensor x = Tensor.ones(CPU, 2).requiresGrad(true);
            Tensor y = x.mul(2f);
            assertNames(assertThrows(IllegalArgumentException.class, () -> y.backward(Tensor.ones(CPU, 3))),
                    "backward: gradient of shape [3] for a tensor of shape [2]");
            Tensor closed = Tensor.ones(CPU, 2);
            closed.close();
            assertNames(assertThrows(IllegalStateException.class, () -> x.add(closed)),
                    "add: tensor [2] on cpu was used after close()");
        }
    }
}
