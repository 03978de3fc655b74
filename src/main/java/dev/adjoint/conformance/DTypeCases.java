package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.device.UnaryOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * BF16 and F16 buffers: {@link Device#convert} bit for bit as {@link DType}'s host conversions
 * (every 16-bit value, ties, subnormals, overflow, NaN), copies between 16-bit buffers, GEMM with
 * 16-bit A and B accumulating in float32, and the refusal of a 16-bit buffer where F32 is taken.
 */
final class DTypeCases {
    private DTypeCases() {}

    static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        for (DType t : List.of(DType.BF16, DType.F16)) {
            all.add(new Case("convert F32 to " + t + " and back, bit for bit", (d, r) -> roundTrip(d, r, t)));
            all.add(new Case("copy " + t, (d, r) -> copy(d, r, t)));
            all.add(new Case("gemm " + t + " inputs, F32 accumulation", (d, r) -> {
                int[][] shapes = {{1, 1, 1}, {7, 33, 1}, {33, 7, 65}, {130, 67, 129}, {257, 64, 300}};
                for (int i = 0; i < shapes.length; i++) {
                    int[] s = shapes[i];
                    GemmCases.gemm(d, r, (i & 1) != 0, (i & 2) != 0, s[0], s[1], s[2], i % 2 == 0 ? 1f : -0.5f,
                            i % 3 == 0 ? 0f : 1.5f, i % 2 == 1, t);
                }
            }));
        }
        all.add(new Case("16-bit buffers are refused where F32 is taken", DTypeCases::refusals));
        return all;
    }

    /**
     * Every 16-bit value (widened), then values that stress rounding: exact ties between two 16-bit
     * values both ways, just above and below them, the overflow boundary, subnormals of both types,
     * NaNs with payloads, ±0, ±infinity and random floats across the exponent range. Each goes to a
     * 16-bit buffer and back at offsets, and must come back as {@link DType#round} of it, raw bits equal.
     */
    private static void roundTrip(Device d, Random rnd, DType t) {
        List<Float> values = new ArrayList<>();
        for (int h = 0; h < 1 << 16; h++) {
            float w = t == DType.BF16 ? DType.bf16ToFloat((short) h) : DType.f16ToFloat((short) h);
            values.add(w);
            if (Float.isFinite(w)) {
                int bits = Float.floatToRawIntBits(w);
                int half = t == DType.BF16 ? 1 << 15 : halfUlpOfF16(w);
                if (half > 0) {
                    values.add(Float.intBitsToFloat(bits + half));          // a tie above w (same sign)
                    values.add(Float.intBitsToFloat(bits + half - 1));
                    values.add(Float.intBitsToFloat(bits + half + 1));
                }
            }
        }
        for (float v : new float[] {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE, 65504f, 65519.99f, 65520f, -65520f,
                0x1p-24f, 0x1p-25f, 0x1.000002p-25f, 0x1p-14f, 0x1.ff8p-15f, Float.intBitsToFloat(0x7F800001),
                Float.intBitsToFloat(0xFFC12345), Float.intBitsToFloat(0x7FBFFFFF), Float.NaN}) {
            values.add(v);
        }
        for (int i = 0; i < 20_000; i++) {
            values.add(Float.intBitsToFloat(rnd.nextInt()));
        }
        int n = values.size();
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = values.get(i);
        }
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = t.round(x[i]);
        }
        try (Buffer in = d.allocate(n + 3); Buffer narrow = d.allocate(n + 5, t); Buffer out = d.allocate(n + 2)) {
            d.upload(x, 0, in, 3, n);
            d.convert(in, 3, narrow, 5, n);
            d.convert(narrow, 5, out, 2, n);
            float[] got = new float[n];
            d.download(out, 2, got, 0, n);
            for (int i = 0; i < n; i++) {
                if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(expected[i])) {
                    throw new AssertionError(String.format("convert F32 -> %s -> F32: element %d, %s (0x%08X), came back"
                            + " as %s (0x%08X), expected %s (0x%08X)", t, i, x[i], Float.floatToRawIntBits(x[i]), got[i],
                            Float.floatToRawIntBits(got[i]), expected[i], Float.floatToRawIntBits(expected[i])));
                }
            }
        }
    }

    /** Half an F16 ulp at {@code w}, in float32 bits (0 where w is not a finite F16 value of float32's normal range). */
    private static int halfUlpOfF16(float w) {
        int e = Math.getExponent(w);
        if (w == 0 || e < -24) {
            return 0;
        }
        // F16 has 10 fraction bits at exponents >= -14; below, its ulp is 2^-24 fixed
        int ulpExponent = Math.max(e, -14) - 10;
        int bitsPerUlp = ulpExponent - (e - 23);      // how many float32 fraction bits one F16 ulp spans
        return bitsPerUlp >= 1 && bitsPerUlp <= 23 ? 1 << (bitsPerUlp - 1) : 0;
    }

    private static void copy(Device d, Random rnd, DType t) {
        int n = 4099;
        float[] x = random(rnd, n, -3, 3);
        float[] y = random(rnd, n, -3, 3);
        try (Buffer a = Check.put(d, x, t); Buffer b = Check.put(d, y, t); Buffer out = d.allocate(n)) {
            d.copy(a, 3, b, 1000, 2049);
            d.convert(b, 0, out, 0, n);
            float[] expected = new float[n];
            for (int i = 0; i < n; i++) {
                expected[i] = t.round(i >= 1000 && i < 1000 + 2049 ? x[i - 1000 + 3] : y[i]);
            }
            Check.exact("copy 2049 " + t + " elements from offset 3 to 1000", get(d, out, n), expected);
        }
    }

    private static void refusals(Device d, Random rnd) {
        try (Buffer f = put(d, random(rnd, 16, -1, 1)); Buffer h = d.allocate(8, DType.BF16);
             Buffer g = d.allocate(8, DType.F16)) {
            Check.refused("holds BF16 elements", () -> d.unary(UnaryOp.RELU, 0f, new int[] {8}, h, 0, new long[] {1}, f, 0));
            Check.refused("holds BF16 elements", () -> d.fill(h, 0, 8, 1f));
            Check.refused("holds BF16 elements", () -> d.download(h, 0, new float[8], 0, 8));
            Check.refused("A is F32, B BF16", () -> d.gemm(false, false, 2, 2, 2, 1f, f, 0, 2, h, 0, 2, 0f, f, 0, 2));
            Check.refused("C holds F16 elements", () -> d.gemm(false, false, 2, 2, 2, 1f, h, 0, 2, h, 0, 2, 0f, g, 0, 2));
            Check.refused("BF16 to F16 directly", () -> d.convert(h, 0, g, 0, 8));
            Check.refused("copy moves elements of one dtype", () -> d.copy(h, 0, f, 0, 8));
            Check.refused("needs 9 BF16 elements", () -> d.convert(f, 0, h, 0, 9));
        }
    }
}
