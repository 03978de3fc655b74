package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.device.DType;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.train.Predictor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A state dict saved in BF16 or F16 (as PyTorch saves a half-precision model) beside a config.json
 * loads into the float32 model, each value widened exactly: the model predicts exactly what the
 * same model saved as F32 with the rounded values predicts. Saving it again as an Adjoint
 * checkpoint writes F32.
 */
class HalfPrecisionStateDictTest {
    private static final Device CPU = new CpuDevice(1);
    private static final String CONFIG = "{\"model\": {\"type\": \"mlp\", \"sizes\": [2, 8, 3], \"activation\": \"tanh\","
            + " \"init\": \"he_uniform\", \"dropout\": 0.0, \"seed\": 1}, \"normalization\": {\"mean\": 0, \"std\": 1}}";

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** MLP [2, 8, 3]'s parameters under the names Sequential gives them, each value passed through {@code round}. */
    private static Map<String, float[]> stateDict(DType round) {
        Random r = new Random(5);
        Map<String, float[]> m = new LinkedHashMap<>();
        for (var e : Map.of("0.weight", 16, "0.bias", 8, "2.weight", 24, "2.bias", 3).entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            float[] x = new float[e.getValue()];
            for (int i = 0; i < x.length; i++) {
                x[i] = round.round((float) r.nextGaussian());
            }
            m.put(e.getKey(), x);
        }
        return m;
    }

    private static final Map<String, int[]> SHAPES = Map.of("0.weight", new int[] {8, 2}, "0.bias", new int[] {8},
            "2.weight", new int[] {3, 8}, "2.bias", new int[] {3});

    private Path saved(String name, Map<String, float[]> values, DType dtype) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        Map<String, Tensor> t = new LinkedHashMap<>();
        values.forEach((k, v) -> t.put(k, Tensor.of(CPU, v, SHAPES.get(k))));
        Safetensors.write(d.resolve(Checkpoint.MODEL), t, Map.of("format", "pt"), dtype);
        t.values().forEach(Tensor::close);
        Files.writeString(d.resolve(Checkpoint.CONFIG), CONFIG);
        return d;
    }

    private static float[][] predict(Path checkpoint, float[][] rows) {
        try (Predictor p = Predictor.load(checkpoint, CPU)) {
            return p.predict(rows);
        }
    }

    @Test
    void aHalfPrecisionStateDictLoadsIntoTheFloat32ModelAndIsSavedAgainAsF32() throws IOException {
        float[][] rows = {{0.5f, -1.25f}, {3, 2}, {-0.1f, 0.7f}, {0, 0}};
        for (DType d : List.of(DType.BF16, DType.F16)) {
            Map<String, float[]> full = stateDict(DType.F32);
            Map<String, float[]> rounded = stateDict(d);
            Path half = saved(d + "-state-dict", full, d);
            Path asF32 = saved(d + "-rounded-as-f32", rounded, DType.F32);

            Checkpoint.Loaded loaded = Checkpoint.load(half);
            for (var e : rounded.entrySet()) {
                Safetensors.Loaded t = loaded.tensors().get(e.getKey());
                assertEquals(d, t.stored(), e.getKey());
                assertArrayEquals(e.getValue(), t.data(), d + " " + e.getKey() + ": widened exactly from the rounded values");
            }
            float[][] fromHalf = predict(half, rows);
            float[][] fromF32 = predict(asF32, rows);
            for (int i = 0; i < rows.length; i++) {
                assertArrayEquals(fromF32[i], fromHalf[i], d + ": row " + i);
            }
            assertFalse(Arrays.deepEquals(fromHalf, predict(saved(d + "-full", full, DType.F32), rows)),
                    d + ": rounding the weights changed the predictions, so the comparison above can tell them apart");

            // Adjoint's own checkpoint of what was loaded stays F32
            Path resaved = dir.resolve(d + "-resaved");
            Map<String, Tensor> t = new LinkedHashMap<>();
            loaded.tensors().forEach((k, v) -> t.put(k, v.toTensor(CPU)));
            Checkpoint.save(resaved, t, loaded.config());
            t.values().forEach(Tensor::close);
            Checkpoint.Loaded again = Checkpoint.load(resaved);
            for (var e : rounded.entrySet()) {
                assertEquals(DType.F32, again.tensors().get(e.getKey()).stored(), e.getKey());
                assertArrayEquals(e.getValue(), again.tensors().get(e.getKey()).data(), e.getKey());
            }
            byte[] bytes = Files.readAllBytes(resaved.resolve(Checkpoint.MODEL));
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.contains("\"dtype\":\"F32\"") && !header.contains("\"dtype\":\"" + d + "\""), header);
            for (int i = 0; i < rows.length; i++) {
                assertArrayEquals(fromHalf[i], predict(resaved, rows)[i], d + ": row " + i + " from the resaved checkpoint");
            }
        }
    }
}
