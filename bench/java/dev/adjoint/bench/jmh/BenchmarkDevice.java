package dev.adjoint.bench.jmh;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;

/** The device a benchmark's {@code backend} and {@code threads} parameters name. */
final class BenchmarkDevice {
    private BenchmarkDevice() {}

    /**
     * Opens {@code backend} (a {@code --device} spec: cpu, cuda:0, opencl:0) with {@code threads}
     * CPU threads, 0 meaning the backend's default (all cores). An unavailable backend fails the
     * trial with the backend's reason instead of timing something else.
     */
    static Device open(String backend, int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (the default) or positive, got " + threads);
        }
        if (threads > 0) {
            System.setProperty(Devices.CPU_THREADS_PROPERTY, Integer.toString(threads));
        } else {
            System.clearProperty(Devices.CPU_THREADS_PROPERTY);
        }
        try {
            return Devices.select(backend).device();
        } catch (DeviceUnavailableException e) {
            throw new IllegalStateException("backend '" + backend + "' is unavailable on this machine: "
                    + e.getMessage(), e);
        }
    }

    /** Closes the buffers that were allocated (null ones were not) and then the device, if it was opened. */
    static void close(Device device, Buffer... buffers) {
        if (device == null) {
            return;
        }
        for (Buffer b : buffers) {
            if (b != null) {
                b.close();
            }
        }
        device.close();
    }
}
