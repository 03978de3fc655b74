package dev.adjoint.device.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * Checks C after {@code C = alpha·op(A)·op(B) + beta·C} against float64 sums: every element of the
     * m×n window within sum|a·b|-scaled tolerance, padding columns and the float before C untouched.
     */
    static void assertGemm(String what, boolean ta, boolean tb, int m, int n, int k, float alpha,
                           float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta,
                           float[] c, int cOff, int ldc, float[] got) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                int at = cOff + i * ldc + j;
                if (j >= n) {
                    assertEquals(Float.floatToIntBits(c[at]), Float.floatToIntBits(got[at]), what + ": padding written");
                    continue;
                }
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++) {
                    double t = (double) a[aOff + (ta ? p * lda + i : i * lda + p)] * b[bOff + (tb ? j * ldb + p : p * ldb + j)];
                    s += t;
                    mag += Math.abs(t);
                }
                double want = alpha * s + (beta == 0f ? 0 : beta * (double) c[at]);
                double tol = 1e-5 * (Math.abs(alpha) * mag + Math.abs(beta)) + 1e-6;
                assertEquals(want, got[at], tol, what + " at (" + i + ", " + j + ")");
            }
        }
        assertEquals(Float.floatToIntBits(c[cOff - 1]), Float.floatToIntBits(got[cOff - 1]), what + ": wrote before C");
    }
}
