package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.nn.Activation;
import dev.adjoint.nn.Conv1d;
import dev.adjoint.nn.Conv2d;
import dev.adjoint.nn.Convolution;
import dev.adjoint.nn.Dropout;
import dev.adjoint.nn.Embedding;
import dev.adjoint.nn.Flatten;
import dev.adjoint.nn.Init;
import dev.adjoint.nn.BatchNorm;
import dev.adjoint.nn.LayerNorm;
import dev.adjoint.nn.Linear;
import dev.adjoint.nn.Losses;
import dev.adjoint.nn.Pool2d;
import dev.adjoint.nn.Losses.Reduction;
import dev.adjoint.testing.Backends;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op that takes two tensors refuses a shape or device mismatch at the call, naming the op, both shapes and the rule;
 * every public op with a shape-constrained argument refuses a wrong one with an IllegalArgumentException that opens
 * with the op's name and names each operand's shape ({@link #refusals}), and {@link #everyPublicOpIsRefusedOrExempt}
 * keeps that table complete as ops are added.
 */
class OpErrorsTest {
    private static final Device CPU = new CpuDevice(1);
    private static final Device OTHER_CPU = new CpuDevice(1);
    private static final Buffer EIGHT_FLOATS = CPU.allocate(8);

    @AfterAll
    static void close() {
        EIGHT_FLOATS.close();
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

    // ------------------------------------------------------------------ the table of refused calls

    /**
     * One refused call: the public method it exercises (as {@link #key} spells it), the op its message must open with,
     * and what the message must name: each operand's shape through {@link Shape#format} (for an axis, the tensor's).
     */
    record Refusal(String method, String op, Executable call, String... named) {
        @Override
        public String toString() {
            return method + " -> " + op + ": " + String.join(", ", named);
        }
    }

    @Test
    void aRefusedInPlaceUpdateLeavesEveryTensorAsItWas() {
        float[] pv = {1, 2, 3, 4};
        float[] gv = {0.5f, -0.5f, 0.25f, -0.25f};
        float[] mv = {5, 6, 7, 8};
        float[] vv = {9, 10, 11, 12};
        Tensor p = Tensor.of(CPU, pv.clone(), 4);
        Tensor g = Tensor.of(CPU, gv.clone(), 4);
        Tensor m = Tensor.of(CPU, mv.clone(), 4);
        Tensor v = Tensor.of(CPU, vv.clone(), 4);
        Tensor off = Tensor.of(CPU, new float[] {0, 9, 9, 9, 9}, 5).slice(1, 5);   // [4] at offset 1
        List<Executable> refused = List.of(
                () -> InPlace.copy(p, t(3)),
                () -> InPlace.add(p, t(3)),
                () -> InPlace.mul(p, t(2)),
                () -> InPlace.sgd(p, t(3), m, 0.1f, 0.9f, 0f, 0f, false, false),
                () -> InPlace.sgd(p, g, t(5), 0.1f, 0.9f, 0f, 0f, false, false),
                () -> InPlace.sgd(p, off, m, 0.1f, 0.9f, 0f, 0f, false, false),
                () -> InPlace.adam(p, g, m, t(3), 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false, 2),
                () -> InPlace.adam(p, g, off, v, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, true, 2));
        for (int i = 0; i < refused.size(); i++) {
            assertThrows(IllegalArgumentException.class, refused.get(i), "call " + i);
            assertEquals(Arrays.toString(pv), Arrays.toString(p.toArray()), "param after call " + i);
            assertEquals(Arrays.toString(gv), Arrays.toString(g.toArray()), "grad after call " + i);
            assertEquals(Arrays.toString(mv), Arrays.toString(m.toArray()), "m / velocity after call " + i);
            assertEquals(Arrays.toString(vv), Arrays.toString(v.toArray()), "v after call " + i);
        }
        for (Tensor x : List.of(p, g, m, v, off)) {
            x.close();
        }
    }

    /** 3x3 windows, stride 2, padding 1, over [2, 3, 5, 5]: columns [27, 2·3·3]. */
    private static final dev.adjoint.device.Window WIN = new dev.adjoint.device.Window(2, 3, 5, 5, 3, 3, 2, 2, 1, 1, 1, 1,
            3, 3);

    private static Refusal refusal(String method, String op, Executable call, String... named) {
        return new Refusal(method, op, call, named);
    }

    private static String f(int... shape) {
        return Shape.format(shape);
    }

    private static Tensor t(int... shape) {
        return Tensor.zeros(CPU, shape);
    }

    static Stream<Refusal> refusals() {
        return Stream.of(
                // creation: a shape that is invalid, or does not fit the data or the buffer
                refusal("Tensor.of(Device,float[],int[])", "Tensor.of", () -> Tensor.of(CPU, new float[5], 2, 3), f(2, 3)),
                refusal("Tensor.of(Device,float[][])", "Tensor.of", () -> Tensor.of(CPU, new float[][] {{1, 2, 3}, {4, 5}}),
                        "row 1 has 2 values, row 0 has 3"),
                refusal("Tensor.wrap(Device,Buffer,long,int[])", "Tensor.wrap", () -> Tensor.wrap(CPU, EIGHT_FLOATS, 0, 3, 3),
                        f(3, 3), "a buffer of 8 floats"),
                refusal("Tensor.full(Device,float,int[])", "full", () -> Tensor.full(CPU, 1f, 2, -1), f(2, -1)),
                refusal("Tensor.zeros(Device,int[])", "zeros", () -> Tensor.zeros(CPU, -2), f(-2)),
                refusal("Tensor.ones(Device,int[])", "ones", () -> Tensor.ones(CPU, 1, 2, 3, 4, 5, 6, 7, 8, 9),
                        f(1, 2, 3, 4, 5, 6, 7, 8, 9)),
                refusal("Tensor.uniform(Device,long,float,float,int[])", "uniform", () -> Tensor.uniform(CPU, 1, 0f, 1f, -1), f(-1)),
                refusal("Tensor.rand(Device,long,int[])", "uniform", () -> Tensor.rand(CPU, 1, 3, -1), f(3, -1)),
                refusal("Tensor.bernoulli(Device,long,float,int[])", "bernoulli", () -> Tensor.bernoulli(CPU, 1, 0.5f, -1), f(-1)),
                refusal("Tensor.randn(Device,long,int[])", "normal", () -> Tensor.randn(CPU, 1, -1, 2), f(-1, 2)),
                refusal("Tensor.normal(Device,long,float,float,int[])", "normal", () -> Tensor.normal(CPU, 1, 0f, 1f, -1), f(-1)),
                // element access
                refusal("Tensor.size(int)", "size", () -> t(3, 4).size(2), f(3, 4), "axis 2"),
                refusal("Tensor.size(int)", "size", () -> t(3, 4).size(-3), f(3, 4), "axis -3", "valid axes are -2 to 1"),
                refusal("Tensor.item()", "item", () -> t(2).item(), f(2)),
                refusal("Tensor.get(int[])", "get", () -> t(2, 3).get(1), f(2, 3)),
                refusal("Tensor.get(int[])", "get", () -> t(2, 3).get(1, 3), f(2, 3), "index 3"),
                // views
                refusal("Tensor.reshape(int[])", "reshape", () -> t(2, 3).reshape(4), f(2, 3), f(4)),
                refusal("Tensor.reshape(int[])", "reshape", () -> t(2, 3).reshape(-1, -1), f(2, 3), f(-1, -1)),
                refusal("Tensor.reshape(int[])", "reshape", () -> t(2, 3).reshape(4, -1), f(2, 3), f(4, -1)),
                refusal("Tensor.transpose()", "transpose", () -> t(3).transpose(), f(3), "fewer than 2 axes"),
                refusal("Tensor.transpose()", "transpose", () -> t().transpose(), f()),
                refusal("Tensor.transpose(int,int)", "transpose", () -> t(2, 3).transpose(0, 2), f(2, 3), "axis 2"),
                refusal("Tensor.slice(int,int)", "slice", () -> t(3, 2).slice(1, 5), f(3, 2), "[1, 5)"),
                refusal("Tensor.slice(int,int)", "slice", () -> t(3, 2).slice(2, 1), f(3, 2)),
                refusal("Tensor.slice(int,int)", "slice", () -> t().slice(0, 0), f(), "scalar"),
                refusal("Tensor.slice(int,int,int,int)", "slice", () -> t(3, 4).slice(1, 1, 5, 1), f(3, 4), "[1, 5)",
                        "axis 1"),
                refusal("Tensor.slice(int,int,int,int)", "slice", () -> t(3, 4).slice(2, 0, 1, 1), f(3, 4), "axis 2"),
                refusal("Tensor.slice(int,int,int,int)", "slice", () -> t(3, 4).slice(0, 0, 3, 0), f(3, 4), "step 0"),
                refusal("Tensor.pad(int,int,int,Padding)", "pad", () -> t(2, 3).pad(1, 3, 0, Padding.REFLECT), f(2, 3),
                        "below the axis's size 3"),
                refusal("Tensor.pad(int,int,int,Padding)", "pad", () -> t(2, 3).pad(2, 1, 1, Padding.ZEROS), f(2, 3), "axis 2"),
                refusal("Tensor.pad(int,int,int,Padding)", "pad", () -> t(2, 3).pad(0, -1, 1, Padding.ZEROS), f(2, 3)),
                refusal("Tensor.pad(int,int,int,Padding)", "pad", () -> t(0, 3).pad(0, 1, 1, Padding.REPLICATE), f(0, 3),
                        "non-empty"),
                refusal("Tensor.im2col(Window,float)", "im2col", () -> t(2, 3, 5, 4).im2col(WIN, 0f), f(2, 3, 5, 4),
                        f(2, 3, 5, 5)),
                refusal("Tensor.im2col(Window,float)", "im2col", () -> t(2, 3, 5, 5).im2col(null, 0f), "no window"),
                refusal("Tensor.col2im(Window)", "col2im", () -> t(18, 12).col2im(WIN), f(18, 12), f(27, 18)),
                refusal("Tensor.maxPool(Window)", "max_pool", () -> t(2, 3, 5, 4).maxPool(WIN), f(2, 3, 5, 4),
                        f(2, 3, 5, 5)),
                refusal("Tensor.maxPool(Window)", "max_pool", () -> t(2, 3, 5, 5).maxPool(null), "no window"),
                refusal("Tensor.col2im(Window)", "col2im", () -> t(18, 12).col2im(null), "no window"),
                refusal("Tensor.conv(Tensor,Window)", "conv", () -> t(2, 3, 5, 4).conv(t(4, 3, 3, 3), WIN),
                        f(2, 3, 5, 4), f(2, 3, 5, 5)),
                refusal("Tensor.conv(Tensor,Window)", "conv", () -> t(2, 3, 5, 5).conv(t(4, 2, 3, 3), WIN),
                        f(4, 2, 3, 3), "[out, 3, 3, 3]"),
                refusal("Tensor.conv(Tensor,Window)", "conv", () -> t(2, 3, 5, 5).conv(t(4, 3, 3, 3), null), "no window"),
                refusal("Tensor.conv(Tensor,Tensor,Window)", "conv",
                        () -> t(2, 3, 5, 5).conv(t(4, 3, 3, 3), t(3), WIN), f(3), "[4]"),
                refusal("Tensor.convTranspose(Tensor,Window)", "conv_transpose",
                        () -> t(2, 4, 3, 2).convTranspose(t(4, 3, 3, 3), WIN), f(2, 4, 3, 2), f(2, 4, 3, 3)),
                refusal("Tensor.convWeight(Tensor,Window)", "conv_weight",
                        () -> t(2, 4, 3, 3).convWeight(t(2, 3, 5, 4), WIN), f(2, 3, 5, 4), f(2, 3, 5, 5)),
                refusal("Tensor.convWeight(Tensor,Window)", "conv_weight",
                        () -> t(2, 4, 9).convWeight(t(2, 3, 5, 5), WIN), f(2, 4, 9), "[n, out, outH, outW]"),
                refusal("Tensor.clamp(float,float)", "clamp", () -> t(2, 3).clamp(1f, -1f), f(2, 3), "above max"),
                refusal("Tensor.permute(int[])", "permute", () -> t(2, 3, 4).permute(0, 1), f(2, 3, 4), "2 axes"),
                refusal("Tensor.permute(int[])", "permute", () -> t(2, 3, 4).permute(0, 2, -1), f(2, 3, 4), "axis 2 twice"),
                refusal("Tensor.cat(List,int)", "cat", () -> Tensor.cat(List.of(t(2, 3), t(2, 4)), 0), f(2, 4), f(2, 3),
                        "axis 0"),
                refusal("Tensor.cat(List,int)", "cat", () -> Tensor.cat(List.of(t(2, 3), t(2, 3, 1)), 1), f(2, 3, 1)),
                refusal("Tensor.cat(List,int)", "cat", () -> Tensor.cat(List.of(t(), t()), 0), f(), "stack"),
                refusal("Tensor.cat(List,int)", "cat", () -> Tensor.cat(List.of(), 0), "no tensors"),
                refusal("Tensor.stack(List,int)", "stack", () -> Tensor.stack(List.of(t(2, 3), t(3, 2)), 0), f(3, 2), f(2, 3)),
                refusal("Tensor.stack(List,int)", "stack", () -> Tensor.stack(List.of(t(2, 3)), 3), f(2, 3), "axis 3"),
                refusal("Tensor.expand(int[])", "expand", () -> t(2, 3).expand(4, 2), f(2, 3), f(4, 2)),
                refusal("Tensor.expand(int[])", "expand", () -> t(2, 3).expand(3), f(2, 3), f(3)),
                // reductions: an axis out of range, or an empty axis where the result would have no value
                refusal("Tensor.sum(int,boolean)", "sum", () -> t(3, 4).sum(2, false), f(3, 4), "axis 2"),
                refusal("Tensor.sum(int,boolean)", "sum", () -> t().sum(0, true), f(), "a scalar has none"),
                refusal("Tensor.mean(int,boolean)", "mean", () -> t(3, 4).mean(-3, true), f(3, 4), "axis -3"),
                refusal("Tensor.max(int,boolean)", "max", () -> t(3, 4).max(2, false), f(3, 4)),
                refusal("Tensor.max(int,boolean)", "max", () -> t(0, 4).max(0, false), f(0, 4), "empty axis"),
                refusal("Tensor.min(int,boolean)", "min", () -> t(3, 4).min(5, true), f(3, 4)),
                refusal("Tensor.argmax(int)", "argmax", () -> t(3, 4).argmax(2), f(3, 4), "axis 2"),
                refusal("Tensor.argmax(int)", "argmax", () -> t(3, 0).argmax(1), f(3, 0), "empty axis"),
                refusal("Tensor.mean()", "mean", () -> t(0, 3).mean(), f(0, 3), "empty"),
                refusal("Tensor.max()", "max", () -> t(0).max(), f(0), "empty"),
                refusal("Tensor.min()", "min", () -> t(2, 0).min(), f(2, 0), "empty"),
                // products and softmax
                refusal("Tensor.matmul(Tensor)", "matmul", () -> t(2, 3).matmul(t(4, 5)), f(2, 3), f(4, 5), "not aligned"),
                refusal("Tensor.matmul(Tensor)", "matmul", () -> t(3).matmul(t(4)), f(3), f(4), "not aligned"),
                refusal("Tensor.matmul(Tensor)", "matmul", () -> t(2, 2, 3).matmul(t(3, 3, 4)), f(2, 2, 3), f(3, 3, 4),
                        "batch axes: shapes [2] and [3] cannot be broadcast together"),
                refusal("Tensor.matmul(Tensor)", "matmul", () -> t(5, 2, 2, 3).matmul(t(4, 3, 1)), f(5, 2, 2, 3), f(4, 3, 1),
                        "batch axes: shapes [5, 2] and [4]"),
                refusal("Tensor.matmul(Tensor)", "matmul", () -> t().matmul(t(2, 3)), f(), f(2, 3), "scalar"),
                refusal("Tensor.matmul(Tensor)", "matmul", () -> t(3).matmul(t()), f(3), f(), "scalar"),
                refusal("Tensor.softmax()", "softmax", () -> t().softmax(), f(), "scalar"),
                refusal("Tensor.logSoftmax()", "log_softmax", () -> t().logSoftmax(), f(), "scalar"),
                refusal("Tensor.crossEntropy(Tensor)", "cross_entropy", () -> t(2, 3).crossEntropy(t(3)), f(2, 3), f(3)),
                refusal("Tensor.crossEntropy(Tensor)", "cross_entropy", () -> t(2, 3).crossEntropy(t(2, 1)), f(2, 3), f(2, 1)),
                refusal("Tensor.crossEntropy(Tensor)", "cross_entropy", () -> t(0, 3).crossEntropy(t(0)), f(0, 3), f(0), "empty"),
                // indexing: ranks, sizes off the axis, the axis, devices, and the index values themselves
                refusal("Tensor.gather(int,Tensor)", "gather", () -> t(2, 3).gather(1, t(2)), f(2), f(2, 3), "rank"),
                refusal("Tensor.gather(int,Tensor)", "gather", () -> t(2, 3).gather(1, t(3, 1)), f(3, 1), f(2, 3), "axis 0"),
                refusal("Tensor.gather(int,Tensor)", "gather", () -> t(2, 3).gather(2, t(2, 3)), f(2, 3), "axis 2"),
                refusal("Tensor.gather(int,Tensor)", "gather", () -> t().gather(0, t()), f(), "scalar"),
                refusal("Tensor.gather(int,Tensor)", "gather", () -> t(2, 3).gather(1, Tensor.zeros(OTHER_CPU, 2, 3)),
                        f(2, 3), "different devices"),
                refusal("Tensor.gather(int,Tensor)", "gather", () -> t(2, 3).gather(1, Tensor.of(CPU,
                        new float[] {0, 3}, 1, 2)), f(1, 2), f(2, 3), "index 3.0 at [0, 1]", "axis 1", "[0, 3)"),
                refusal("Tensor.scatterAdd(int,Tensor,Tensor)", "scatter_add", () -> t(2, 3).scatterAdd(1, t(2, 2), t(2, 1)),
                        f(2, 1), f(2, 2)),
                refusal("Tensor.scatterAdd(int,Tensor,Tensor)", "scatter_add", () -> t(2, 3).scatterAdd(1, t(2), t(2)),
                        f(2), f(2, 3)),
                refusal("Tensor.scatterAdd(int,Tensor,Tensor)", "scatter_add", () -> t(2, 3).scatterAdd(0, t(1, 4), t(1, 4)),
                        f(1, 4), f(2, 3), "axis 1"),
                refusal("Tensor.scatterAdd(int,Tensor,Tensor)", "scatter_add", () -> t(2, 3).scatterAdd(1, t(2, 2),
                        Tensor.zeros(OTHER_CPU, 2, 2)), f(2, 2), "different devices"),
                refusal("Tensor.scatterAdd(int,Tensor,Tensor)", "scatter_add", () -> t(2, 3).scatterAdd(0, Tensor.of(CPU,
                        new float[] {1, -1}, 1, 2), t(1, 2)), f(1, 2), f(2, 3), "index -1.0 at [0, 1]", "axis 0", "[0, 2)"),
                refusal("Tensor.indexSelect(int,Tensor)", "index_select", () -> t(2, 3).indexSelect(0, t(2, 2)), f(2, 2),
                        f(2, 3), "1-D"),
                refusal("Tensor.indexSelect(int,Tensor)", "index_select", () -> t(2, 3).indexSelect(-3, t(2)), f(2, 3),
                        "axis -3"),
                refusal("Tensor.indexSelect(int,Tensor)", "index_select", () -> t(2, 3).indexSelect(1, Tensor.of(CPU,
                        new float[] {2, 0.5f}, 2)), f(2), f(2, 3), "index 0.5 at [1]", "axis 1", "[0, 3)"),
                refusal("Tensor.where(Tensor,Tensor,Tensor)", "where", () -> Tensor.where(t(2), t(3), t(3)), f(2), f(3),
                        "cannot be broadcast"),
                refusal("Tensor.where(Tensor,Tensor,Tensor)", "where", () -> Tensor.where(t(3), t(2, 3), t(4, 1)),
                        f(3), f(2, 3), f(4, 1)),
                refusal("Tensor.where(Tensor,Tensor,Tensor)", "where", () -> Tensor.where(t(3), t(3),
                        Tensor.zeros(OTHER_CPU, 3)), f(3), "different devices"),
                // autograd
                refusal("Tensor.attachGrad(Tensor)", "attachGrad", () -> t(2, 3).attachGrad(t(3, 2)), f(3, 2), f(2, 3)),
                refusal("Tensor.attachGrad(Tensor)", "attachGrad", () -> t(2, 3).attachGrad(t(3, 2).transpose()), f(2, 3), "contiguous"),
                refusal("Tensor.onGradAccumulated(Runnable)", "onGradAccumulated",
                        () -> t(2).requiresGrad(true).mul(2f).onGradAccumulated(() -> { }), "only leaf tensors"),
                refusal("Tensor.backward()", "backward", () -> t(2).requiresGrad(true).mul(2f).backward(), f(2), "not a scalar"),
                refusal("Tensor.backward(Tensor)", "backward", () -> t(2).requiresGrad(true).mul(2f).backward(t(3)), f(3), f(2)),
                refusal("Tensor.backward(Tensor,boolean)", "backward",
                        () -> t(2).requiresGrad(true).mul(2f).backward(t(2, 1), true), f(2, 1), f(2)),
                // in-place updates
                refusal("InPlace.fill(Tensor,float)", "fill", () -> InPlace.fill(t(2, 3).transpose(), 1f), f(3, 2), "contiguous"),
                refusal("InPlace.copy(Tensor,Tensor)", "copy", () -> InPlace.copy(t(2, 3), t(4)), f(2, 3), f(4)),
                refusal("InPlace.copy(Tensor,Tensor)", "copy", () -> InPlace.copy(t(6), t(2, 3).transpose()), f(3, 2), f(6)),
                refusal("InPlace.copy(Tensor,Tensor)", "copy", () -> InPlace.copy(t(2, 3).transpose(), t(3, 2)), f(3, 2), "contiguous"),
                refusal("InPlace.write(Tensor,float[])", "write", () -> InPlace.write(t(2, 3), new float[5]), f(2, 3),
                        "6 elements", "only 5"),
                refusal("InPlace.write(Tensor,float[])", "write", () -> InPlace.write(t(2, 3).transpose(), new float[6]),
                        f(3, 2), "contiguous"),
                refusal("InPlace.allReduceSum(Tensor,Group)", "allReduceSum",
                        () -> InPlace.allReduceSum(t(2, 3).transpose(), null), f(3, 2), "contiguous"),
                refusal("InPlace.allReduceSum(Tensor,Group)", "allReduceSum",
                        () -> InPlace.allReduceSum(t(2, 3).to(dev.adjoint.device.DType.BF16), null), f(2, 3), "BF16"),
                refusal("InPlace.read(Tensor,float[])", "read", () -> InPlace.read(t(4), new float[3]), f(4), "only 3"),
                refusal("InPlace.read(Tensor,float[],int)", "read", () -> InPlace.read(t(4), new float[6], 3), f(4),
                        "only 6 from position 3"),
                refusal("InPlace.write(Tensor,float[],int)", "write", () -> InPlace.write(t(4), new float[6], 3), f(4),
                        "only 6 from position 3"),
                refusal("InPlace.mul(Tensor,Tensor)", "mul_", () -> InPlace.mul(t(2, 3), t(2)), f(2), f(2, 3)),
                refusal("InPlace.add(Tensor,Tensor)", "add_", () -> InPlace.add(t(2, 3), t(4)), f(2, 3), f(4)),
                refusal("InPlace.sgd(Tensor,Tensor,Tensor,float,float,float,float,boolean,boolean)", "sgd",
                        () -> InPlace.sgd(t(4), t(3), null, 0.1f, 0f, 0f, 0f, false, true), f(4), f(3)),
                refusal("InPlace.sgd(Tensor,Tensor,Tensor,float,float,float,float,boolean,boolean)", "sgd",
                        () -> InPlace.sgd(t(4), t(4), t(5), 0.1f, 0.9f, 0f, 0f, false, true), f(4), f(5)),
                refusal("InPlace.adam(Tensor,Tensor,Tensor,Tensor,float,float,float,float,float,boolean,long)", "adam",
                        () -> InPlace.adam(t(4), t(3), t(4), t(4), 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false, 1), f(4), f(3)),
                refusal("InPlace.adam(Tensor,Tensor,Tensor,Tensor,float,float,float,float,float,boolean,long)", "adam",
                        () -> InPlace.adam(t(4), t(4), t(4), t(2, 3), 0.1f, 0.9f, 0.999f, 1e-8f, 0f, true, 1), f(4), f(2, 3)),
                refusal("InPlace.sgd(Tensor,Tensor,Tensor,float,float,float,float,boolean,boolean)", "sgd",
                        () -> InPlace.sgd(t(4, 3).slice(1, 3), t(2, 3), null, 0.1f, 0f, 0f, 0f, false, true),
                        "param [2, 3] at offset 3", "grad [2, 3] at offset 0", "velocity none"),
                refusal("InPlace.adam(Tensor,Tensor,Tensor,Tensor,float,float,float,float,float,boolean,long)", "adam",
                        () -> InPlace.adam(t(2, 3), t(2, 3), t(3, 3).slice(1, 3), t(2, 3), 0.1f, 0.9f, 0.999f, 1e-8f, 0f,
                                false, 1), "m [2, 3] at offset 3", "v [2, 3] at offset 0"),
                // losses: no broadcast between predictions and targets ([N, 1] against [N] would give [N, N])
                refusal("Losses.mse(Tensor,Tensor,Reduction)", "mse", () -> Losses.mse(t(4, 1), t(4), Reduction.MEAN), f(4, 1), f(4)),
                refusal("Losses.mse(Tensor,Tensor,Reduction)", "mse", () -> Losses.mse(t(2, 3), t(3), Reduction.SUM), f(2, 3), f(3)),
                refusal("Losses.euclidean(Tensor,Tensor,Reduction)", "euclidean",
                        () -> Losses.euclidean(t(4, 1), t(4), Reduction.MEAN), f(4, 1), f(4)),
                refusal("Losses.binaryCrossEntropyWithLogits(Tensor,Tensor,Reduction)", "binary_cross_entropy_with_logits",
                        () -> Losses.binaryCrossEntropyWithLogits(t(4, 1), t(4), Reduction.MEAN), f(4, 1), f(4)),
                refusal("Losses.binaryCrossEntropyWithLogits(Tensor,Tensor,float,float)", "binary_cross_entropy_with_logits",
                        () -> Losses.binaryCrossEntropyWithLogits(t(4, 1), t(4), 1f, 2f), f(4, 1), f(4)),
                refusal("Losses.mae(Tensor,Tensor,Reduction)", "mae", () -> Losses.mae(t(4, 1), t(4), Reduction.MEAN), f(4, 1), f(4)),
                refusal("Losses.huber(Tensor,Tensor,float,Reduction)", "huber",
                        () -> Losses.huber(t(4, 1), t(4), 1f, Reduction.MEAN), f(4, 1), f(4)),
                refusal("Losses.huber(Tensor,Tensor,float,Reduction)", "huber",
                        () -> Losses.huber(t(4), t(4), -1f, Reduction.MEAN), "delta", "-1.0"),
                refusal("Losses.crossEntropy(Tensor,Tensor,float[])", "cross_entropy",
                        () -> Losses.crossEntropy(t(2, 3), t(2), new float[2]), f(2, 3), f(2), "weights [C]"),
                refusal("Losses.hinge(Tensor,Tensor,Reduction)", "hinge", () -> Losses.hinge(t(2, 3), t(1), Reduction.MEAN), f(2, 3), f(1)),
                refusal("Losses.hinge(Tensor,Tensor,Reduction)", "hinge", () -> Losses.hinge(t(3), t(3), Reduction.MEAN), f(3), f(3)),
                refusal("Losses.crossEntropySoft(Tensor,Tensor,Reduction)", "cross_entropy_soft",
                        () -> Losses.crossEntropySoft(t(2, 3), t(1, 3), Reduction.MEAN), f(2, 3), f(1, 3)),
                refusal("Losses.crossEntropySoft(Tensor,Tensor,Reduction)", "cross_entropy_soft",
                        () -> Losses.crossEntropySoft(t(2, 2, 3), t(2, 2, 3), Reduction.MEAN), f(2, 2, 3)),
                refusal("Losses.crossEntropy(Tensor,Tensor,Reduction)", "cross_entropy",
                        () -> Losses.crossEntropy(t(2, 3), t(3), Reduction.SUM), f(2, 3), f(3)),
                // layers
                refusal("Linear.forward(Tensor)", "Linear(3 -> 2)",
                        () -> new Linear(CPU, 3, 2, true, Init.PYTORCH, 1).forward(t(4, 5)), f(4, 5), f(2, 3)),
                refusal("Linear.forward(Tensor)", "Linear(3 -> 2)",
                        () -> new Linear(CPU, 3, 2, false, Init.PYTORCH, 1).forward(t()), f(), f(2, 3)),
                refusal("Conv2d.forward(Tensor)", "Conv2d(3 -> 4)",
                        () -> new Conv2d(CPU, 3, 4, 3, 1).forward(t(1, 2, 9, 9)), f(1, 2, 9, 9)),
                refusal("Conv1d.forward(Tensor)", "Conv1d(2 -> 4)", () -> new Conv1d(CPU, 2, 4, 3, 1, 0, 1, 1, true,
                        Init.PYTORCH, 1).forward(t(2, 9)), f(2, 9)),
                refusal("Pool2d.forward(Tensor)", "MaxPool2d", () -> Pool2d.max2d(new int[] {2, 2}, new int[] {2, 2},
                        new int[] {0, 0}, new int[] {1, 1}, false).forward(t(2, 3, 4)), f(2, 3, 4)),
                refusal("Flatten.forward(Tensor)", "Flatten", () -> new Flatten().forward(t()), f()),
                refusal("Convolution.conv2d(Tensor,Tensor,Tensor,int[],int[],int[],int)", "Conv2d",
                        () -> Convolution.conv2d(t(2, 3), t(4, 3, 1, 1), null, new int[] {1, 1}, new int[4],
                                new int[] {1, 1}, 1), f(2, 3), f(4, 3, 1, 1)),
                refusal("Convolution.conv2d(Tensor,Tensor,Tensor,int[],int[],int[],int)", "Conv2d",
                        () -> Convolution.conv2d(t(1, 3, 2, 9), t(4, 3, 3, 3), null, new int[] {1, 1}, new int[4],
                                new int[] {1, 1}, 1), "does not fit an input of 2"),
                refusal("Convolution.pool2d(String,Tensor,boolean,int[],int[],int[],int[],boolean)", "AvgPool2d",
                        () -> Convolution.pool2d("AvgPool2d", t(4, 4), false, new int[] {2, 2}, new int[] {2, 2},
                                new int[4], new int[] {1, 1}, false), f(4, 4)),
                refusal("BatchNorm.forward(Tensor)", "BatchNorm2d(3)", () -> BatchNorm.of2d(CPU, 3).forward(t(2, 4, 5, 5)),
                        f(2, 4, 5, 5)),
                refusal("BatchNorm.of(int,Device,int,float,float,boolean)", "BatchNorm",
                        () -> BatchNorm.of(3, CPU, 4, 1e-5f, 0.1f, true), "1d or 2d, got 3d"),
                refusal("LayerNorm.forward(Tensor)", "LayerNorm(4)", () -> new LayerNorm(CPU, 4, 1e-5f, true).forward(t(2, 3)),
                        f(2, 3)),
                refusal("Embedding.forward(Tensor)", "Embedding(3, 2)", () -> new Embedding(CPU, 3, 2, 1).forward(
                        Tensor.of(CPU, new float[] {0, 3}, 2)), f(2), "index 3.0"),
                refusal("Dual(Tensor,Tensor)", "Dual", () -> new Dual(t(2), t(3)), f(3), f(2)));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void aWrongShapeIsRefusedNamingTheOpAndTheShapes(Refusal r) {
        try (Scope s = Scope.open()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r.call());
            assertTrue(e.getMessage().startsWith(r.op() + ": "), "message does not open with '" + r.op() + ": ': " + e.getMessage());
            assertNames(e, r.named());
        }
    }

    // ------------------------------------------------------------------ the table is complete

    /** The binary ops of {@link #binaryOps}, as {@link #key} spells them: covered by the two tests at the top. */
    private static final Set<String> BINARY = Set.of("add", "sub", "mul", "div", "pow", "maximum", "minimum", "equal", "greater")
            .stream().map(n -> "Tensor." + n + "(Tensor)").collect(Collectors.toSet());

    /** Public methods with no argument whose shape can be wrong, and why. */
    private static final Map<String, String> EXEMPT = exempt();

    private static Map<String, String> exempt() {
        Map<String, String> m = new TreeMap<>();
        for (String k : List.of("shape()", "dim()", "numel()", "device()", "isContiguous()", "isClosed()", "requiresGrad()",
                "isLeaf()", "grad()", "toString()", "dtype()")) {
            m.put("Tensor." + k, "a property: no argument");
        }
        for (String k : List.of("toArray()", "contiguous()", "copy()", "to(Device)", "detach()", "close()", "zeroGrad()",
                "requiresGrad(boolean)", "sum()")) {
            m.put("Tensor." + k, "takes any shape, the empty one included (sum of nothing is 0)");
        }
        m.put("Tensor.to(DType)", "changes the element type, not the shape: any shape (DTypeTensorTest covers the dtype refusals)");
        m.put("Tensor.scalar(Device,float)", "makes a [] tensor: no shape to get wrong");
        for (String k : List.of("add(float)", "sub(float)", "mul(float)", "div(float)", "pow(float)", "neg()", "exp()",
                "log()", "sin()", "cos()", "sqrt()", "square()", "reciprocal()", "abs()", "relu()", "leakyRelu(float)",
                "sigmoid()", "tanh()", "gelu()")) {
            m.put("Tensor." + k, "elementwise with a float: any shape");
        }
        m.put("Losses.byName(String)", "returns a loss; the loss it returns checks its shapes (mse, euclidean, hinge, cross_entropy)");
        m.put("Losses.l1(Collection,float)", "sums over parameters of any shapes");
        m.put("Losses.named(String,Loss)", "wraps a loss under a name; the loss checks its own shapes");
        m.put("Losses.weighted(String,Loss,UnaryOperator)", "wraps a loss and its batch weight; the loss checks its shapes");
        m.put("Losses.l2(Collection,float)", "sums over parameters of any shapes");
        m.put("Losses.oneHot(Tensor,int)", "flattens class indices of any shape");
        m.put("Linear.inFeatures()", "a property: no argument");
        m.put("Linear.outFeatures()", "a property: no argument");
        m.put("Activation.parse(String)", "takes a name");
        m.put("Activation.kind()", "a property: no argument");
        m.put("Activation.forward(Tensor)", "elementwise: any shape");
        m.put("Dropout.step(long)", "takes a step number");
        for (String k : List.of("max2d(int[],int[],int[],int[],boolean)", "avg2d(int[],int[],int[],boolean)",
                "max1d(int,int,int,int,boolean)", "avg1d(int,int,int,boolean)")) {
            m.put("Pool2d." + k, "makes a layer from sizes (checked there); its forward checks the input's shape");
        }
        m.put("Dropout.forward(Tensor)", "elementwise: any shape");
        m.put("BatchNorm.of1d(Device,int)", "makes a layer from a channel count (checked there); its forward checks shapes");
        m.put("BatchNorm.of2d(Device,int)", "makes a layer from a channel count (checked there); its forward checks shapes");
        return m;
    }

    /** A public method as the tables name it: class, name and parameter types, e.g. {@code Tensor.sum(int,boolean)}. */
    private static String key(Method m) {
        return m.getDeclaringClass().getSimpleName() + "." + m.getName() + Arrays.stream(m.getParameterTypes())
                .map(Class::getSimpleName).collect(Collectors.joining(",", "(", ")"));
    }

    /**
     * Every public method of Tensor, InPlace, the losses and the layers is either refused in {@link #refusals} (or
     * {@link #binaryOps}) or exempt with a reason; a new op fails this test until it is put in one of them, and an
     * entry for a method that no longer exists fails it too.
     */
    @Test
    void everyPublicOpIsRefusedOrExempt() {
        Set<String> refused = refusals().map(Refusal::method).collect(Collectors.toCollection(TreeSet::new));
        refused.addAll(BINARY);
        Set<String> both = new TreeSet<>(refused);
        both.retainAll(EXEMPT.keySet());
        assertEquals(Set.of(), both, "both refused and exempt");
        Set<String> declared = new TreeSet<>();
        for (Class<?> c : List.of(Tensor.class, InPlace.class, Losses.class, Linear.class, Activation.class, Dropout.class,
                Conv2d.class, Conv1d.class, Pool2d.class, Flatten.class, Convolution.class, LayerNorm.class,
                BatchNorm.class, Embedding.class)) {
            for (Method m : c.getDeclaredMethods()) {
                if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic()) {
                    declared.add(key(m));
                }
            }
        }
        declared.add("Dual(Tensor,Tensor)");   // the one check of Dual; its ops are Tensor's
        Set<String> listed = new TreeSet<>(refused);
        listed.addAll(EXEMPT.keySet());
        Set<String> missing = new TreeSet<>(declared);
        missing.removeAll(listed);
        assertEquals(Set.of(), missing, "public methods neither refused nor exempt: add them to refusals() or EXEMPT");
        Set<String> stale = new TreeSet<>(listed);
        stale.removeAll(declared);
        assertEquals(Set.of(), stale, "entries for methods that do not exist");
    }
}
