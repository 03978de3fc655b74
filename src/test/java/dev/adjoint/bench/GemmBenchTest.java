package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adjoint bench gemm} and {@code bench train} flags, and the sample-by-sample comparison with numpy. */
class GemmBenchTest {
    @Test
    void flagsAreParsedAndBadValuesNameTheFlag() {
        GemmBench.Options o = GemmBench.parse(new String[] {"--shape", "8x4x2", "--compare", "--threads", "2"});
        assertEquals(List.of(new GemmBench.Shape(8, 4, 2)), o.shapes());
        assertEquals(new GemmBench.Shape(128, 784, 256), GemmBench.Shape.parse("--shape", "128X784X256"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GemmBench.Shape.parse("--shape", "8x0x2"))
                .getMessage().startsWith("--shape '8x0x2' is not 3 positive integers"));
        assertEquals("numpy", o.peer());
        assertEquals(2, o.threads());
        assertNull(GemmBench.parse(new String[] {"--peer", "torch"}).peer(), "--peer alone does not compare");
        assertEquals("torch", GemmBench.parse(new String[] {"--peer", "torch", "--compare"}).peer());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> GemmBench.parse(new String[] {"--compare", "--peer", "blas"})).getMessage().contains("--peer blas"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> GemmBench.parse(new String[] {"--repeat", "0"})).getMessage().contains("--repeat 0"));
        assertEquals("--shape '8X8' is not 3 positive integers separated by 'x' (MxKxN, e.g. 128x784x256)",
                assertThrows(IllegalArgumentException.class,
                        () -> GemmBench.parse(new String[] {"--shape", "8X8"})).getMessage(), "names what was typed");
    }

    @Test
    void trainAndReplayCheckFlagsNameTheBadValue() {
        for (String[] bad : List.of(new String[] {"--batch", "0"}, new String[] {"--repeat", "x"},
                new String[] {"--threads", "-1"}, new String[] {"--sizes", "784,0,10"}, new String[] {"--sample", "-1"},
                new String[] {"--precision", "fp8"})) {
            String msg = assertThrows(IllegalArgumentException.class, () -> TrainBench.parse(bad)).getMessage();
            assertTrue(msg.contains(bad[0]), msg);
        }
        String msg = assertThrows(IllegalArgumentException.class,
                () -> TrainBench.parse(new String[] {"--sizes", "784"})).getMessage();
        assertTrue(msg.contains("--sizes"), msg);
        msg = assertThrows(IllegalArgumentException.class,
                () -> TrainBench.parse(new String[] {"--compare", "--precision", "bf16"})).getMessage();
        assertTrue(msg.contains("numpy computes in FP32 only") && msg.contains("--peer torch"), msg);
        assertEquals(dev.adjoint.train.Precision.FP16,
                TrainBench.parse(new String[] {"--compare", "--peer", "torch", "--precision", "FP16"}).precision());
        for (String[] bad : List.of(new String[] {"--steps", "0"}, new String[] {"--batch", "b"},
                new String[] {"--sizes", "784,x"}, new String[] {"--sizes", "10"}, new String[] {"--precision", "half"})) {
            String m = assertThrows(IllegalArgumentException.class, () -> ReplayCheck.run(bad)).getMessage();
            assertTrue(m.contains(bad[0]), m);
        }
    }

    /**
     * Three rounds on a small shape. Where the numpy peer cannot run, the asked-for comparison must
     * fail with the reason; where it can, each round holds one sample of each, and the ratios in the
     * file are the ones the samples give.
     */
    @Test
    @SuppressWarnings("unchecked")
    void compareInterleavesOneSampleOfEachPerRound(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("g.json");
        GemmBench.Options o = new GemmBench.Options("cpu", List.of(new GemmBench.Shape(33, 40, 24)), 1, 3, 0.05, 0.01,
                json, "numpy", "python3");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            GemmBench.run(o, new PrintStream(out, true, StandardCharsets.UTF_8));
        } catch (IllegalStateException e) {
            assertTrue(e.getMessage().startsWith("bench gemm --compare: the numpy reference cannot run: "), e.getMessage());
            return;
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        for (int r = 1; r <= 3; r++) {
            assertTrue(printed.contains("round " + r + "/3 33x40x24: adjoint "), printed);
        }
        Map<String, Object> root = Json.parseObject(Files.readString(json));
        assertEquals("numpy", ((Map<String, Object>) root.get("peer")).get("name"));
        assertEquals(0.3, ((Number) root.get("warmup_seconds_per_sample")).doubleValue(), "both sides' warm-up per sample");
        Map<String, Object> row = ((List<Map<String, Object>>) root.get("results")).getFirst();
        double[] ours = numbers(row.get("samples_gflops"));
        double[] theirs = numbers(row.get("peer_samples_gflops"));
        assertEquals(3, ours.length);
        assertEquals(3, theirs.length);
        double ratio = median(ours) / median(theirs);
        assertEquals(ratio, ((Number) row.get("ratio")).doubleValue(), 1e-9 * ratio);
        double[] paired = new double[3];
        for (int i = 0; i < 3; i++) {
            paired[i] = ours[i] / theirs[i];
        }
        assertEquals(median(paired), ((Number) row.get("paired_ratio")).doubleValue(), 1e-9 * median(paired));
        assertTrue(printed.contains(String.format(java.util.Locale.ROOT, "adjoint / numpy = %.3f", ratio)), printed);
    }

    private static double[] numbers(Object list) {
        return ((List<?>) list).stream().mapToDouble(x -> ((Number) x).doubleValue()).toArray();
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
