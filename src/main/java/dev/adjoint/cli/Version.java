package dev.adjoint.cli;

import dev.adjoint.bench.Environment;
import dev.adjoint.device.Backend;
import dev.adjoint.device.Devices;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * {@code adjoint --version}: Adjoint's version (from the jar Maven built), the commit (the
 * launcher's {@code $ADJOINT_COMMIT}), the JDK, and which backends can run here.
 */
final class Version {
    /** Maven writes the project's coordinates here in every jar it packages. */
    static final String POM_PROPERTIES = "/META-INF/maven/dev.adjoint/adjoint/pom.properties";

    private Version() {}

    /** The version of the classes that run: the packaged jar's, else "unknown" with why. */
    static String version() {
        try (InputStream in = Version.class.getResourceAsStream(POM_PROPERTIES)) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + POM_PROPERTIES + " from the class path: " + e.getMessage(), e);
        }
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "unknown (not run from the jar that ./adjoint builds)";
    }

    static String describe() {
        StringBuilder b = new StringBuilder();
        b.append("adjoint ").append(version()).append(", commit ").append(Environment.commit()).append('\n');
        b.append("JDK: ").append(System.getProperty("java.vm.name")).append(' ').append(Runtime.version())
                .append(" (").append(System.getProperty("java.vendor")).append("), Vector API ")
                .append(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() ? "on" : "off (scalar CPU kernels)")
                .append('\n');
        List<String> available = new ArrayList<>();
        List<String> unavailable = new ArrayList<>();
        for (Backend backend : Devices.backends()) {
            Backend.Availability a = backend.availability();
            if (a.available()) {
                available.add(backend.name());
            } else {
                unavailable.add(backend.name() + ": " + a.reason());
            }
        }
        b.append("backends: ").append(available.isEmpty() ? "none available" : String.join(", ", available));
        if (!unavailable.isEmpty()) {
            b.append(" (unavailable: ").append(String.join("; ", unavailable)).append(')');
        }
        return b.append('\n').toString();
    }
}
