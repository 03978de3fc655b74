package dev.adjoint.device;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/**
 * The element types of tensors in memory and in files, and the host conversions between them.
 * Computation is float32; BF16 and F16 are storage formats that values are rounded into and widened
 * back from. These conversions are the oracle device kernels must match bit for bit:
 *
 * <ul>
 *   <li>narrowing (float32 to BF16 or F16) rounds to nearest, ties to even (IEEE 754
 *       {@code convertFormat}): a finite value beyond the largest finite one by half an ulp or more
 *       becomes an infinity of its sign, as in IEEE arithmetic and PyTorch; values below the
 *       smallest subnormal by more than half of it become a zero of their sign; ±0 and ±infinity
 *       stay as they are;
 *   <li>a NaN narrows to the quiet NaN of its sign, {@code 0x7FC0 | sign} in BF16 and
 *       {@code 0x7E00 | sign} in F16 (its payload is dropped; PyTorch's CPU kernels write
 *       {@code 0xFFFF} for every NaN in BF16, so NaN bits are the one place the two may differ);
 *   <li>widening (BF16 or F16 to float32) is exact; a NaN widens to a quiet NaN of its sign whose
 *       high payload bits are the narrow NaN's.
 * </ul>
 *
 * <p>BF16 is float32's upper half: the same 8-bit exponent (so the same range, subnormals
 * included) and 7 fraction bits; its largest finite value is about 3.39e38. F16 is IEEE binary16:
 * 5 exponent bits, 10 fraction bits, largest finite 65504 (from 65520 up, values round to
 * infinity), smallest subnormal 2<sup>-24</sup>.
 */
public enum DType {
    /** IEEE binary32, what every device computes in. */
    F32(4),
    /** bfloat16: float32's sign, exponent and top 7 fraction bits. */
    BF16(2),
    /** IEEE binary16 (half precision). */
    F16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** The name a safetensors header gives this dtype ({@code "F32"}, {@code "BF16"}, {@code "F16"}). */
    public String safetensorsName() {
        return name();
    }

    /** The safetensors names of every dtype Adjoint reads and writes, in declaration order. */
    public static List<String> safetensorsNames() {
        return Arrays.stream(values()).map(DType::safetensorsName).toList();
    }

    /**
     * The dtype a safetensors header calls {@code name}; an IllegalArgumentException naming it and
     * listing the supported names for any other (F64, I8, ... and null).
     */
    public static DType ofSafetensors(String name) {
        for (DType d : values()) {
            if (d.safetensorsName().equals(name)) {
                return d;
            }
        }
        throw new IllegalArgumentException("safetensors dtype " + (name == null ? "null" : "\"" + name + "\"")
                + " is not supported; Adjoint reads " + String.join(", ", safetensorsNames()));
    }

    /** The largest finite value of this dtype, as a float. */
    public float maxFinite() {
        return switch (this) {
            case F32 -> Float.MAX_VALUE;
            case BF16 -> bf16ToFloat((short) 0x7F7F);
            case F16 -> f16ToFloat((short) 0x7BFF);
        };
    }

    /** {@code x} rounded to this dtype and widened back: the value a tensor of this dtype would hold. */
    public float round(float x) {
        return switch (this) {
            case F32 -> x;
            case BF16 -> bf16ToFloat(floatToBf16(x));
            case F16 -> f16ToFloat(floatToF16(x));
        };
    }

    /** Whether the finite value {@code x} becomes an infinity in this dtype (never for F32). */
    public boolean overflows(float x) {
        return Float.isFinite(x) && Float.isInfinite(round(x));
    }

    // ------------------------------------------------------------------ scalar conversions

    /** The BF16 bits nearest {@code x}, ties to even (see the class comment for NaN and overflow). */
    public static short floatToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if (Float.isNaN(x)) {
            return (short) ((bits >>> 16 & 0x8000) | 0x7FC0);
        }
        // add just under half an ulp of BF16, plus one when the kept part is odd, then truncate: a tie
        // carries only into an odd kept part. A carry out of the fraction moves to the next exponent,
        // from the largest finite value to infinity, as it should; it never reaches the sign bit.
        int lsb = bits >>> 16 & 1;
        return (short) ((bits + 0x7FFF + lsb) >>> 16);
    }

    /** The float32 value of BF16 bits {@code h}, exactly. */
    public static float bf16ToFloat(short h) {
        int bits = (h & 0xFFFF) << 16;
        float x = Float.intBitsToFloat(bits);
        return Float.isNaN(x) ? Float.intBitsToFloat(bits | 0x0040_0000) : x;
    }

    /** The F16 bits nearest {@code x}, ties to even (see the class comment for NaN and overflow). */
    public static short floatToF16(float x) {
        if (Float.isNaN(x)) {
            return (short) ((Float.floatToRawIntBits(x) >>> 16 & 0x8000) | 0x7E00);
        }
        // documented as round-half-even IEEE convertFormat; DTypeTest checks it against exact arithmetic
        return Float.floatToFloat16(x);
    }

    /** The float32 value of F16 bits {@code h}, exactly. */
    public static float f16ToFloat(short h) {
        if ((h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0) {
            // quieted here: the JDK's float16ToFloat, in Java, keeps a signalling NaN signalling, hardware quiets it
            return Float.intBitsToFloat((h & 0x8000) << 16 | 0x7FC0_0000 | (h & 0x03FF) << 13);
        }
        return Float.float16ToFloat(h);
    }

    // ------------------------------------------------------------------ bulk conversions

    /**
     * Writes {@code count} values of {@code src} from {@code from} into {@code dst} as elements of
     * this dtype ({@code count × bytes()} bytes at its position, which advances), narrowed as
     * {@link #floatToBf16} and {@link #floatToF16} do. {@code dst} must be little-endian.
     */
    public void encode(float[] src, int from, int count, ByteBuffer dst) {
        littleEndian(dst);
        switch (this) {
            case F32 -> {
                dst.asFloatBuffer().put(src, from, count);
                dst.position(dst.position() + 4 * count);
            }
            case BF16 -> {
                for (int i = from; i < from + count; i++) {
                    dst.putShort(floatToBf16(src[i]));
                }
            }
            case F16 -> {
                for (int i = from; i < from + count; i++) {
                    dst.putShort(floatToF16(src[i]));
                }
            }
        }
    }

    /**
     * Reads {@code count} elements of this dtype from {@code src} (at its position, which advances)
     * into {@code dst} from {@code from}, widened exactly to float32. {@code src} must be little-endian.
     */
    public void decode(ByteBuffer src, float[] dst, int from, int count) {
        littleEndian(src);
        switch (this) {
            case F32 -> {
                src.asFloatBuffer().get(dst, from, count);
                src.position(src.position() + 4 * count);
            }
            case BF16 -> {
                for (int i = from; i < from + count; i++) {
                    dst[i] = bf16ToFloat(src.getShort());
                }
            }
            case F16 -> {
                for (int i = from; i < from + count; i++) {
                    dst[i] = f16ToFloat(src.getShort());
                }
            }
        }
    }

    private void littleEndian(ByteBuffer buf) {
        if (buf.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException(this + " elements are converted through a little-endian buffer; this one is "
                    + buf.order() + " (call order(ByteOrder.LITTLE_ENDIAN) on it)");
        }
    }
}
