package dev.adjoint.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * STYLE.md's first rule, checked: only device.cuda touches JCuda, only device.opencl touches
 * LWJGL, and nothing above device/ imports a backend package (backend-specific benchmarks in
 * bench/java, which measure one backend's kernels, are the stated exception).
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/dev/adjoint");

    private static List<String> violations(Path root, String forbidden, String allowedUnder) throws IOException {
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (allowedUnder != null && f.toString().replace('\\', '/').contains(allowedUnder)) {
                    continue;
                }
                for (String line : Files.readAllLines(f)) {
                    if (line.startsWith("import " + forbidden) || line.startsWith("import static " + forbidden)) {
                        bad.add(f + ": " + line);
                    }
                }
            }
        }
        return bad;
    }

    @Test
    void onlyTheCudaPackageTouchesJCuda() throws IOException {
        assertEquals(List.of(), violations(MAIN, "jcuda", "device/cuda/"));
    }

    @Test
    void onlyTheOpenClPackageTouchesLwjgl() throws IOException {
        assertEquals(List.of(), violations(MAIN, "org.lwjgl", "device/opencl/"));
    }

    @Test
    void nothingAboveDeviceKnowsWhichBackendRuns() throws IOException {
        List<String> bad = new ArrayList<>();
        for (String backend : List.of("cpu", "cuda", "opencl")) {
            bad.addAll(violations(MAIN, "dev.adjoint.device." + backend + ".", "dev/adjoint/device/"));
        }
        assertEquals(List.of(), bad);
    }
}
