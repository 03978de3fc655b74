package dev.adjoint.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * STYLE.md's first rule, checked: only device.cuda touches JCuda, only device.opencl touches
 * LWJGL, nothing above device/ imports a backend package (backend-specific benchmarks in
 * bench/java, which measure one backend's kernels, are the stated exception), the backends are
 * independent of each other, and device/ depends on nothing above it (DESIGN.md's layers).
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/dev/adjoint");
    private static final List<String> BACKENDS = List.of("cpu", "cuda", "opencl");

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

    /**
     * {@code file: name} for each {@code dev.adjoint} name the code of the .java files under
     * {@code dir} refers to, imported or written out in full, comments skipped, that starts with
     * one of {@code forbidden}.
     */
    private static List<String> references(Path dir, List<String> forbidden) throws IOException {
        Pattern name = Pattern.compile("\\bdev\\.adjoint(\\.\\w+)+");
        List<String> bad = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                String code = Files.readString(f).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\\n]*", "");
                Matcher m = name.matcher(code);
                while (m.find()) {
                    String ref = m.group() + ".";
                    if (forbidden.stream().anyMatch(ref::startsWith)) {
                        bad.add(MAIN.relativize(f) + ": " + m.group());
                    }
                }
            }
        }
        return bad;
    }

    @Test
    void noBackendKnowsAnother() throws IOException {
        List<String> bad = new ArrayList<>();
        for (String backend : BACKENDS) {
            List<String> others = BACKENDS.stream().filter(b -> !b.equals(backend))
                    .map(b -> "dev.adjoint.device." + b + ".").toList();
            bad.addAll(references(MAIN.resolve("device/" + backend), others));
        }
        assertEquals(List.of(), bad, "a backend package refers to another backend's");
    }

    @Test
    void theDeviceLayerKnowsNothingAboveIt() throws IOException {
        List<String> above = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(MAIN)) {
            dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).filter(d -> !d.equals("device"))
                    .forEach(d -> above.add("dev.adjoint." + d + "."));
        }
        assertTrue(above.contains("dev.adjoint.conformance."), above.toString());
        assertEquals(List.of(), references(MAIN.resolve("device"), above),
                "device/ (the SPI and every backend) refers to a package above it");
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
