package dev.adjoint.device.cpu;

import dev.adjoint.device.Backend;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;
import dev.adjoint.device.Host;
import java.util.List;
import java.util.Map;

/**
 * The pure-Java backend, always available. Thread count: the system property
 * {@value Devices#CPU_THREADS_PROPERTY} (the CLI's {@code --threads}), else the number of cores.
 */
public final class CpuBackend implements Backend {

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int preference() {
        return 2;
    }

    @Override
    public Availability availability() {
        String refused = CpuVectors.refused();
        return refused != null ? Availability.no(refused) : Availability.yes("pure Java, " + Devices.cpuThreads() + " threads");
    }

    /** The vector width the CPU kernels chose ({@link CpuVectors}), for result files. */
    @Override
    public Map<String, String> versions() {
        return Map.of("vector_bits", Integer.toString(CpuVectors.bits()), "vectors", CpuVectors.describe());
    }

    @Override
    public List<String> devices() {
        return List.of("cpu: " + Host.cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, "
                + Devices.cpuThreads() + " threads, " + System.getProperty("os.arch") + "; vectors "
                + CpuVectors.describe());
    }

    @Override
    public CpuDevice open(String selector) {
        if (!selector.isEmpty() && !selector.equals("0")) {
            throw new DeviceUnavailableException("cpu has a single device; '" + selector + "' does not name it");
        }
        return new CpuDevice(Devices.cpuThreads());
    }
}
