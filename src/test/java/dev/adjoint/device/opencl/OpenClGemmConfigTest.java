package dev.adjoint.device.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static dev.adjoint.device.opencl.OpenClTestDevice.assertGemm;

import dev.adjoint.device.Backend;
import dev.adjoint.device.Buffer;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every named GEMM configuration, the GPU ones included, built and checked against float64 on
 * whatever OpenCL device is here (PoCL on the CPU): all four transposes, ragged sizes, alpha/beta,
 * offsets, and both the aligned (float4 tile reads) and the unaligned (scalar) paths.
 */
class OpenClGemmConfigTest {
    private final long seed = System.nanoTime();
    private final Random rnd = new Random(seed);

    static Stream<String> configs() {
        return GemmConfig.NAMED.keySet().stream().filter(n -> !n.equals("cpu"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void gemmMatchesFloat64(String name) {
        OpenClBackend backend = new OpenClBackend();
        Backend.Availability a = backend.availability();
        Assumptions.assumeTrue(a.available(), () -> "OpenCL unavailable: " + a.reason());
        ClPlatforms.DeviceInfo info = OpenClBackend.choose(ClPlatforms.list(), "");
        int[][] shapes = {{1, 1, 1}, {7, 33, 5}, {131, 260, 37}, {128, 128, 48}, {257, 129, 70}};
        try (OpenClDevice d = new OpenClDevice(info, GemmConfig.named(name))) {
            for (int[] mnk : shapes) {
                for (int t = 0; t < 4; t++) {
                    for (boolean aligned : new boolean[] {true, false}) {
                        check(d, name, t >= 2, (t & 1) == 1, mnk[0], mnk[1], mnk[2], aligned, 0.75f, -1.25f);
                        check(d, name, t >= 2, (t & 1) == 1, mnk[0], mnk[1], mnk[2], aligned, 1f, 0f);
                    }
                }
            }
        }
    }

    @Test
    void unknownNameIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> GemmConfig.named("nope"));
        assertEquals(true, e.getMessage().contains("cpu"));
    }

    private void check(OpenClDevice d, String name, boolean ta, boolean tb, int m, int n, int k, boolean aligned,
                       float alpha, float beta) {
        int pad = aligned ? 4 : 3;
        int lda = round((ta ? m : k), aligned) + pad, ldb = round((tb ? k : n), aligned) + (aligned ? 0 : 1), ldc = n + 2;
        int aOff = aligned ? 8 : 5, bOff = aligned ? 4 : 2, cOff = 7;
        float[] a = OpenClTestDevice.random(rnd, aOff + (ta ? k : m) * lda, -1, 1);
        float[] b = OpenClTestDevice.random(rnd, bOff + (tb ? n : k) * ldb, -1, 1);
        float[] c = OpenClTestDevice.random(rnd, cOff + m * ldc + 3, -1, 1);
        if (beta == 0f) {
            java.util.Arrays.fill(c, Float.NaN);   // must not be read
        }
        String what = name + " ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k + " aligned=" + aligned
                + " alpha=" + alpha + " beta=" + beta + " seed=" + seed;
        try (Buffer ab = d.allocate(a.length); Buffer bb = d.allocate(b.length); Buffer cb = d.allocate(c.length)) {
            d.upload(a, 0, ab, 0, a.length);
            d.upload(b, 0, bb, 0, b.length);
            d.upload(c, 0, cb, 0, c.length);
            d.gemm(ta, tb, m, n, k, alpha, ab, aOff, lda, bb, bOff, ldb, beta, cb, cOff, ldc);
            float[] got = new float[c.length];
            d.download(cb, 0, got, 0, got.length);
            assertGemm(what, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, got);
            int end = cOff + m * ldc;
            assertEquals(Float.floatToIntBits(c[end]), Float.floatToIntBits(got[end]), what + ": wrote after C");
        }
    }

    private static int round(int x, boolean aligned) {
        return aligned ? (x + 3) / 4 * 4 : x;
    }
}
