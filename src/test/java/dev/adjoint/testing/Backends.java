package dev.adjoint.testing;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests parameterized over every backend on the class path. {@link #open} skips the test, with the
 * backend's reason, when it cannot run here; devices are opened once per JVM and shared.
 */
public final class Backends {
    private static final Map<String, Device> OPEN = new ConcurrentHashMap<>();

    private Backends() {}

    /** Names of every backend on the class path (for {@code @MethodSource}). */
    public static List<String> names() {
        return Devices.backends().stream().map(Backend::name).toList();
    }

    /** The shared device of a backend, or an assumption failure (a skip) saying why it is unavailable. */
    public static Device open(String name) {
        Backend b = available(name);
        return OPEN.computeIfAbsent(name, n -> b.open(""));
    }

    /** A new device of the backend, for a test that closes it (the shared one must stay open), or a skip. */
    public static Device fresh(String name) {
        return available(name).open("");
    }

    private static Backend available(String name) {
        Backend b = Devices.backend(name);
        Backend.Availability a = b.availability();
        Assumptions.assumeTrue(a.available(), () -> name + " unavailable: " + a.reason());
        return b;
    }
}
