package dev.adjoint.testing;

import dev.adjoint.device.Devices;

/** Runs a test body that sets {@link Devices#CPU_THREADS_PROPERTY} (as --threads does), then puts it back as it was. */
public final class ThreadsProperty {
    private ThreadsProperty() {}

    /** What the body runs. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws Exception;
    }

    public static <T> T restoring(Body<T> body) throws Exception {
        String before = System.getProperty(Devices.CPU_THREADS_PROPERTY);
        try {
            return body.run();
        } finally {
            if (before == null) {
                System.clearProperty(Devices.CPU_THREADS_PROPERTY);
            } else {
                System.setProperty(Devices.CPU_THREADS_PROPERTY, before);
            }
        }
    }
}
