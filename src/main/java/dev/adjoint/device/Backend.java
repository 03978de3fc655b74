package dev.adjoint.device;

import java.util.List;
import java.util.Map;

/**
 * A kind of device (cpu, cuda, opencl), discovered with {@link java.util.ServiceLoader}. Probing
 * must never throw: a missing driver or platform is an {@link Availability} with the reason.
 */
public interface Backend {

    /** {@code cpu}, {@code cuda} or {@code opencl}. */
    String name();

    /** Preference for {@code auto}: lower is tried first. */
    int preference();

    /** Whether this backend can open a device here, and why not. Cached after the first call. */
    Availability availability();

    /**
     * Whether {@code auto} should use this backend: by default its availability, but a backend
     * whose only devices would be slower than the backends after it (OpenCL on a CPU) says no, with why.
     */
    default Availability autoAvailability() {
        return availability();
    }

    /**
     * Whether this backend's devices are numbered ({@code cuda:0}, {@code opencl:1}), so that the ranks of a
     * data-parallel job on one host each open the device of their local rank's number ({@link Devices#select(String, int)}).
     */
    default boolean numbered() {
        return false;
    }

    /** One line per device this backend can open (index, name, memory, ...); empty if unavailable. */
    List<String> devices();

    /**
     * Opens a device. {@code selector} is empty (the default device), an index, or a
     * case-insensitive substring of the device's name (OpenCL platforms and devices).
     *
     * @throws DeviceUnavailableException if it cannot be honoured, with the reason
     */
    Device open(String selector);

    /**
     * The versions of what this backend runs on, for benchmark result files: its Java binding
     * (LWJGL, JCuda) and, when available, the driver and platforms. Never throws; empty when
     * there is nothing beyond the JVM.
     */
    default Map<String, String> versions() {
        return Map.of();
    }

    /**
     * Whether the class {@code name}, a binding's entry point, is on {@code backend}'s class path
     * (looked up, not initialized). The GPU bindings are optional dependencies of the library, so a
     * backend checks this before it touches them and, without them, reports itself unavailable.
     */
    static boolean bindingPresent(Class<? extends Backend> backend, String name) {
        try {
            Class.forName(name, false, backend.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Whether a backend can run here, and if not, why. */
    record Availability(boolean available, String reason) {
        public static Availability yes(String detail) {
            return new Availability(true, detail);
        }

        public static Availability no(String reason) {
            return new Availability(false, reason);
        }
    }
}
