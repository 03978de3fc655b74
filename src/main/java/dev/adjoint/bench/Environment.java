package dev.adjoint.bench;

import dev.adjoint.device.Devices;
import dev.adjoint.device.Host;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Machine, JVM and build facts that every result file carries. */
public final class Environment {
    private Environment() {}

    public static Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", Host.cpuModel());
        m.put("cores", (long) Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        m.put("jdk", System.getProperty("java.vm.name") + " " + Runtime.version());
        m.put("gc", garbageCollector());
        m.put("vector_api", ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        m.put("cpu_extensions", String.join(" ", Host.vectorExtensions()));
        Map<String, String> cpu = Devices.backend("cpu").versions();
        m.put("cpu_vector_bits", Long.parseLong(cpu.get("vector_bits")));
        m.put("cpu_vectors", cpu.get("vectors"));
        m.put("auto_vector_bits", (long) Host.autoVectorBits());
        m.put("commit", commit());
        m.put("time", Instant.now().toString());
        return m;
    }

    /**
     * The collectors the JVM runs (e.g. "G1 Young Generation, G1 Concurrent GC, G1 Old Generation"): the
     * CPU GEMM's kernel loop compiled differently under each (bench/NOTES-gemm.md), and the JVM
     * picks Serial on one CPU or under 1792 MiB, so a result says which it ran under.
     */
    public static String garbageCollector() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(java.lang.management.GarbageCollectorMXBean::getName)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Writes a result file (creating its folder), as pretty JSON; {@code -} is standard output. */
    public static void writeJson(Path file, Map<String, Object> root) {
        dev.adjoint.io.JsonOutput.write(file, dev.adjoint.io.Json.write(root) + "\n");
    }

    /** Writes {@code text} to {@code file}, creating its folder (through a temporary file, renamed into place). */
    public static void writeText(Path file, String text) {
        dev.adjoint.io.AtomicFile.writeString(file, text);
    }

    /** $ADJOINT_COMMIT (set by the launcher and the bundle), else "unknown". */
    public static String commit() {
        String c = System.getenv("ADJOINT_COMMIT");
        return c == null || c.isBlank() ? "unknown" : c;
    }
}
