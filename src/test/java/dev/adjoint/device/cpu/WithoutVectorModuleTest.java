package dev.adjoint.device.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.conformance.Conformance;
import dev.adjoint.io.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "dev.adjoint.cli.Main",
                "selftest", "--device", "cpu", "--json", json.toString())
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly();
        }
        String out = Files.readString(stdout, StandardCharsets.UTF_8);
        String err = Files.readString(stderr, StandardCharsets.UTF_8);
        assertTrue(finished, "child JVM did not finish in 120 s:\n" + out + err);
        assertEquals(0, p.exitValue(), "selftest without the vector module failed:\n" + out + err);

        Map<String, Object> result = Json.parseObject(Files.readString(json));
        assertTrue(((String) result.get("description")).contains("GEMM: scalar Java"), result.get("description") + "");
        assertEquals(0L, ((Number) result.get("failed")).longValue(), out);
        assertEquals(Conformance.cases().size(), ((Number) result.get("passed")).intValue(), out);
        assertEquals(1, err.split("--add-modules jdk.incubator.vector", -1).length - 1, "one warning expected: " + err);
    }
}
