// Conversions between float32 and the 16-bit storage types BF16 and F16, bit for bit as the host
// conversions of dev.adjoint.device.DType (the oracle): narrowing rounds to nearest, ties to even,
// overflows to an infinity of the value's sign, keeps F16 subnormals, and turns a NaN into the quiet
// NaN of its sign (0x7FC0 | sign in BF16, 0x7E00 | sign in F16); widening is exact, and a NaN
// widens to a quiet NaN of its sign keeping the narrow NaN's payload as its high fraction bits.
//
// Everything is integer arithmetic on the raw bits: no cl_khr_fp16, no vstore_half rounding modes,
// and floats travel as uint, never as float, so a device that flushes subnormals on float loads or
// stores cannot touch them. 16-bit elements are ushort; offsets count elements of each buffer's type.
//
// convert_<from>_to_<to>: n contiguous elements, one per work-item.
// convert_<bf16|f16>_to_f32_matrix: a rows×cols matrix stored with leading dimension ld at off,
// widened into dst packed (leading dimension cols): a 16-bit GEMM operand before the SGEMM.

// ------------------------------------------------------------------ scalar conversions

// DType.floatToBf16: add just under half a BF16 ulp, plus one when the kept part is odd, and
// truncate; a carry out of the fraction moves to the next exponent (the largest finite value to
// infinity). Unsigned arithmetic: never reaches past the sign bit for a non-NaN.
inline ushort f32_to_bf16(uint bits) {
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        return (ushort) (((bits >> 16) & 0x8000u) | 0x7FC0u);
    }
    uint lsb = (bits >> 16) & 1u;
    return (ushort) ((bits + 0x7FFFu + lsb) >> 16);
}

// DType.bf16ToFloat: the upper half of a float32; a NaN gets its quiet bit.
inline uint bf16_to_f32(ushort h) {
    uint bits = ((uint) h) << 16;
    return (bits & 0x7FFFFFFFu) > 0x7F800000u ? bits | 0x00400000u : bits;
}

// DType.floatToF16 (Float.floatToFloat16 for non-NaNs).
inline ushort f32_to_f16(uint bits) {
    uint sgn = (bits >> 16) & 0x8000u;                     // the sign bit, in place for F16
    uint mag = bits & 0x7FFFFFFFu;
    if (mag > 0x7F800000u) {
        return (ushort) (sgn | 0x7E00u);                   // NaN: the quiet NaN of its sign
    }
    if (mag >= 0x477FF000u) {
        return (ushort) (sgn | 0x7C00u);                   // 65520 and up (infinity too) round to infinity
    }
    if (mag >= 0x38800000u) {
        // normal in F16 (>= 2^-14): rebias the exponent by 127 - 15 = 112, then round away 13 bits,
        // ties to even; a carry out of the fraction moves to the next exponent (below infinity: see above)
        uint m = mag - 0x38000000u;
        uint lsb = (m >> 13) & 1u;
        return (ushort) (sgn | ((m + 0x0FFFu + lsb) >> 13));
    }
    if (mag <= 0x33000000u) {
        return (ushort) sgn;                               // up to 2^-25 (a tie with zero, which is even): ±0
    }
    // subnormal in F16: the value in units of 2^-24 is the 24-bit significand shifted right by
    // 126 - exponent (14..24), rounded to nearest, ties to even; 0x400 (2^-14) is the smallest normal
    uint e = mag >> 23;
    uint significand = (mag & 0x007FFFFFu) | 0x00800000u;
    uint shift = 126u - e;
    uint q = significand >> shift;
    uint rest = significand & ((1u << shift) - 1u);
    uint halfway = 1u << (shift - 1u);
    if (rest > halfway || (rest == halfway && (q & 1u) != 0u)) {
        q++;
    }
    return (ushort) (sgn | q);
}

// DType.f16ToFloat: exact; subnormals normalised, a NaN quieted keeping its 10 payload bits on top.
inline uint f16_to_f32(ushort h16) {
    uint h = (uint) h16;
    uint sgn = (h & 0x8000u) << 16;
    uint e = (h >> 10) & 0x1Fu;
    uint frac = h & 0x03FFu;
    if (e == 0x1Fu) {
        return frac == 0u ? sgn | 0x7F800000u : sgn | 0x7FC00000u | (frac << 13);
    }
    if (e != 0u) {
        return sgn | ((e + 112u) << 23) | (frac << 13);
    }
    if (frac == 0u) {
        return sgn;
    }
    // frac·2^-24 with its top bit at p (0..9): exponent p - 24, the bits below p become the fraction
    uint p = 31u - clz(frac);
    return sgn | ((p + 103u) << 23) | ((frac << (23u - p)) & 0x007FFFFFu);
}

// ------------------------------------------------------------------ contiguous kernels

__kernel void convert_f32_to_bf16(__global const uint* src, long soff, __global ushort* dst, long doff, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    dst[doff + i] = f32_to_bf16(src[soff + i]);
}

__kernel void convert_f32_to_f16(__global const uint* src, long soff, __global ushort* dst, long doff, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    dst[doff + i] = f32_to_f16(src[soff + i]);
}

__kernel void convert_bf16_to_f32(__global const ushort* src, long soff, __global uint* dst, long doff, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    dst[doff + i] = bf16_to_f32(src[soff + i]);
}

__kernel void convert_f16_to_f32(__global const ushort* src, long soff, __global uint* dst, long doff, long n) {
    long i = get_global_id(0);
    if (i >= n) return;
    dst[doff + i] = f16_to_f32(src[soff + i]);
}

// ------------------------------------------------------------------ GEMM operands

// Work-item (column, row) of a 2-D range: the matrix is rows×cols at off with leading dimension ld.
__kernel void convert_bf16_to_f32_matrix(__global const ushort* src, long off, int ld, int rows, int cols,
                                         __global uint* dst) {
    int c = get_global_id(0);
    int r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    dst[(long) r * cols + c] = bf16_to_f32(src[off + (long) r * ld + c]);
}

__kernel void convert_f16_to_f32_matrix(__global const ushort* src, long off, int ld, int rows, int cols,
                                        __global uint* dst) {
    int c = get_global_id(0);
    int r = get_global_id(1);
    if (c >= cols || r >= rows) return;
    dst[(long) r * cols + c] = f16_to_f32(src[off + (long) r * ld + c]);
}
