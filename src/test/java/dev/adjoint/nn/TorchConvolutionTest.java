package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.io.Safetensors;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Python;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Conv2d (stride, padding, dilation, groups; SAME with an even kernel and dilation), Conv1d, max pooling with
 * padding and ceil mode, average pooling with padding and ceil mode, LayerNorm and BatchNorm1d/2d (training steps, running
 * statistics, eval) against PyTorch itself
 * ({@code src/test/python/torch_conv.py}): the same inputs, outputs and gradients within float32 rounding.
 * PyTorch's rules are the reference for the boundaries. Skipped, with the reason, where the test's Python
 * has no torch ({@link Python}; .ci/run installs it from an offline wheel).
 */
class TorchConvolutionTest {
    @Test
    void layersAgreeWithPyTorch(@TempDir Path dir) throws Exception {
        Python.assumeModules("torch");
        Python.Result r = Python.run(List.of("src/test/python/torch_conv.py", dir.toString()), 300);
        assertEquals(0, r.code(), r.out());
        Map<String, Safetensors.Loaded> cases = Safetensors.read(dir.resolve("cases.safetensors"));
        try (Device d = new CpuDevice(2); Scope s = Scope.open()) {
            check(d, cases, "conv2d", List.of("x", "w", "b"), t -> Convolution.conv2d(t.get(0), t.get(1), t.get(2),
                    new int[] {2, 1}, new int[] {1, 1, 0, 0}, new int[] {1, 2}, 2));
            check(d, cases, "same", List.of("x", "w", "b"), t -> Convolution.conv2d(t.get(0), t.get(1), t.get(2),
                    new int[] {1, 1}, Conv2d.samePadding(new int[] {4, 3}, new int[] {1, 2}), new int[] {1, 2}, 1));
            check(d, cases, "conv1d", List.of("x", "w", "b"), t -> {
                Conv1d layer = new Conv1d(d, 3, 5, 4, 2, 1, 1, 1, true, Init.PYTORCH, 1);
                InPlace.copy(layer.parameters().get("weight"), t.get(1).detach());
                InPlace.copy(layer.parameters().get("bias"), t.get(2).detach());
                // the layer's own weights carry no gradient to t; conv1d's function form does
                Tensor w = t.get(1);
                Tensor y = Convolution.conv2d(t.get(0).reshape(2, 3, 1, 11), w.reshape(5, 3, 1, 4), t.get(2),
                        new int[] {1, 2}, new int[] {0, 0, 1, 1}, new int[] {1, 1}, 1);
                assertArrayEquals(layer.forward(t.get(0).detach()).toArray(), y.reshape(2, 5, -1).toArray());
                return y.reshape(2, 5, -1);
            });
            check(d, cases, "maxpool", List.of("x"), t -> Pool2d.max2d(new int[] {3, 2}, new int[] {2, 2},
                    new int[] {1, 1}, new int[] {1, 1}, true).forward(t.get(0)));
            check(d, cases, "avgpool", List.of("x"), t -> Pool2d.avg2d(new int[] {3, 3}, new int[] {2, 2},
                    new int[] {1, 1}, false).forward(t.get(0)));
            // ceil mode: the last row and column of windows run past the padded input; their divisor counts 2 x 3 taps
            check(d, cases, "avgceil", List.of("x"), t -> Pool2d.avg2d(new int[] {3, 3}, new int[] {2, 2},
                    new int[] {1, 1}, true).forward(t.get(0)));
            check(d, cases, "layernorm", List.of("x", "w", "b"), t -> {
                Tensor x = t.get(0);
                Tensor c = x.sub(x.mean(-1, true));
                return c.div(c.square().mean(-1, true).add(1e-5f).sqrt()).mul(t.get(1)).add(t.get(2));
            });
            LayerNorm norm = new LayerNorm(d, 9, 1e-5f, true);
            InPlace.copy(norm.parameters().get("weight"), cases.get("layernorm.w").toTensor(d));
            InPlace.copy(norm.parameters().get("bias"), cases.get("layernorm.b").toTensor(d));
            close(cases.get("layernorm.y").data(), norm.forward(cases.get("layernorm.x").toTensor(d)).toArray(),
                    "LayerNorm layer");
            batchNorm(d, cases, "bn1d", BatchNorm.of1d(d, 3));
            batchNorm(d, cases, "bn2d", BatchNorm.of2d(d, 3));
        }
    }

    /** A training step (output, the input's and parameters' gradients), a second step, the running statistics, eval mode. */
    private static void batchNorm(Device d, Map<String, Safetensors.Loaded> cases, String name, BatchNorm bn) {
        InPlace.copy(bn.parameters().get("weight"), cases.get(name + ".w").toTensor(d));
        InPlace.copy(bn.parameters().get("bias"), cases.get(name + ".b").toTensor(d));
        Tensor x = cases.get(name + ".x").toTensor(d).requiresGrad(true);
        Tensor y = bn.forward(x);
        close(cases.get(name + ".y").data(), y.toArray(), name + " training output");
        y.mul(cases.get(name + ".u").toTensor(d)).sum().backward();
        close(cases.get(name + ".gx").data(), x.grad().toArray(), name + " gradient of x");
        close(cases.get(name + ".gw").data(), bn.parameters().get("weight").grad().toArray(), name + " gradient of weight");
        close(cases.get(name + ".gb").data(), bn.parameters().get("bias").grad().toArray(), name + " gradient of bias");
        close(cases.get(name + ".y2").data(), bn.forward(cases.get(name + ".x2").toTensor(d)).toArray(), name + " step 2");
        close(cases.get(name + ".rm").data(), bn.buffers().get("running_mean").toArray(), name + " running_mean");
        close(cases.get(name + ".rv").data(), bn.buffers().get("running_var").toArray(), name + " running_var");
        bn.eval();
        close(cases.get(name + ".y3").data(), bn.forward(cases.get(name + ".x3").toTensor(d)).toArray(), name + " eval");
    }

    private static void check(Device d, Map<String, Safetensors.Loaded> cases, String name, List<String> inputs,
                              Function<List<Tensor>, Tensor> f) {
        List<Tensor> leaves = new ArrayList<>();
        for (String k : inputs) {
            leaves.add(cases.get(name + "." + k).toTensor(d).requiresGrad(true));
        }
        Tensor y = f.apply(leaves);
        Safetensors.Loaded want = cases.get(name + ".y");
        assertArrayEquals(want.shape(), y.shape(), name + ": output shape");
        close(want.data(), y.toArray(), name + " output");
        y.mul(cases.get(name + ".u").toTensor(d)).sum().backward();
        for (int i = 0; i < inputs.size(); i++) {
            close(cases.get(name + ".g" + inputs.get(i)).data(), leaves.get(i).grad().toArray(),
                    name + " gradient of " + inputs.get(i));
        }
    }

    private static void close(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what + ": size");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 1e-4 * Math.max(1, Math.abs(want[i])), what + " at " + i);
        }
    }
}
