package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Json;
import dev.adjoint.report.SvgDocument;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * The whole matrix, quick, on the cpu backend with {@code --compare}: the table, the peak line,
 * a result file with every case, and a chart. The numpy peer runs where python3 and numpy are
 * installed; elsewhere it must be reported as unavailable and the run must go on.
 */
class MatrixBenchTest {
    @Test
    void aCasePredictedToRunPastTheLimitIsSkippedWithTheArithmetic() {
        MatrixBench.Options o = MatrixBench.Options.defaults(false);   // warm-up 1 s, samples 0.25 s, 3 at least, limit 45 s
        MatrixCase big = MatrixCase.gemm(2000, 2000, 2000);              // 16 GFLOP
        assertNull(MatrixBench.skipReason(o, big, Map.of()), "no rate yet: run it");
        assertNull(MatrixBench.skipReason(o, big, Map.of(MatrixCase.Kind.GEMM, 100e9)), "0.16 s a call: 1 + 3 x 0.25 s");
        // At 1 GFLOP/s a call takes 16 s: 16 s of warm-up and 3 samples of 16 s, 64 s.
        assertEquals("predicted 64 s at 1.0 GFLOP/s (3 samples of 16.00 s), over the case limit of 45 s",
                MatrixBench.skipReason(o, big, Map.of(MatrixCase.Kind.GEMM, 1e9)));
        MatrixCase train = MatrixCase.MODELS.get(2);
        String reason = MatrixBench.skipReason(o, train, Map.of(MatrixCase.Kind.GEMM, 1e12, MatrixCase.Kind.TRAIN, 1e9));
        assertNotNull(reason, "a training step is predicted from the last training step, not from GEMM");
        assertNull(MatrixBench.skipReason(o, MatrixCase.mlp(MatrixCase.Kind.INFER, 8, 4, 2),
                Map.of(MatrixCase.Kind.GEMM, 1e9)), "the first of a kind falls back on the GEMM rate");
    }

    @Test
    @SuppressWarnings("unchecked")
    void namedCasesRunAloneInTheirOrder(@TempDir Path dir) throws Exception {
        MatrixBench.Options d = MatrixBench.Options.defaults(true);
        List<String> cases = List.of("infer:5-3/7", "gemm:33x7x1");
        MatrixBench.Options o = new MatrixBench.Options(List.of("cpu"), cases, false, true, dir.resolve("c.json"),
                dir.resolve("c.svg"), d.budget(), d.caseLimitSeconds(), d.peakSeconds(), d.python());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MatrixBench.Report report = MatrixBench.run(o, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, report.failures(), out.toString(StandardCharsets.UTF_8));
        Map<String, Object> root = Json.parseObject(Files.readString(dir.resolve("c.json")));
        List<Map<String, Object>> results = (List<Map<String, Object>>) root.get("results");
        assertEquals(List.of("infer 5-3 7", "gemm 33x7x1 null"), results.stream()
                .map(r -> r.get("kind") + " " + r.get("shape") + " " + r.get("batch")).toList());
        assertEquals(2.0 * 33 * 7 * 1, (Double) results.get(1).get("flops_per_call"), 0);
        assertEquals("infer:5-3/7,gemm:33x7x1", ((Map<String, Object>) root.get("settings")).get("cases"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aQuickRunOnTheCpuWritesTheTableTheJsonAndTheChart(@TempDir Path dir) throws Exception {
        MatrixBench.Options d = MatrixBench.Options.defaults(true);
        MatrixBench.Options o = new MatrixBench.Options(List.of("cpu"), List.of(), true, true, dir.resolve("m.json"),
                dir.resolve("m.svg"), d.budget(), d.caseLimitSeconds(), d.peakSeconds(), d.python());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        MatrixBench.Report report = MatrixBench.run(o, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = out.toString(StandardCharsets.UTF_8);
        String progress = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, report.failures(), printed);
        assertTrue(printed.contains(MatrixReport.header()), printed);
        assertTrue(printed.contains("cpu: large GEMM (512x512x512"), printed);
        assertTrue(progress.contains("[1/") && progress.contains("cpu gemm 256x256x256"), progress);

        Map<String, Object> root = Json.parseObject(Files.readString(dir.resolve("m.json")));
        List<Map<String, Object>> results = (List<Map<String, Object>>) root.get("results");
        assertEquals(MatrixCase.standard(true).stream().map(MatrixCase::shape).toList(),
                results.stream().map(r -> (String) r.get("shape")).toList());
        Map<String, Object> numpy = ((List<Map<String, Object>>) root.get("peers")).getFirst();
        boolean peer = (Boolean) numpy.get("available");
        for (Map<String, Object> r : results) {
            assertEquals("cpu", r.get("backend"));
            assertNull(r.get("skipped"), r.toString());
            assertTrue((Long) r.get("samples") >= 3, "at least the minimum samples: " + r);
            assertTrue((Double) r.get("gflops") > 0, r.toString());
            if (!r.get("kind").equals("gemm")) {
                assertEquals(128L, r.get("batch"));
                assertEquals(128 / (Double) r.get("median_s"), (Double) r.get("samples_per_s"), 1e-9);
            }
            Map<String, Object> p = (Map<String, Object>) r.get("peer");
            if (peer) {
                assertEquals("numpy", p.get("name"));
                assertNull(p.get("error"), p.toString());
                assertEquals((Double) p.get("median_s") / (Double) r.get("median_s"), (Double) p.get("ratio"), 1e-9);
            } else {
                assertNull(p, "no peer timing without a peer");
            }
        }
        if (!peer) {
            assertTrue(printed.contains("peer numpy: not available, " + numpy.get("reason")), printed);
        }
        Map<String, Object> cpu = ((List<Map<String, Object>>) root.get("devices")).getFirst();
        assertTrue((Double) cpu.get("peak_gflops") > 0);
        Map<String, Object> env = (Map<String, Object>) root.get("environment");
        assertNotNull(env.get("cpu"));
        assertTrue(((Map<String, Object>) env.get("backends")).containsKey("opencl"), "every backend's versions");

        Document svg = SvgDocument.parse(Files.readString(dir.resolve("m.svg")));
        List<String> legend = SvgDocument.texts(svg, "legend-entry");
        assertTrue(legend.getFirst().startsWith("cpu ("), legend.toString());
        assertEquals(peer, legend.contains("numpy (peer)"), legend.toString());
        assertEquals(3 * (peer ? 2 : 1), ChartTest.bars(svg, 1).size(), "a GEMM bar per shape and series");
    }
}
