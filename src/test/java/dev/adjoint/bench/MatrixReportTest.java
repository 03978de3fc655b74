package dev.adjoint.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.bench.MatrixCase.Kind;
import dev.adjoint.bench.MatrixResult.DeviceRun;
import dev.adjoint.bench.MatrixResult.PeerTiming;
import dev.adjoint.bench.MatrixResult.Row;
import dev.adjoint.device.PeakProbe;
import dev.adjoint.io.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The result file's shape, which bench/compare_jmh.py reads, and the table's lines, on hand-made results. */
class MatrixReportTest {
    private static final List<String> RESULT_KEYS = List.of("backend", "device", "kind", "shape", "batch",
            "flops_per_call", "samples", "calls_per_sample", "median_s", "min_s", "max_s", "spread", "gflops",
            "samples_per_s", "samples_s", "skipped", "peer");
    private static final List<String> PEER_KEYS = List.of("name", "samples", "calls_per_sample", "median_s", "spread",
            "gflops", "samples_per_s", "samples_s", "ratio", "error");

    private final DeviceRun cpu = new DeviceRun("cpu", "cpu", "2 threads, amd64, GEMM: Vector API",
            new PeakProbe.Peak(200e9, "2 threads x 8 chains"), null);
    private final MatrixCase gemm = MatrixCase.gemm(1000, 1000, 1000);          // 2 GFLOP per call
    private final MatrixCase train = MatrixCase.mlp(Kind.TRAIN, 100, 4, 3, 2);
    private final List<Row> rows = List.of(
            new Row(cpu, gemm, new Samples(new double[] {0.02, 0.01, 0.03}, 5), null,
                    new PeerTiming("numpy", new Samples(new double[] {0.04}, 3), null)),
            new Row(cpu, train, new Samples(new double[] {0.5, 0.5}, 1), null, new PeerTiming("numpy", null, "numpy broke")),
            new Row(cpu, MatrixCase.gemm(4000, 4000, 4000), null, "predicted 99 s", null));

    @SuppressWarnings("unchecked")
    private Map<String, Object> written() {
        Map<String, Object> root = MatrixReport.json(Map.of("cpu", "AMD EPYC"), Map.of("quick", true), List.of(cpu),
                List.of(), rows, 12.5);
        return Json.parseObject(Json.write(root));   // what a script reads back
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyResultHasTheSameKeysWithNullsWhereNothingApplies() {
        List<Map<String, Object>> results = (List<Map<String, Object>>) written().get("results");
        assertEquals(3, results.size());
        for (Map<String, Object> r : results) {
            assertEquals(RESULT_KEYS, List.copyOf(r.keySet()));
        }
        Map<String, Object> g = results.get(0);
        assertEquals("cpu", g.get("backend"));
        assertEquals("gemm", g.get("kind"));
        assertEquals("1000x1000x1000", g.get("shape"));
        assertNull(g.get("batch"));
        assertEquals(3L, g.get("samples"));
        assertEquals(0.02, g.get("median_s"));
        assertEquals(1.0, (Double) g.get("spread"), 1e-12);     // (0.03 - 0.01) / 0.02
        assertEquals(100.0, (Double) g.get("gflops"), 1e-9);     // 2e9 / 0.02 / 1e9
        assertNull(g.get("samples_per_s"));
        Map<String, Object> peer = (Map<String, Object>) g.get("peer");
        assertEquals(PEER_KEYS, List.copyOf(peer.keySet()));
        assertEquals(50.0, (Double) peer.get("gflops"), 1e-9);
        assertEquals(2.0, (Double) peer.get("ratio"), 1e-12, "adjoint twice the peer's throughput");

        Map<String, Object> t = results.get(1);
        assertEquals("train", t.get("kind"));
        assertEquals("4-3-2", t.get("shape"));
        assertEquals(100L, t.get("batch"));
        assertEquals(200.0, (Double) t.get("samples_per_s"), 1e-9);
        Map<String, Object> failed = (Map<String, Object>) t.get("peer");
        assertEquals(PEER_KEYS, List.copyOf(failed.keySet()));
        assertEquals("numpy broke", failed.get("error"));
        assertNull(failed.get("ratio"));

        Map<String, Object> skipped = results.get(2);
        assertEquals(0L, skipped.get("samples"));
        assertNull(skipped.get("median_s"));
        assertNull(skipped.get("gflops"));
        assertEquals("predicted 99 s", skipped.get("skipped"));
        assertNull(skipped.get("peer"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theDeviceCarriesItsPeakAndTheLargeGemmsFractionOfIt() {
        Map<String, Object> root = written();
        assertEquals(List.of("benchmark", "environment", "settings", "devices", "peers", "results", "wall_s"),
                List.copyOf(root.keySet()));
        Map<String, Object> d = ((List<Map<String, Object>>) root.get("devices")).getFirst();
        assertEquals(200.0, (Double) d.get("peak_gflops"), 1e-9);
        Map<String, Object> big = (Map<String, Object>) d.get("large_gemm");
        assertEquals("1000x1000x1000", big.get("shape"), "the largest GEMM that ran; the skipped one does not count");
        assertEquals(0.5, (Double) big.get("fraction_of_peak"), 1e-12);
        assertTrue(MatrixReport.peakLine(rows, cpu).contains("large GEMM (1000x1000x1000, 100.0 GFLOP/s) = 50% of measured"
                + " peak 200.0 GFLOP/s"), MatrixReport.peakLine(rows, cpu));
    }

    @Test
    void tableLinesShowTheFiguresTheRatioAndWhySomethingIsMissing() {
        String g = MatrixReport.line(rows.get(0));
        assertTrue(g.matches("cpu +gemm 1000x1000x1000 +3 +20\\.00 ms +100\\.0% +100\\.0 +- +numpy +50\\.0 +2\\.00"), g);
        String t = MatrixReport.line(rows.get(1));
        assertTrue(t.contains("200") && t.contains("numpy") && t.contains("failed"), t);
        String skipped = MatrixReport.line(rows.get(2));
        assertTrue(skipped.matches("cpu +gemm 4000x4000x4000 +skipped: predicted 99 s"), skipped);
        assertEquals(MatrixReport.header().length(), g.length(), "lines align with the header");
    }

    @Test
    void durationsPickAReadableUnit() {
        assertEquals("412.0 µs", MatrixReport.duration(412e-6));
        assertEquals("12.30 ms", MatrixReport.duration(0.0123));
        assertEquals("1.52 s", MatrixReport.duration(1.52));
    }

    @Test
    void theLegendNamesEachDeviceByTheStartOfItsDescription() {
        assertEquals("cpu (2 threads)", cpu.label());
        assertEquals("opencl:0 (pthread-haswell-AMD EPYC)", new DeviceRun("opencl", "opencl:0",
                "pthread-haswell-AMD EPYC (Portable Computing Language), CPU, 2 compute units", null, "none").label());
    }
}
