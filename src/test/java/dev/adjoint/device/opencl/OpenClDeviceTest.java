package dev.adjoint.device.opencl;

import static dev.adjoint.device.opencl.OpenClTestDevice.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.CounterRandom;
import dev.adjoint.device.DeviceException;
import dev.adjoint.device.DeviceUnavailableException;
import dev.adjoint.device.Devices;
import dev.adjoint.device.Distribution;
import dev.adjoint.device.cpu.CpuDevice;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Memory, random numbers, GEMM and the backend's device selection, against float64 references. */
class OpenClDeviceTest {
    private final long seed = System.nanoTime();
    private final Random rnd = new Random(seed);

    /** Every test needs the device; without OpenCL each is reported as skipped with the reason. */
    @BeforeEach
    void openClAvailable() {
        get();
    }

    // ------------------------------------------------------------------ backend

    @Test
    void backendListsAndSelectsDevices() {
        OpenClDevice d = get();
        OpenClBackend backend = (OpenClBackend) Devices.backend("opencl");
        assertEquals(1, backend.preference());
        assertFalse(backend.devices().isEmpty());
        assertTrue(backend.devices().getFirst().contains("compute units"), backend.devices().getFirst());
        assertTrue(d.name().startsWith("opencl:"));
        assertTrue(d.description().contains("GEMM: tiled"), d.description());
        var all = ClPlatforms.list();
        assertEquals(all.get(0).device(), OpenClBackend.choose(all, "0").device());
        String part = all.get(0).deviceName().substring(0, 3).toUpperCase();
        assertEquals(all.get(0).device(), OpenClBackend.choose(all, part).device());
        var e = assertThrows(DeviceUnavailableException.class, () -> OpenClBackend.choose(all, "no-such-device"));
        assertTrue(e.getMessage().contains(all.get(0).deviceName()), e.getMessage());
        assertThrows(DeviceUnavailableException.class, () -> OpenClBackend.choose(all, "99"));
    }

    @Test
    void versionsNameLwjglAndEachDevicesPlatformAndDriver() {
        OpenClDevice d = get();
        java.util.Map<String, String> v = new OpenClBackend().versions();
        assertEquals(org.lwjgl.Version.getVersion(), v.get("lwjgl"));
        String line = v.get(d.name());
        assertTrue(line != null && line.contains(d.platformVersion()) && line.contains("driver "), v.toString());
    }

    @Test
    void errorsNameTheStatusAndTheOp() {
        assertEquals("CL_OUT_OF_RESOURCES", ClStatus.name(-5));
        assertEquals("CL_INVALID_KERNEL_ARGS", ClStatus.name(-52));
        var e = assertThrows(DeviceException.class, () -> ClStatus.check(-4, "gemm [2x3]"));
        assertTrue(e.getMessage().contains("CL_MEM_OBJECT_ALLOCATION_FAILURE") && e.getMessage().contains("gemm [2x3]"));
        var oom = assertThrows(DeviceException.class, () -> get().allocate(Long.MAX_VALUE / 8));
        assertTrue(oom.getMessage().contains(Long.toString(Long.MAX_VALUE / 8)), oom.getMessage());
        try (CpuDevice cpu = new CpuDevice(1); Buffer foreign = cpu.allocate(4); Buffer mine = get().allocate(4)) {
            assertThrows(IllegalArgumentException.class, () -> get().copy(foreign, 0, mine, 0, 4));
            assertThrows(IllegalArgumentException.class, () -> get().fill(mine, 2, 3, 1f));
        }
    }

    @Test
    void closeReleasesBuffersAndDevice() {
        OpenClDevice d = new OpenClBackend().open("0");
        Buffer a = d.allocate(10);
        Buffer b = d.allocate(0);
        b.close();
        assertTrue(b.isClosed());
        d.close();
        assertTrue(a.isClosed());
        assertThrows(IllegalStateException.class, () -> d.allocate(1));
        assertThrows(IllegalStateException.class, d::synchronize);
    }

    // ------------------------------------------------------------------ memory

    @Test
    void uploadDownloadFillCopyWithOffsets() {
        OpenClDevice d = get();
        float[] x = random(rnd, 257, -1, 1);
        try (Buffer b = d.allocate(300); Buffer c = d.allocate(300)) {
            d.fill(b, 0, 300, -7f);
            d.upload(x, 5, b, 11, 200);
            float[] back = new float[210];
            d.download(b, 10, back, 3, 202);
            assertEquals(-7f, back[3]);
            for (int i = 0; i < 200; i++) {
                assertEquals(x[5 + i], back[4 + i], "download element " + i);
            }
            assertEquals(-7f, back[204]);
            d.fill(c, 0, 300, 0f);
            d.fill(c, 33, 7, 2.5f);
            d.copy(b, 11, c, 100, 200);
            float[] cc = download(c);
            assertEquals(0f, cc[32]);
            assertEquals(2.5f, cc[33]);
            assertEquals(2.5f, cc[39]);
            assertEquals(0f, cc[40]);
            for (int i = 0; i < 200; i++) {
                assertEquals(x[5 + i], cc[100 + i]);
            }
        }
    }

    @Test
    void largeTransfersArePaged() {
        OpenClDevice d = get();
        int n = (1 << 22) + 77;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
        }
        try (Buffer b = d.allocate(n)) {
            d.upload(x, 0, b, 0, n);
            float[] y = new float[n];
            d.download(b, 0, y, 0, n);
            assertArrayEquals(x, y);
        }
    }

    // ------------------------------------------------------------------ random

    @Test
    void randomIsBitIdenticalToCounterRandom() {
        OpenClDevice d = get();
        int n = 4099;
        try (Buffer b = d.allocate(n + 13)) {
            for (Distribution dist : Distribution.values()) {
                float a = dist == Distribution.BERNOULLI ? 0.3f : -1.5f;
                float bb = dist == Distribution.NORMAL ? 0.7f : 2.25f;
                long s = rnd.nextLong();
                d.random(b, 13, n, dist, a, bb, s);
                float[] got = download(b);
                for (int i = 0; i < n; i++) {
                    float want = CounterRandom.sample(dist, a, bb, s, i);
                    if (dist == Distribution.NORMAL) {
                        assertEquals(want, got[13 + i], 2e-6f * (1 + Math.abs(want)), "normal element " + i + " seed " + s);
                    } else {
                        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[13 + i]),
                                dist + " element " + i + " with seed " + s + ": " + got[13 + i] + " vs " + want);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ gemm

    static Stream<Arguments> gemmCases() {
        int[][] shapes = {{1, 1, 1}, {7, 33, 1}, {1, 257, 7}, {33, 7, 257}, {64, 64, 64}, {65, 130, 129}, {257, 33, 70}};
        Stream.Builder<Arguments> s = Stream.builder();
        for (int[] mnk : shapes) {
            for (int t = 0; t < 4; t++) {
                s.add(Arguments.of(t >= 2, (t & 1) == 1, mnk[0], mnk[1], mnk[2]));
            }
        }
        return s.build();
    }

    @ParameterizedTest(name = "transA={0} transB={1} m={2} n={3} k={4}")
    @MethodSource("gemmCases")
    void gemmMatchesFloat64(boolean ta, boolean tb, int m, int n, int k) {
        checkGemm(false, ta, tb, m, n, k, 0.75f, -1.25f);
        checkGemm(false, ta, tb, m, n, k, 1f, 0f);
    }

    @ParameterizedTest(name = "naive transA={0} transB={1} m={2} n={3} k={4}")
    @MethodSource("gemmCases")
    void gemmNaiveMatchesFloat64(boolean ta, boolean tb, int m, int n, int k) {
        if (m * n * k < 100_000) {
            checkGemm(true, ta, tb, m, n, k, -0.5f, 2f);
        }
    }

    @Test
    void gemmDegenerateCases() {
        checkGemm(false, false, false, 5, 9, 0, 1.5f, 0.5f);    // k = 0: C = beta·C
        checkGemm(false, true, false, 5, 9, 4, 0f, -2f);        // alpha = 0: A and B are not read
        checkGemm(false, false, true, 9, 5, 3, 1f, 0f);
    }

    /** The benchmark baseline keeps gemm's contract: with k = 0 or alpha = 0, C = beta·C and A, B are not read. */
    @Test
    void gemmNaiveReadsNeitherAnorBWhenKOrAlphaIsZero() {
        OpenClDevice d = get();
        float[] nan = new float[12];
        java.util.Arrays.fill(nan, Float.NaN);
        float[] c = {1, 2, 3, 4, 5, 6};
        try (Buffer ab = upload(nan); Buffer bb = upload(nan); Buffer cb = upload(c)) {
            d.gemmNaive(false, false, 2, 3, 4, 0f, ab, 0, 4, bb, 0, 3, -2f, cb, 0, 3);
            assertArrayEquals(new float[] {-2, -4, -6, -8, -10, -12}, download(cb), "alpha = 0");
            d.gemmNaive(true, true, 2, 3, 0, 1f, ab, 0, 2, bb, 0, 0, 0f, cb, 0, 3);
            assertArrayEquals(new float[6], download(cb), "k = 0, beta = 0");
        }
    }

    private void checkGemm(boolean naive, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta) {
        OpenClDevice d = get();
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
        int aOff = 5, bOff = 2, cOff = 7;
        float[] a = random(rnd, aOff + (ta ? k : m) * lda, -1, 1);
        float[] b = random(rnd, bOff + (tb ? n : k) * ldb, -1, 1);
        float[] c = random(rnd, cOff + m * ldc, -1, 1);
        if (beta == 0f) {
            java.util.Arrays.fill(c, Float.NaN);   // must not be read
        }
        String what = (naive ? "gemm_naive" : "gemm") + " ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k
                + " alpha=" + alpha + " beta=" + beta + " seed=" + seed;
        try (Buffer ab = upload(a); Buffer bb = upload(b); Buffer cb = upload(c)) {
            if (naive) {
                d.gemmNaive(ta, tb, m, n, k, alpha, ab, aOff, lda, bb, bOff, ldb, beta, cb, cOff, ldc);
            } else {
                d.gemm(ta, tb, m, n, k, alpha, ab, aOff, lda, bb, bOff, ldb, beta, cb, cOff, ldc);
            }
            float[] got = download(cb);
            assertGemm(what, ta, tb, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, got);
        }
    }
}
