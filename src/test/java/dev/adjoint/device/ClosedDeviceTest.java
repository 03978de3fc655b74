package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A closed device refuses work: every primitive, called with arguments that were valid before the
 * close, and every op on a tensor made on it, throws the one IllegalStateException naming the device,
 * instead of running on freed memory or a dead context.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClosedDeviceTest {

    static List<String> backends() {
        return Backends.names();
    }

    private static String refusal(Device d) {
        return d.name() + ": device is closed; nothing runs on it any more, nor on its tensors and buffers "
                + "(open a new device and make them there)";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void everyPrimitiveOfAClosedDeviceIsRefusedByName(String backend) {
        Device d = Backends.fresh(backend);
        Buffer x = d.allocate(64);
        Buffer y = d.allocate(64);
        Buffer z = d.allocate(64);
        Buffer w = d.allocate(64);
        d.fill(x, 0, 64, 1f);
        assertFalse(d.isClosed());
        d.close();
        assertTrue(d.isClosed());
        int[] shape = {4, 4};
        long[] strides = {4, 1};
        float[] host = new float[16];
        Map<String, Executable> calls = new LinkedHashMap<>();
        calls.put("allocate", () -> d.allocate(16));
        calls.put("upload", () -> d.upload(host, 0, x, 0, 16));
        calls.put("download", () -> d.download(x, 0, host, 0, 16));
        calls.put("fill", () -> d.fill(x, 0, 16, 2f));
        calls.put("copy", () -> d.copy(x, 0, y, 0, 16));
        calls.put("random", () -> d.random(x, 0, 16, Distribution.UNIFORM, 0f, 1f, 7));
        calls.put("synchronize", d::synchronize);
        calls.put("gemm", () -> d.gemm(false, false, 4, 4, 4, 1f, x, 0, 4, y, 0, 4, 0f, z, 0, 4));
        calls.put("unary", () -> d.unary(UnaryOp.RELU, 0f, shape, x, 0, strides, y, 0));
        calls.put("binary", () -> d.binary(BinaryOp.ADD, 0f, shape, x, 0, strides, y, 0, strides, z, 0));
        calls.put("reduce", () -> d.reduce(ReduceOp.SUM, 4, 4, 1, x, 0, y, 0));
        calls.put("softmax", () -> d.softmax(false, 4, 4, x, 0, y, 0));
        calls.put("softmaxBackward", () -> d.softmaxBackward(false, 4, 4, x, 0, y, 0, z, 0));
        calls.put("crossEntropy", () -> d.crossEntropy(4, 4, x, 0, y, 0, z, 0, w, 0));
        calls.put("crossEntropyBackward", () -> d.crossEntropyBackward(4, 4, x, 0, y, 0, z, 0, 1, w, 0));
        calls.put("gather", () -> d.gather(1, 4, 4, 2, x, 0, y, 0, new long[] {8, 4, 1}, z, 0));
        calls.put("scatterAdd", () -> d.scatterAdd(1, 4, 4, 2, y, 0, new long[] {8, 4, 1}, x, 0, z, 0));
        calls.put("select", () -> d.select(shape, x, 0, strides, y, 0, strides, z, 0, strides, w, 0));
        // 2x2 windows, stride 2, over one 4x4 image: 4 columns of 4 taps, 4 pooled outputs
        dev.adjoint.device.Window win = new dev.adjoint.device.Window(1, 1, 4, 4, 2, 2, 2, 2, 0, 0, 1, 1, 2, 2);
        calls.put("im2col", () -> d.im2col(win, 0f, x, 0, y, 0));
        calls.put("col2im", () -> d.col2im(win, y, 0, x, 0));
        calls.put("maxPool", () -> d.maxPool(win, x, 0, y, 0, z, 0));
        calls.put("maxPoolBackward", () -> d.maxPoolBackward(win, y, 0, z, 0, x, 0));
        calls.put("sgdStep", () -> d.sgdStep(x, y, z, 0, 16, 0.1f, 0.9f, 0f, 0f, false, true));
        calls.put("adamStep", () -> d.adamStep(x, y, z, w, 0, 16, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false, 1));
        calls.forEach((name, call) -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, call, () -> backend + ": " + name);
            assertEquals(refusal(d), e.getMessage(), () -> backend + ": " + name);
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void tensorsOfAClosedDeviceAreRefusedByName(String backend) {
        Device d = Backends.fresh(backend);
        Tensor a = Tensor.of(d, new float[] {1f, 2f, 3f, 4f}, 2, 2);
        Tensor g = Tensor.ones(d, 2, 2);
        d.close();
        Map<String, Executable> ops = new LinkedHashMap<>();
        ops.put("toArray", a::toArray);
        ops.put("add", () -> a.add(a));
        ops.put("matmul", () -> a.matmul(a));
        ops.put("sum", a::sum);
        ops.put("softmax", a::softmax);
        ops.put("zeros", () -> Tensor.zeros(d, 2));
        ops.put("add_", () -> InPlace.add(a, g));
        for (var op : ops.entrySet()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, op.getValue(),
                    () -> backend + ": " + op.getKey());
            assertEquals(refusal(d), e.getMessage(), () -> backend + ": " + op.getKey());
        }
        a.close();     // closing what is left stays quiet
        g.close();
    }
}
