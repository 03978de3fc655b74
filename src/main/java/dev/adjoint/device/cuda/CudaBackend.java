package dev.adjoint.device.cuda;

import dev.adjoint.device.Backend;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.DeviceUnavailableException;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * NVIDIA GPUs through the CUDA driver API (JCuda). Available when JCuda is on the class path (an
 * optional dependency of the library), {@code libcuda.so.1} loads, {@code cuInit} succeeds and at
 * least one device is present; probing never throws, and without JCuda touches none of its classes.
 */
public final class CudaBackend implements Backend {
    /** Why cuda is unavailable to a consumer of the library that did not add the optional JCuda bindings. */
    static final String NO_JCUDA = "JCuda is not on the class path (the library's CUDA bindings are optional:"
            + " add org.jcuda:jcuda and org.jcuda:jcublas with their natives for linux-x86_64 or windows-x86_64)";

    private volatile Availability availability;
    private volatile List<Info> infos;

    /** What the driver says about one GPU. */
    record Info(int index, String name, int major, int minor, int multiprocessors, long memory, int driverVersion) {
        String line() {
            return String.format(Locale.ROOT, "%s, compute capability %d.%d, %d SMs, %.1f GiB, driver CUDA %s",
                    name, major, minor, multiprocessors, memory / 1073741824.0, CudaDriver.versionString(driverVersion));
        }
    }

    @Override
    public String name() {
        return "cuda";
    }

    @Override
    public int preference() {
        return 0;
    }

    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            synchronized (this) {
                a = availability;
                if (a == null) {
                    availability = a = probe();
                }
            }
        }
        return a;
    }

    private static boolean jcudaPresent() {
        return Backend.bindingPresent(CudaBackend.class, "jcuda.driver.JCudaDriver");
    }

    private Availability probe() {
        if (!jcudaPresent()) {
            return Availability.no(NO_JCUDA);
        }
        try {
            CudaDriver.Probe p = CudaDriver.probe();
            if (p.failure() != null) {
                return Availability.no(p.failure());
            }
            List<Info> found = infos();
            if (found.isEmpty()) {
                return Availability.no("the CUDA driver (" + CudaDriver.versionString(p.driverVersion())
                        + ") reports no devices");
            }
            return Availability.yes(found.size() + " device(s); cuda:0 is " + found.get(0).name());
        } catch (RuntimeException | LinkageError e) {
            return Availability.no("CUDA probe failed: " + e);
        }
    }

    /** The devices the driver reports, read once. */
    List<Info> infos() {
        List<Info> list = infos;
        if (list == null) {
            int driver = CudaDriver.probe().driverVersion();
            int[] count = new int[1];
            CudaDriver.check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
            List<Info> found = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                CUdevice d = new CUdevice();
                CudaDriver.check(JCudaDriver.cuDeviceGet(d, i), "cuDeviceGet(" + i + ")");
                byte[] name = new byte[256];
                CudaDriver.check(JCudaDriver.cuDeviceGetName(name, name.length, d), "cuDeviceGetName");
                int len = 0;
                while (len < name.length && name[len] != 0) {
                    len++;
                }
                long[] mem = new long[1];
                CudaDriver.check(JCudaDriver.cuDeviceTotalMem(mem, d), "cuDeviceTotalMem");
                found.add(new Info(i, new String(name, 0, len, StandardCharsets.UTF_8),
                        attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                        attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                        attribute(d, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT), mem[0], driver));
            }
            infos = list = List.copyOf(found);
        }
        return list;
    }

    private static int attribute(CUdevice d, int attribute) {
        int[] v = new int[1];
        CudaDriver.check(JCudaDriver.cuDeviceGetAttribute(v, attribute, d), "cuDeviceGetAttribute(" + attribute + ")");
        return v[0];
    }

    @Override
    public List<String> devices() {
        if (!availability().available()) {
            return List.of();
        }
        String gemm = CudaGemm.binding();
        List<String> lines = new ArrayList<>();
        for (Info i : infos()) {
            lines.add("cuda:" + i.index() + ": " + i.line() + ", GEMM: " + gemm);
        }
        return lines;
    }

    /** JCuda's version (from its Maven metadata) and, with a driver, the driver's CUDA version and the GEMM binding. */
    @Override
    public Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("jcuda", jcudaVersion());
        if (availability().available()) {
            v.put("cuda_driver", CudaDriver.versionString(CudaDriver.probe().driverVersion()));
            v.put("gemm", CudaGemm.binding());
        }
        return v;
    }

    private static String jcudaVersion() {
        if (!jcudaPresent()) {
            return "not on the class path";
        }
        try (InputStream in = CudaBackend.class.getResourceAsStream("/META-INF/maven/org.jcuda/jcuda/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    @Override
    public boolean numbered() {
        return true;
    }

    @Override
    public CudaDevice open(String selector) {
        Availability a = availability();
        if (!a.available()) {
            throw new DeviceUnavailableException("cuda is unavailable: " + a.reason());
        }
        List<Info> list = infos();
        int index;
        if (selector == null || selector.isBlank()) {
            index = 0;
        } else {
            try {
                index = Integer.parseInt(selector.trim());
            } catch (NumberFormatException e) {
                throw new DeviceUnavailableException("cuda device selector '" + selector
                        + "' is not an index; valid: 0.." + (list.size() - 1));
            }
        }
        if (index < 0 || index >= list.size()) {
            throw new DeviceUnavailableException("cuda:" + index + " does not exist; this machine has "
                    + list.size() + " CUDA device(s): 0.." + (list.size() - 1));
        }
        try {
            return new CudaDevice(index, list.get(index));
        } catch (DeviceException e) {
            throw new DeviceUnavailableException("cuda:" + index + " could not be opened: " + e.getMessage());
        }
    }
}
