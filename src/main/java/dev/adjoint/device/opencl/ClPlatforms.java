package dev.adjoint.device.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

/** Enumerates the OpenCL platforms and devices visible through the ICD loader. */
final class ClPlatforms {
    private ClPlatforms() {}

    /** One device, with its flat index over all devices of all platforms. */
    record DeviceInfo(int index, int platformIndex, String platformName, String platformVersion, int deviceIndex, String deviceName,
                      long platform, long device, long type, int computeUnits, long globalMemory,
                      long maxAllocation, String version, String languageVersion) {

        boolean isGpu() {
            return (type & CL_DEVICE_TYPE_GPU) != 0;
        }

        boolean isCpu() {
            return (type & CL_DEVICE_TYPE_CPU) != 0;
        }

        String typeName() {
            if (isGpu()) {
                return "GPU";
            }
            if (isCpu()) {
                return "CPU";
            }
            return (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? "accelerator" : "other";
        }

        /** The line {@code adjoint devices} prints. */
        /** One line for {@code adjoint devices}, with the GEMM tiles this device type gets. */
        String line() {
            return String.format("opencl:%d  platform %d '%s', device %d '%s', %s, %d compute units, %.1f GiB, %s; GEMM %s",
                    index, platformIndex, platformName, deviceIndex, deviceName, typeName(), computeUnits,
                    globalMemory / (double) (1L << 30), languageVersion, GemmConfig.forDevice(this).describe());
        }
    }

    /**
     * Every device of every platform; empty when the loader finds no platform. The first call
     * initialises the drivers, so it runs under {@link SignalHandlers#keep}.
     */
    static List<DeviceInfo> list() {
        return SignalHandlers.keep(ClPlatforms::enumerate);
    }

    private static List<DeviceInfo> enumerate() {
        List<DeviceInfo> out = new ArrayList<>();
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.mallocInt(1);
            int status = clGetPlatformIDs(null, count);
            if (status == -1001 || count.get(0) == 0) {   // CL_PLATFORM_NOT_FOUND_KHR
                return out;
            }
            ClStatus.check(status, "clGetPlatformIDs");
            PointerBuffer platforms = stack.mallocPointer(count.get(0));
            ClStatus.check(clGetPlatformIDs(platforms, (IntBuffer) null), "clGetPlatformIDs");
            for (int p = 0; p < platforms.capacity(); p++) {
                long platform = platforms.get(p);
                String platformName = platformString(platform, CL_PLATFORM_NAME);
                String platformVersion = platformString(platform, CL_PLATFORM_VERSION);
                IntBuffer n = stack.mallocInt(1);
                int st = clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, null, n);
                if (st == CL_DEVICE_NOT_FOUND || n.get(0) == 0) {
                    continue;
                }
                ClStatus.check(st, "clGetDeviceIDs");
                PointerBuffer devices = stack.mallocPointer(n.get(0));
                ClStatus.check(clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, devices, (IntBuffer) null), "clGetDeviceIDs");
                for (int d = 0; d < devices.capacity(); d++) {
                    long device = devices.get(d);
                    out.add(new DeviceInfo(out.size(), p, platformName, platformVersion, d, deviceString(device, CL_DEVICE_NAME),
                            platform, device, deviceLong(device, CL_DEVICE_TYPE), deviceInt(device, CL_DEVICE_MAX_COMPUTE_UNITS),
                            deviceLong(device, CL_DEVICE_GLOBAL_MEM_SIZE), deviceLong(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                            deviceString(device, CL_DEVICE_VERSION), deviceString(device, 0x103D))); // CL_DEVICE_OPENCL_C_VERSION
                }
            }
        }
        return out;
    }

    private static String platformString(long platform, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClStatus.check(clGetPlatformInfo(platform, param, (ByteBuffer) null, size), "clGetPlatformInfo");
            ByteBuffer bytes = stack.malloc((int) size.get(0));
            ClStatus.check(clGetPlatformInfo(platform, param, bytes, null), "clGetPlatformInfo");
            return MemoryUtil.memASCII(bytes, bytes.remaining() - 1).trim();
        }
    }

    static String deviceString(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClStatus.check(clGetDeviceInfo(device, param, (ByteBuffer) null, size), "clGetDeviceInfo");
            ByteBuffer bytes = stack.malloc((int) size.get(0));
            ClStatus.check(clGetDeviceInfo(device, param, bytes, null), "clGetDeviceInfo");
            return MemoryUtil.memASCII(bytes, bytes.remaining() - 1).trim();
        }
    }

    static long deviceLong(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            LongBuffer v = stack.mallocLong(1);
            ClStatus.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    static int deviceInt(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer v = stack.mallocInt(1);
            ClStatus.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }

    /** A size_t device property (e.g. CL_DEVICE_MAX_WORK_GROUP_SIZE). */
    static long devicePointer(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer v = stack.mallocPointer(1);
            ClStatus.check(clGetDeviceInfo(device, param, v, null), "clGetDeviceInfo");
            return v.get(0);
        }
    }
}
