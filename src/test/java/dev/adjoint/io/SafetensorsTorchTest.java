package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.device.DType;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Python;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * BF16 and F16 files between Adjoint and PyTorch, both ways, compared bit for bit through
 * {@code src/test/python/torch_half.py}. Skipped, with the reason, where the Python of
 * {@link Python#command} has no torch (CI's python3): run with
 * {@code ADJOINT_TEST_PYTHON=/tmp/V/bin/python} or {@code -Dadjoint.test.python=...}.
 */
class SafetensorsTorchTest {
    private static final Path SCRIPT = Path.of("src", "test", "python", "torch_half.py");
    private static final Device CPU = new CpuDevice(1);

    @TempDir
    Path dir;

    @BeforeAll
    static void needsTorch() throws InterruptedException {
        Python.assumeModules("torch");
    }

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static String run(String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(SCRIPT.toString()));
        all.addAll(List.of(args));
        Python.Result r = Python.run(all, 300);
        assertEquals(0, r.code(), Python.command() + " " + String.join(" ", all) + ":\n" + r.out());
        return r.out();
    }

    /** A state dict PyTorch saved in BF16 and F16 (with an F32 and an empty tensor) loads as torch's own .float() of it. */
    @Test
    void aFileWrittenByPyTorchLoadsAsTorchWidensIt() throws Exception {
        run("write", dir.toString());
        Map<String, Safetensors.Loaded> got = Safetensors.read(dir.resolve("torch.safetensors"));
        Map<String, Safetensors.Loaded> expected = Safetensors.read(dir.resolve("expected.safetensors"));
        assertEquals(List.of("encoder.weight", "encoder.bias", "scale", "empty"), List.copyOf(got.keySet()));
        assertEquals(Map.of("format", "pt"), Safetensors.metadata(dir.resolve("torch.safetensors")));
        Map<String, DType> stored = Map.of("encoder.weight", DType.BF16, "encoder.bias", DType.F16, "scale", DType.F32,
                "empty", DType.BF16);
        for (var e : got.entrySet()) {
            Safetensors.Loaded want = expected.get(e.getKey());
            assertEquals(stored.get(e.getKey()), e.getValue().stored(), e.getKey());
            assertEquals(DType.F32, want.stored(), e.getKey());
            assertArrayEquals(want.shape(), e.getValue().shape(), e.getKey());
            for (int i = 0; i < want.data().length; i++) {
                assertEquals(Integer.toHexString(Float.floatToRawIntBits(want.data()[i])),
                        Integer.toHexString(Float.floatToRawIntBits(e.getValue().data()[i])),
                        e.getKey() + "[" + i + "]: torch's .float() is " + want.data()[i]);
            }
        }
        assertEquals(4000, got.get("encoder.weight").data().length);
    }

    /**
     * Values that test rounding hardest (every tie of the format, the floats either side, random bit
     * patterns, NaN, infinities, signed zeros, subnormals), written by Adjoint as BF16 and as F16:
     * PyTorch's own {@code .to(torch.bfloat16)} / {@code .half()} of the same float32 values has the
     * same bits (NaN: any NaN, as PyTorch's BF16 NaN is 0xFFFF).
     */
    @Test
    void aFileAdjointWritesHoldsTheBitsOfTorchsOwnConversion() throws Exception {
        for (DType d : List.of(DType.BF16, DType.F16)) {
            float[] x = hardValues(d);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            tensors.put("hard", Tensor.of(CPU, x, x.length));
            tensors.put("matrix", Tensor.of(CPU, Arrays.copyOf(x, 12), 3, 4));
            Path source = dir.resolve(d + "-source.safetensors");
            Path converted = dir.resolve(d + ".safetensors");
            Safetensors.write(source, tensors, Map.of());
            Safetensors.write(converted, tensors, Map.of(), d);
            tensors.values().forEach(Tensor::close);
            String out = run("check", source.toString(), converted.toString(), d.toString());
            assertTrue(out.strip().equals("ok " + (x.length + 12)), out);
        }
    }

    /** Each tie between neighbours of {@code d} (their mean), the floats next to it, random floats, the specials; none overflowing. */
    private static float[] hardValues(DType d) {
        int inf = d == DType.BF16 ? 0x7F80 : 0x7C00;
        float[] x = new float[3 * 2 * inf + 20_000 + 6];
        int n = 0;
        for (int p = 0; p < inf; p++) {
            float lo = d == DType.BF16 ? DType.bf16ToFloat((short) p) : DType.f16ToFloat((short) p);
            // the pattern of infinity stands for 2^(emax + 1) here, the value IEEE's overflow rounding compares against
            double hi = p + 1 < inf ? (d == DType.BF16 ? DType.bf16ToFloat((short) (p + 1)) : DType.f16ToFloat((short) (p + 1)))
                    : d == DType.BF16 ? 0x1p128 : 0x1p16;
            float mid = (float) ((lo + hi) / 2); // exact: a float holds every tie of a narrower format
            for (float v : new float[] {mid, Math.nextUp(mid), Math.nextDown(mid)}) {
                if (!d.overflows(v)) { // the tie with infinity and above are refused; the float below it is not
                    x[n++] = v;
                    x[n++] = -v;
                }
            }
        }
        Random r = new Random(13);
        while (n < x.length - 6) {
            float v = d == DType.BF16 ? Float.intBitsToFloat(r.nextInt()) : (float) (r.nextGaussian() * 1000);
            if (!d.overflows(v)) {
                x[n++] = v;
            }
        }
        float[] specials = {Float.NaN, Float.intBitsToFloat(0xFFC0_0000), Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f};
        System.arraycopy(specials, 0, x, n, specials.length);
        return x;
    }
}
