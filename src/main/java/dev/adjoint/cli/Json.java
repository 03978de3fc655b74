package dev.adjoint.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/** The little JSON the CLI writes: quoting, and a description of the machine and build. */
final class Json {
    private Json() {}

    static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** Machine, JVM and build facts for result files. */
    static String environment() {
        return "{\"cpu\": " + quote(cpuModel()) + ", \"cores\": " + Runtime.getRuntime().availableProcessors()
                + ", \"os\": " + quote(System.getProperty("os.name") + " " + System.getProperty("os.version"))
                + ", \"jdk\": " + quote(System.getProperty("java.vm.name") + " " + Runtime.version())
                + ", \"commit\": " + quote(commit())
                + ", \"time\": " + quote(Instant.now().toString()) + "}";
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    /** $ADJOINT_COMMIT (set by the launcher and the bundle), else "unknown". */
    static String commit() {
        String c = System.getenv("ADJOINT_COMMIT");
        return c == null || c.isBlank() ? "unknown" : c;
    }
}
