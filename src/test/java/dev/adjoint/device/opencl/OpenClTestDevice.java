package dev.adjoint.device.opencl;

import static org.junit.jupiter.api.Assertions.fail;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Buffer;
import org.junit.jupiter.api.Assumptions;

/**
 * The OpenCL device the tests share: opened once per JVM (building the kernels is the slow part),
 * or an assumption failure — reported as skipped with the reason — where OpenCL is unavailable.
 */
final class OpenClTestDevice {
    private static OpenClDevice device;
    private static String unavailable;

    private OpenClTestDevice() {}

    static synchronized OpenClDevice get() {
        if (device == null && unavailable == null) {
            OpenClBackend backend = new OpenClBackend();
            Backend.Availability a = backend.availability();
            if (a.available()) {
                device = backend.open("");
                Runtime.getRuntime().addShutdownHook(new Thread(device::close));
            } else {
                unavailable = a.reason();
            }
        }
        Assumptions.assumeTrue(device != null, () -> "OpenCL unavailable: " + unavailable);
        return device;
    }

    static Buffer upload(float[] data) {
        Buffer b = get().allocate(data.length);
        get().upload(data, 0, b, 0, data.length);
        return b;
    }

    static float[] download(Buffer b) {
        float[] out = new float[(int) b.length()];
        get().download(b, 0, out, 0, out.length);
        return out;
    }

    static float[] random(java.util.Random r, int n, float lo, float hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = lo + (hi - lo) * r.nextFloat();
        }
        return x;
    }

    /** |got − want| ≤ rel·scale + abs for every element, else a failure naming the op and the index. */
    static void assertClose(String what, double[] want, float[] got, int gotOffset, double rel, double abs) {
        for (int i = 0; i < want.length; i++) {
            double g = got[gotOffset + i];
            if (Double.isNaN(want[i]) && Double.isNaN(g)) {
                continue;
            }
            if (Double.isInfinite(want[i]) && want[i] == g) {
                continue;
            }
            if (!(Math.abs(g - want[i]) <= rel * Math.abs(want[i]) + abs)) {
                fail(what + ": element " + i + " is " + g + ", expected " + want[i] + " (tolerance " + rel
                        + " relative + " + abs + ")");
            }
        }
    }
}
