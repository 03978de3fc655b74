package dev.adjoint.device.cuda;

import dev.adjoint.device.DeviceException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The CUDA driver API as this package uses it: one probe (cached) and one {@link #check}. JCuda's
 * native library links against {@code libcuda.so.1}; without a driver its first touch throws
 * {@link UnsatisfiedLinkError} and every later one {@link NoClassDefFoundError}, so the probe runs
 * once and remembers the outcome.
 */
final class CudaDriver {
    private static volatile Probe probe;

    private CudaDriver() {}

    /** The outcome of {@code cuInit}: null reason when the driver is usable. */
    record Probe(String failure, int driverVersion) {}

    static Probe probe() {
        Probe p = probe;
        if (p == null) {
            synchronized (CudaDriver.class) {
                p = probe;
                if (p == null) {
                    probe = p = runProbe();
                }
            }
        }
        return p;
    }

    private static Probe runProbe() {
        try {
            JCudaDriver.setExceptionsEnabled(false);
            int r = JCudaDriver.cuInit(0);
            if (r != CUresult.CUDA_SUCCESS) {
                return new Probe("cuInit failed: " + errorText(r), 0);
            }
            int[] version = new int[1];
            JCudaDriver.cuDriverGetVersion(version);
            return new Probe(null, version[0]);
        } catch (LinkageError e) {
            String m = String.valueOf(e.getMessage());
            return new Probe(m.contains("libcuda") || e instanceof UnsatisfiedLinkError
                    ? "no CUDA driver: libcuda.so.1 not found" + (m.contains("libcuda") ? "" : " (" + m + ")")
                    : "JCuda could not load: " + e, 0);
        }
    }

    /** Throws a {@link DeviceException} naming the op and CUDA's symbolic error unless {@code result} is success. */
    static void check(int result, String op) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new DeviceException("cuda: " + op + " failed: " + errorText(result));
        }
    }

    static String errorText(int result) {
        String[] text = new String[1];
        JCudaDriver.cuGetErrorString(result, text);
        return CUresult.stringFor(result) + (text[0] == null ? "" : " (" + text[0] + ")");
    }

    /** "12.6" from the driver's 12060. */
    static String versionString(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    /** A device allocation that exposes its raw address (kernel arguments, cuBLAS through FFM). */
    static final class DevicePointer extends CUdeviceptr {
        long address() {
            return getNativePointer();
        }
    }

    /** A stream that exposes its native {@code CUstream} handle, for cublasSetStream through FFM. */
    static final class Stream extends CUstream {
        long address() {
            return getNativePointer();
        }
    }

    /** A pointer to a raw device address, for APIs that take a JCuda {@link Pointer} (JCublas2). */
    static final class RawPointer extends Pointer {
        RawPointer(long address) {
            super(address);
        }
    }
}
