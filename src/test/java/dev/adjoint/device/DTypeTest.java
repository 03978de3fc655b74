package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * DType's conversions against an independent reference: every value of BF16 and F16 built from the
 * formats' definitions in exact decimal arithmetic, and a float narrowed by finding its two
 * neighbours among them and taking the nearer, the one with the even bit pattern on a tie, as IEEE
 * 754 does. These conversions are the oracle for device kernels, so every case compares bits.
 */
class DTypeTest {
    /**
     * A binary floating-point format with {@code fractionBits} stored fraction bits and
     * {@code exponentBits} exponent bits, known only from its definition.
     */
    private record Format(DType dtype, int fractionBits, int exponentBits, BigDecimal[] values) {
        static Format of(DType dtype, int fractionBits, int exponentBits) {
            int bias = (1 << exponentBits - 1) - 1;
            int inf = ((1 << exponentBits) - 1) << fractionBits;
            BigDecimal[] v = new BigDecimal[inf + 1];
            for (int p = 0; p <= inf; p++) {
                int e = p >>> fractionBits;
                long f = p & ((1L << fractionBits) - 1);
                // subnormal: f · 2^(1 - bias - fractionBits); normal: (2^fractionBits + f) · 2^(e - bias - fractionBits).
                // p == inf reads as 2^(emax + 1), the value IEEE's overflow rule rounds against
                v[p] = e == 0 ? BigDecimal.valueOf(f).multiply(pow2(1 - bias - fractionBits))
                        : BigDecimal.valueOf((1L << fractionBits) + f).multiply(pow2(e - bias - fractionBits));
            }
            return new Format(dtype, fractionBits, exponentBits, v);
        }

        int infBits() {
            return values.length - 1;
        }

        boolean isNaN(int p) {
            return (p & 0x7FFF) > infBits();
        }

        short narrow(float x) {
            return dtype == DType.BF16 ? DType.floatToBf16(x) : DType.floatToF16(x);
        }

        float widen(short h) {
            return dtype == DType.BF16 ? DType.bf16ToFloat(h) : DType.f16ToFloat(h);
        }

        /** The bits of the value nearest {@code x}, ties to the even pattern; NaN the quiet NaN of x's sign. */
        int reference(float x) {
            int sign = Float.floatToRawIntBits(x) < 0 ? 0x8000 : 0;
            if (Float.isNaN(x)) {
                return sign | infBits() | 1 << fractionBits - 1;
            }
            if (Float.isInfinite(x)) {
                return sign | infBits();
            }
            BigDecimal a = new BigDecimal(Math.abs((double) x));
            int lo = 0;
            int hi = infBits();
            while (lo < hi) { // the largest i with values[i] <= a
                int mid = (lo + hi + 1) >>> 1;
                if (values[mid].compareTo(a) <= 0) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            if (values[lo].compareTo(a) == 0 || lo == infBits()) {
                return sign | lo;
            }
            int c = a.subtract(values[lo]).compareTo(values[lo + 1].subtract(a));
            return sign | (c < 0 || c == 0 && lo % 2 == 0 ? lo : lo + 1);
        }
    }

    private static BigDecimal pow2(int k) {
        return k >= 0 ? new BigDecimal(BigInteger.ONE.shiftLeft(k)) : new BigDecimal(BigInteger.valueOf(5).pow(-k), -k);
    }

    private static final Format BF16 = Format.of(DType.BF16, 7, 8);
    private static final Format F16 = Format.of(DType.F16, 10, 5);

    private static String hex(int bits) {
        return String.format("0x%04X", bits & 0xFFFF);
    }

    private static void assertNarrows(Format fmt, float x) {
        int expected = fmt.reference(x);
        int actual = fmt.narrow(x) & 0xFFFF;
        assertEquals(hex(expected), hex(actual), () -> fmt.dtype() + " of " + x + " (float bits "
                + Integer.toHexString(Float.floatToRawIntBits(x)) + ")");
    }

    // ------------------------------------------------------------------ every bit pattern

    @Test
    void everyPatternWidensExactlyAndNarrowsBackToItself() {
        for (Format fmt : List.of(BF16, F16)) {
            for (int p = 0; p <= 0xFFFF; p++) {
                float w = fmt.widen((short) p);
                int wbits = Float.floatToRawIntBits(w);
                String what = fmt.dtype() + " " + hex(p) + " widened to " + w;
                assertEquals(p >= 0x8000, wbits < 0, what + ": the sign");
                if (fmt.isNaN(p)) {
                    int fraction = p & (1 << fmt.fractionBits()) - 1;
                    int quiet = 1 << fmt.fractionBits() - 1;
                    assertTrue(Float.isNaN(w), what);
                    assertEquals(Integer.toHexString((fraction | quiet) << 23 - fmt.fractionBits()),
                            Integer.toHexString(wbits & 0x7F_FFFF), what + ": a quiet NaN keeping the payload's high bits");
                    assertEquals(hex(p & 0x8000 | fmt.infBits() | quiet), hex(fmt.narrow(w)), what + ": narrows to the quiet NaN of its sign");
                    continue;
                }
                int magnitude = p & 0x7FFF;
                if (magnitude == fmt.infBits()) {
                    assertTrue(Float.isInfinite(w), what);
                } else {
                    assertEquals(0, fmt.values()[magnitude].compareTo(new BigDecimal(Math.abs((double) w))), what + ": exact");
                }
                assertEquals(hex(p), hex(fmt.narrow(w)), what + ": narrows back to itself");
            }
        }
    }

    /**
     * For every non-negative finite value v of each format and its successor: v itself, the midpoint
     * (a tie: a float holds it exactly), and the floats one ulp either side of both, with both signs.
     * That is each binade's ties and near-ties, subnormals and the overflow boundary included.
     */
    @Test
    void tiesAndNearTiesInEveryBinadeRoundToNearestEven() {
        for (Format fmt : List.of(BF16, F16)) {
            for (int p = 0; p < fmt.infBits(); p++) {
                BigDecimal mid = fmt.values()[p].add(fmt.values()[p + 1]).divide(BigDecimal.TWO);
                float m = mid.floatValue();
                assertEquals(0, new BigDecimal(m).compareTo(mid), "the midpoint above " + hex(p) + " is a float");
                float v = fmt.values()[p].floatValue();
                for (float x : new float[] {v, Math.nextUp(v), Math.nextDown(v), m, Math.nextUp(m), Math.nextDown(m)}) {
                    assertNarrows(fmt, x);
                    assertNarrows(fmt, -x);
                }
            }
        }
    }

    @Test
    void randomFloatsRoundAsTheReferenceDoes() {
        Random r = new Random(25);
        for (int i = 0; i < 200_000; i++) {
            float anyBits = Float.intBitsToFloat(r.nextInt());
            float inF16Range = (float) ((r.nextDouble() * 2 - 1) * Math.scalb(1.0, r.nextInt(44) - 28));
            for (float x : new float[] {anyBits, inF16Range}) {
                assertNarrows(BF16, x);
                assertNarrows(F16, x);
            }
        }
    }

    // ------------------------------------------------------------------ hand-picked cases

    private static void bf16(int expected, float x) {
        assertEquals(hex(expected), hex(DType.floatToBf16(x)), "BF16 of " + x);
        assertEquals(hex(expected), hex(BF16.reference(x)), "the reference's BF16 of " + x);
    }

    private static void f16(int expected, float x) {
        assertEquals(hex(expected), hex(DType.floatToF16(x)), "F16 of " + x);
        assertEquals(hex(expected), hex(F16.reference(x)), "the reference's F16 of " + x);
    }

    private static float bits(int b) {
        return Float.intBitsToFloat(b);
    }

    @Test
    void handPickedF16Cases() {
        f16(0x3C00, 1f);
        f16(0x3C00, 1 + 0x1p-11f); // tie between 1 (even) and 1 + 2^-10: down
        f16(0x3C02, 1 + 3 * 0x1p-11f); // tie between 1 + 2^-10 and 1 + 2^-9 (even): up
        f16(0x3C01, Math.nextUp(1 + 0x1p-11f));
        f16(0x7BFF, 65504f); // largest finite
        f16(0x7BFF, Math.nextDown(65520f));
        f16(0x7C00, 65520f); // tie between 65504 (odd) and 65536 (infinity): infinity
        f16(0xFC00, -65520f);
        f16(0x7C00, Float.MAX_VALUE);
        f16(0x0001, 0x1p-24f); // smallest subnormal
        f16(0x0000, 0x1p-25f); // tie between 0 and it: 0
        f16(0x0001, Math.nextUp(0x1p-25f));
        f16(0x0002, 3 * 0x1p-25f); // tie between subnormals 1 and 2: 2
        f16(0x03FF, 0x1p-14f - 0x1p-24f); // largest subnormal
        f16(0x0400, Math.nextDown(0x1p-14f)); // rounds up to the smallest normal
        f16(0x8000, -0f);
        f16(0x8000, -Float.MIN_VALUE);
        f16(0x7C00, Float.POSITIVE_INFINITY);
        f16(0xFC00, Float.NEGATIVE_INFINITY);
        f16(0x7E00, Float.NaN);
        f16(0xFE00, bits(0xFFC0_0000));
        f16(0x7E00, bits(0x7F80_0001)); // a signalling NaN whose payload lies below F16's: still NaN, not infinity
        assertEquals(65504f, DType.F16.maxFinite());
        assertEquals(0x1p-24f, DType.f16ToFloat((short) 1));
    }

    @Test
    void handPickedBf16Cases() {
        bf16(0x3F80, 1f);
        bf16(0x3F80, 1 + 0x1p-8f); // tie, down to even
        bf16(0x3F82, 1 + 3 * 0x1p-8f); // tie, up to even
        bf16(0x3F81, Math.nextUp(1 + 0x1p-8f));
        bf16(0x7F7F, bits(0x7F7F_0000)); // largest finite, about 3.3895e38
        bf16(0x7F7F, bits(0x7F7F_7FFF));
        bf16(0x7F80, bits(0x7F7F_8000)); // tie between the largest finite (odd) and infinity: infinity
        bf16(0x7F80, Float.MAX_VALUE);
        bf16(0xFF80, -Float.MAX_VALUE);
        bf16(0x0001, 0x1p-133f); // smallest subnormal: float32's range, 7 fraction bits
        bf16(0x0000, 0x1p-134f); // tie with 0: 0
        bf16(0x0002, 3 * 0x1p-134f); // tie between 1 and 2: 2
        bf16(0x0000, Float.MIN_VALUE);
        bf16(0x0080, Float.MIN_NORMAL);
        bf16(0x8000, -0f);
        bf16(0x7F80, Float.POSITIVE_INFINITY);
        bf16(0xFF80, Float.NEGATIVE_INFINITY);
        bf16(0x7FC0, Float.NaN);
        bf16(0x7FC0, bits(0x7F80_0001)); // truncating would give infinity
        bf16(0x7FC0, bits(0x7FFF_FFFF)); // rounding the bits would carry into the sign
        bf16(0xFFC0, bits(0xFF80_0001));
        assertEquals(bits(0x7F7F_0000), DType.BF16.maxFinite());
        assertEquals(3.3895314e38f, DType.BF16.maxFinite());
    }

    @Test
    void overflowIsNamedOnlyForFiniteValuesThatBecomeInfinite() {
        assertFalse(DType.F16.overflows(Math.nextDown(65520f)));
        assertTrue(DType.F16.overflows(65520f));
        assertTrue(DType.F16.overflows(-1e6f));
        assertFalse(DType.F16.overflows(Float.POSITIVE_INFINITY));
        assertFalse(DType.F16.overflows(Float.NaN));
        assertFalse(DType.BF16.overflows(bits(0x7F7F_7FFF)));
        assertTrue(DType.BF16.overflows(bits(0x7F7F_8000)));
        assertTrue(DType.BF16.overflows(-Float.MAX_VALUE));
        assertFalse(DType.F32.overflows(Float.MAX_VALUE));
        assertEquals(Float.MAX_VALUE, DType.F32.maxFinite());
        assertEquals(1.0078125f, DType.BF16.round(1.01f));
        assertEquals(1.0097656f, DType.F16.round(1.01f));
        assertEquals(1.01f, DType.F32.round(1.01f));
    }

    // ------------------------------------------------------------------ bulk conversions and names

    @Test
    void bulkConversionsMatchTheScalarOnesElementByElement() {
        Random r = new Random(7);
        float[] x = new float[1000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(40) - 20));
        }
        x[5] = Float.NaN;
        x[6] = -0f;
        x[7] = Float.NEGATIVE_INFINITY;
        x[8] = 1e30f; // beyond F16: encode rounds, refusing is the writer's job
        for (DType d : DType.values()) {
            ByteBuffer buf = ByteBuffer.allocate(4 + d.bytes() * 990).order(ByteOrder.LITTLE_ENDIAN);
            buf.putInt(0xCAFE); // the encoding starts at the buffer's position
            d.encode(x, 5, 990, buf);
            assertEquals(buf.capacity(), buf.position(), d + ": the position advances past what was written");
            buf.flip().position(4);
            for (int i = 5; i < 995; i++) {
                int expected = switch (d) {
                    case F32 -> Float.floatToRawIntBits(x[i]);
                    case BF16 -> DType.floatToBf16(x[i]) & 0xFFFF;
                    case F16 -> DType.floatToF16(x[i]) & 0xFFFF;
                };
                int stored = d == DType.F32 ? buf.getInt(4 + 4 * (i - 5)) : buf.getShort(4 + 2 * (i - 5)) & 0xFFFF;
                assertEquals(Integer.toHexString(expected), Integer.toHexString(stored), d + " element " + i);
            }
            float[] back = new float[1000];
            d.decode(buf, back, 10, 990);
            assertEquals(buf.limit(), buf.position(), d + ": decoding reads to the end");
            for (int i = 0; i < 990; i++) {
                assertEquals(Float.floatToRawIntBits(d.round(x[i + 5])), Float.floatToRawIntBits(back[i + 10]), d + " element " + i);
            }
            assertEquals(0f, back[9], "nothing before the offset is written");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.encode(x, 0, 1, ByteBuffer.allocate(8)));
            assertTrue(e.getMessage().contains("little-endian") && e.getMessage().contains("BIG_ENDIAN"), e.getMessage());
        }
    }

    @Test
    void safetensorsNamesAndSizes() {
        assertEquals(List.of("F32", "BF16", "F16"), DType.safetensorsNames());
        for (DType d : DType.values()) {
            assertEquals(d, DType.ofSafetensors(d.safetensorsName()));
        }
        assertEquals(List.of(4, 2, 2), List.of(DType.F32.bytes(), DType.BF16.bytes(), DType.F16.bytes()));
        for (String bad : new String[] {"F64", "bf16", "I8", null}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.ofSafetensors(bad));
            assertTrue(e.getMessage().contains(String.valueOf(bad)) && e.getMessage().contains("F32, BF16, F16"),
                    e.getMessage());
        }
    }
}
