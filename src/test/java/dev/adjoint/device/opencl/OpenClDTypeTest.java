package dev.adjoint.device.opencl;

import static dev.adjoint.device.opencl.OpenClTestDevice.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * BF16 and F16 on OpenCL beyond the conformance cases: {@code convert.cl} against {@link DType}
 * over a sweep of float32 bit patterns that puts every rounding boundary of both types under test,
 * and gemm with 16-bit operands (tiled and naive) reusing the device's F32 scratch.
 */
class OpenClDTypeTest {
    private final long seed = System.nanoTime();
    private final Random rnd = new Random(seed);

    @BeforeEach
    void openClAvailable() {
        get();
    }

    /**
     * Every float32 whose low 13 bits are one of 0, 1, 0xFFF, 0x1000, 0x1001 or 0x1FFF, over all
     * 2^19 patterns of the bits above: ties, their neighbours and exact values at every F16 and BF16
     * rounding position, subnormals and overflow included, and both signs, NaNs and infinities.
     * F32 to 16-bit and back must give {@link DType#round}, raw bits equal (widening is one-to-one,
     * so the narrow bits are right too).
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void convertMatchesTheHostConversionsBitForBit(DType t) {
        OpenClDevice d = get();
        int[] lows = {0, 1, 0xFFF, 0x1000, 0x1001, 0x1FFF};
        int n = lows.length << 19;
        float[] x = new float[n];
        for (int hi = 0, i = 0; hi < 1 << 19; hi++) {
            for (int low : lows) {
                x[i++] = Float.intBitsToFloat(hi << 13 | low);
            }
        }
        try (Buffer in = d.allocate(n + 1); Buffer narrow = d.allocate(n + 2, t); Buffer out = d.allocate(n)) {
            assertEquals(t, narrow.dtype());
            d.upload(x, 0, in, 1, n);
            d.convert(in, 1, narrow, 2, n);
            d.convert(narrow, 2, out, 0, n);
            float[] got = download(out);
            for (int i = 0; i < n; i++) {
                int want = Float.floatToRawIntBits(t.round(x[i]));
                int g = Float.floatToRawIntBits(got[i]);
                if (g != want) {
                    fail(String.format("%s: 0x%08X came back as 0x%08X, expected 0x%08X", t,
                            Float.floatToRawIntBits(x[i]), g, want));
                }
            }
        }
    }

    /** Tiled and naive 16-bit gemm with offsets, padding and every transpose; scratch grows, then is reused. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void gemmWidensOperandsIntoReusedScratch(DType t) {
        OpenClDevice d = get();
        int[][] shapes = {{3, 5, 7}, {65, 33, 130}, {1, 40, 9}};
        for (int[] s : shapes) {
            for (int tr = 0; tr < 4; tr++) {
                check(d, t, tr % 2 == 0, tr >= 2, (tr & 1) == 1, s[0], s[1], s[2]);
            }
        }
        int open = d.openBuffers();
        check(d, t, false, true, false, 64, 31, 129);       // smaller than the largest: the scratch is reused
        check(d, t, true, false, true, 40, 40, 40);
        assertEquals(open, d.openBuffers(), "gemm of a size seen before allocates no scratch");
    }

    /** As for F32: with k = 0 or alpha = 0, C = beta·C and the 16-bit A and B (NaNs here) are neither read nor widened. */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"BF16", "F16"})
    void gemmReadsNeitherAnorBWhenKOrAlphaIsZero(DType t) {
        OpenClDevice d = get();
        float[] nan = new float[12];
        java.util.Arrays.fill(nan, Float.NaN);
        try (Buffer f = upload(nan); Buffer ab = d.allocate(12, t); Buffer bb = d.allocate(12, t);
             Buffer cb = upload(new float[] {1, 2, 3, 4, 5, 6})) {
            d.convert(f, 0, ab, 0, 12);
            d.convert(f, 0, bb, 0, 12);
            d.gemm(false, false, 2, 3, 4, 0f, ab, 0, 4, bb, 0, 3, -2f, cb, 0, 3);
            assertArrayEquals(new float[] {-2, -4, -6, -8, -10, -12}, download(cb), "alpha = 0");
            d.gemmNaive(true, true, 2, 3, 0, 1f, ab, 0, 2, bb, 0, 1, 0f, cb, 0, 3);
            assertArrayEquals(new float[6], download(cb), "k = 0, beta = 0");
        }
    }

    private void check(OpenClDevice d, DType t, boolean naive, boolean ta, boolean tb, int m, int n, int k) {
        int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 1;
        int aOff = 4, bOff = 3, cOff = 2;
        float[] a = random(rnd, aOff + (ta ? k : m) * lda, -2, 2);
        float[] b = random(rnd, bOff + (tb ? n : k) * ldb, -2, 2);
        float[] c = random(rnd, cOff + m * ldc, -1, 1);
        for (int i = 0; i < a.length; i++) {
            a[i] = t.round(a[i]);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = t.round(b[i]);
        }
        String what = t + (naive ? " gemm_naive" : " gemm") + " ta=" + ta + " tb=" + tb + " " + m + "x" + n + "x" + k
                + " seed=" + seed;
        try (Buffer fa = upload(a); Buffer fb = upload(b); Buffer ha = d.allocate(a.length, t);
             Buffer hb = d.allocate(b.length, t); Buffer cb = upload(c)) {
            d.convert(fa, 0, ha, 0, a.length);
            d.convert(fb, 0, hb, 0, b.length);
            if (naive) {
                d.gemmNaive(ta, tb, m, n, k, 0.5f, ha, aOff, lda, hb, bOff, ldb, -1.5f, cb, cOff, ldc);
            } else {
                d.gemm(ta, tb, m, n, k, 0.5f, ha, aOff, lda, hb, bOff, ldb, -1.5f, cb, cOff, ldc);
            }
            assertGemm(what, ta, tb, m, n, k, 0.5f, a, aOff, lda, b, bOff, ldb, -1.5f, c, cOff, ldc, download(cb));
        }
    }
}
