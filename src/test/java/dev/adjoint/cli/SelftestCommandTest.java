package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.conformance.Conformance;
import dev.adjoint.io.Json;
import dev.adjoint.testing.Backends;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adjoint selftest}: the conformance suite, then the cross-check against the CPU, in the table and in the JSON. */
class SelftestCommandTest {

    @Test
    void onTheCpuTheCrossCheckIsSkippedAndSaysWhy(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("selftest.json");
        Cli.Run r = Cli.run("selftest", "--device", "cpu", "--seed", "7", "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("cross-check skipped: the device is the reference (cpu ("), r.out());
        Map<String, Object> root = Json.parseObject(Files.readString(json));
        assertEquals((long) Conformance.cases().size(), ((Number) root.get("passed")).longValue());
        Map<?, ?> cross = (Map<?, ?>) root.get("cross_check");
        assertTrue(((String) cross.get("skipped")).startsWith("the device is the reference"), cross.toString());
    }

    @Test
    void onOpenClEveryPrimitiveIsComparedWithTheCpu(@TempDir Path dir) throws Exception {
        Backends.open("opencl");   // skipped, with the reason, where OpenCL is unavailable
        Path json = dir.resolve("selftest.json");
        Cli.Run r = Cli.run("selftest", "--device", "opencl", "--seed", "7", "--json", json.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        for (String family : List.of("unary", "binary", "reduce", "softmax", "cross-entropy", "memory", "random", "sgd",
                "adam", "gemm", "out of memory")) {
            assertTrue(r.out().contains("\nok   " + family + " "), family + " missing from:\n" + r.out());
        }
        assertTrue(r.out().contains("cross-check against cpu ("), r.out());
        Map<?, ?> cross = (Map<?, ?>) Json.parseObject(Files.readString(json)).get("cross_check");
        List<?> comparisons = (List<?>) cross.get("comparisons");
        int expected = dev.adjoint.conformance.CrossCheckTest.comparisons() + 1;
        assertEquals(expected, comparisons.size(), "every primitive's comparisons (CrossCheckTest.comparisons), and out of memory");
        assertEquals(expected, ((Number) cross.get("passed")).longValue());
        assertEquals(0L, ((Number) cross.get("failed")).longValue());
        Map<?, ?> first = (Map<?, ?>) comparisons.getFirst();
        assertEquals("unary", first.get("family"));
        assertEquals("COPY", first.get("name"));
        assertEquals(true, first.get("passed"));
        assertEquals(first.get("floats"), first.get("bit_exact"), "a copy is exact: " + first);
        assertTrue(first.containsKey("max_ulps") && first.containsKey("allowed_ulps") && first.containsKey("ms"), first.toString());
    }
}
