package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.adjoint.io.Json;
import dev.adjoint.testing.ThreadsProperty;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code bench gemm --compare --threads 1} times numpy on one BLAS thread too. The global
 * {@code --threads} option used to stop at the cpu backend: numpy ran on every core beside a
 * one-thread Adjoint, and the reported ratio was half what it was (0.46 against 0.95 measured by hand).
 */
class PeerThreadsTest {
    private static boolean numpy() throws Exception {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import numpy").start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @Test
    void thePeerRunsOnTheThreadsAdjointRunsOn() throws Exception {
        assumeTrue(numpy(), "python3 with numpy is not available here");
        Cli.Run r = ThreadsProperty.restoring(() -> Cli.run("bench", "gemm", "--threads", "1", "--size", "64", "--compare",
                "--repeat", "3", "--warmup", "0", "--sample", "0.01", "--json", "-"));
        assertEquals(0, r.code(), r.err());
        Map<String, Object> json = Json.parseObject(r.out());
        assertEquals(1L, ((Number) json.get("threads")).longValue(), "the cpu backend's threads");
        assertEquals("1", ((Map<?, ?>) json.get("peer")).get("threads"), "numpy's BLAS threads");
    }
}
