package dev.adjoint.device.opencl;

import dev.adjoint.device.Backend;
import dev.adjoint.device.DeviceUnavailableException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lwjgl.Version;
import org.lwjgl.opencl.CL10;

/**
 * OpenCL through LWJGL: any device of any platform the system's ICD loader knows (PoCL on CPUs,
 * vendor drivers on GPUs). Unavailable, touching none of its classes, when LWJGL (an optional
 * dependency of the library) is not on the class path. The library name comes from {@code -Dorg.lwjgl.opencl.libname}
 * (Debian ships {@code libOpenCL.so.1} without the unversioned link unless the -dev package is in).
 *
 * <p>A driver must not take Java's exceptions away: PoCL 3.x replaces the JVM's SIGFPE handler (an
 * interpreted {@code 7 / 0} then returns 7) and its LLVM the SIGSEGV, SIGBUS and SIGILL ones. So
 * PoCL's SIGFPE handler is switched off ({@code POCL_SIGFPE_HANDLER=0} unless set), and the platform
 * enumeration and each device's context and kernel builds run under {@link SignalHandlers#keep},
 * which puts back every handler they replaced (with one warning naming the fix when the JVM's fault
 * handlers were among them) or, if it cannot, makes the backend unavailable. The {@code adjoint}
 * launcher preloads the JDK's signal chaining ({@code $JAVA_HOME/lib/libjsig.so}), under which the
 * JVM's fault handlers never change hands.
 *
 * <p>LWJGL's own messages (its four lines when the ICD loader is missing) go to {@link LwjglLog}, at
 * DEBUG level: the unavailability reason says the same once, where the user asked.
 */
public final class OpenClBackend implements Backend {
    /** Why opencl is unavailable to a consumer of the library that did not add the optional LWJGL bindings. */
    static final String NO_LWJGL = "LWJGL is not on the class path (the library's OpenCL bindings are optional:"
            + " add org.lwjgl:lwjgl-opencl and org.lwjgl:lwjgl with its natives for this platform)";

    private volatile Availability availability;
    private volatile List<ClPlatforms.DeviceInfo> devices = List.of();

    @Override
    public String name() {
        return "opencl";
    }

    @Override
    public int preference() {
        return 1;
    }

    @Override
    public Availability availability() {
        Availability a = availability;
        if (a == null) {
            availability = a = probe();
        }
        return a;
    }

    private synchronized Availability probe() {
        if (availability != null) {
            return availability;
        }
        if (!lwjglPresent()) {
            return Availability.no(NO_LWJGL);
        }
        LwjglLog.install();   // before LWJGL first runs: its probe messages become DEBUG records, not stderr lines
        try {
            List<ClPlatforms.DeviceInfo> found = ClPlatforms.list();
            if (found.isEmpty()) {
                return Availability.no("no OpenCL platform found (install an ICD such as pocl-opencl-icd)");
            }
            devices = found;
            return Availability.yes(found.size() + " device(s), default " + defaultDevice(found).deviceName());
        } catch (LinkageError e) {
            return Availability.no("the OpenCL ICD loader could not be loaded (install ocl-icd-libopencl1 and an ICD"
                    + " such as pocl-opencl-icd; -Dorg.lwjgl.opencl.libname=libOpenCL.so.1): " + e);
        } catch (RuntimeException e) {
            return Availability.no("probing OpenCL platforms failed: " + e.getMessage());
        }
    }

    private static boolean lwjglPresent() {
        return Backend.bindingPresent(OpenClBackend.class, "org.lwjgl.opencl.CL");
    }

    /** Only GPUs and accelerators: on a CPU (PoCL), the pure-Java backend is the faster choice. */
    @Override
    public Availability autoAvailability() {
        Availability a = availability();
        if (!a.available() || devices.stream().anyMatch(d -> !d.isCpu())) {
            return a;
        }
        return Availability.no("only CPU OpenCL devices (" + devices.getFirst().deviceName()
                + "); the cpu backend is faster there (choose --device opencl to use it anyway)");
    }

    @Override
    public List<String> devices() {
        if (!availability().available()) {
            return List.of();
        }
        return devices.stream().map(ClPlatforms.DeviceInfo::line).toList();
    }

    /** LWJGL's version and, per device, its platform's version and driver version. */
    @Override
    public Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("lwjgl", lwjglPresent() ? Version.getVersion() : "not on the class path");
        if (availability().available()) {
            for (ClPlatforms.DeviceInfo d : devices) {
                v.put("opencl:" + d.index(), d.deviceName() + "; platform " + d.platformVersion() + "; driver "
                        + driverVersion(d));
            }
        }
        return v;
    }

    private static String driverVersion(ClPlatforms.DeviceInfo d) {
        try {
            return ClPlatforms.deviceString(d.device(), CL10.CL_DRIVER_VERSION);
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    @Override
    public boolean numbered() {
        return true;
    }

    @Override
    public OpenClDevice open(String selector) {
        Availability a = availability();
        if (!a.available()) {
            throw new DeviceUnavailableException("opencl is unavailable: " + a.reason());
        }
        return new OpenClDevice(choose(devices, selector == null ? "" : selector.trim()));
    }

    /** "" → the first GPU, else the first device; digits → flat index; else a platform or device name substring. */
    static ClPlatforms.DeviceInfo choose(List<ClPlatforms.DeviceInfo> all, String selector) {
        if (selector.isEmpty()) {
            return defaultDevice(all);
        }
        if (selector.chars().allMatch(Character::isDigit)) {
            int i = Integer.parseInt(selector);
            if (i < all.size()) {
                return all.get(i);
            }
        } else {
            String s = selector.toLowerCase(Locale.ROOT);
            for (ClPlatforms.DeviceInfo d : all) {
                if (d.deviceName().toLowerCase(Locale.ROOT).contains(s)
                        || d.platformName().toLowerCase(Locale.ROOT).contains(s)) {
                    return d;
                }
            }
        }
        throw new DeviceUnavailableException("opencl: no device matches '" + selector + "'; there are: "
                + String.join("; ", all.stream().map(ClPlatforms.DeviceInfo::line).toList()));
    }

    private static ClPlatforms.DeviceInfo defaultDevice(List<ClPlatforms.DeviceInfo> all) {
        return all.stream().filter(ClPlatforms.DeviceInfo::isGpu).findFirst().orElse(all.getFirst());
    }
}
