package dev.adjoint.device.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.conformance.Conformance;
import dev.adjoint.io.Json;
import dev.adjoint.testing.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Without {@code --add-modules jdk.incubator.vector} the CPU backend takes its scalar paths (GEMM and
 * elementwise). The whole conformance suite runs on them in a child JVM started without the module,
 * through {@code adjoint selftest}: every case must pass, with one warning and no crash.
 */
class WithoutVectorModuleTest {

    @Test
    void everyConformanceCasePassesOnTheScalarPathsWithOneWarning(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("selftest.json");
        ChildJvm.Result r = ChildJvm.start(dir, "", e -> { }, ChildJvm.java(List.of("--enable-native-access=ALL-UNNAMED"),
                "dev.adjoint.cli.Main", "selftest", "--device", "cpu", "--json", json.toString())).await(120);
        String out = r.out();
        String err = r.err();
        assertTrue(!r.timedOut(), "child JVM did not finish in 120 s:\n" + out + err);
        assertEquals(0, r.code(), "selftest without the vector module failed:\n" + out + err);

        Map<String, Object> result = Json.parseObject(Files.readString(json));
        assertTrue(((String) result.get("description")).contains("GEMM: scalar Java"), result.get("description") + "");
        assertEquals(0L, ((Number) result.get("failed")).longValue(), out);
        assertEquals(Conformance.cases().size(), ((Number) result.get("passed")).intValue(), out);
        assertEquals(1, err.split("--add-modules jdk.incubator.vector", -1).length - 1, "one warning expected: " + err);
    }
}
