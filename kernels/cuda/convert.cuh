// Float32 <-> BF16 / F16 conversions on raw bits, written with integer arithmetic only, exactly as
// dev.adjoint.device.DType's host conversions (the oracle every backend matches bit for bit):
//   - narrowing rounds to nearest, ties to even; a finite value that rounds past the largest finite
//     one becomes an infinity of its sign; F16 keeps subnormals (down to 2^-24), below half of that
//     a zero of the sign;
//   - a NaN narrows to the quiet NaN of its sign, 0x7FC0 | sign (BF16) and 0x7E00 | sign (F16),
//     not CUDA's __float2bfloat16_rn, which writes 0x7FFF for every NaN;
//   - widening is exact; a NaN widens to a quiet NaN of its sign keeping the narrow NaN's payload
//     in the high fraction bits (DType.bf16ToFloat / f16ToFloat).
// No float instruction touches a value, so NaN payloads and signs survive as the integers say.
//
// Plain C on purpose: convert.cu uses these on the GPU, and CudaConvertBitsTest compiles this very
// file with the host's C compiler (CONVERT_HOST defined) and checks it against DType without a GPU.
#pragma once

#ifdef CONVERT_HOST
#define CONVERT_FN static inline
#else
#define CONVERT_FN __device__ __forceinline__
#endif

// DType.floatToBf16: add just under half a BF16 ulp, plus one when the kept part is odd, truncate.
// The carry never reaches the sign bit (the largest magnitude, infinity, is 0x7F800000).
CONVERT_FN unsigned short f32_to_bf16_bits(unsigned int b) {
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) {
        return (unsigned short)(((b >> 16) & 0x8000u) | 0x7FC0u);
    }
    unsigned int lsb = (b >> 16) & 1u;
    return (unsigned short)((b + 0x7FFFu + lsb) >> 16);
}

// DType.bf16ToFloat: the upper half of a float32; a NaN gets its quiet bit set.
CONVERT_FN unsigned int bf16_to_f32_bits(unsigned short h) {
    unsigned int b = (unsigned int)h << 16;
    if ((b & 0x7FFFFFFFu) > 0x7F800000u) {
        b |= 0x00400000u;
    }
    return b;
}

// DType.floatToF16 (Float.floatToFloat16, round half to even; NaN as above).
CONVERT_FN unsigned short f32_to_f16_bits(unsigned int b) {
    unsigned int sign = (b >> 16) & 0x8000u;
    unsigned int a = b & 0x7FFFFFFFu;
    if (a > 0x7F800000u) {
        return (unsigned short)(sign | 0x7E00u);             // NaN: the quiet NaN of its sign
    }
    if (a >= 0x477FF000u) {
        return (unsigned short)(sign | 0x7C00u);             // from 65520 (a tie that goes up), and infinity
    }
    if (a >= 0x38800000u) {
        // F16 normal range, 2^-14 and up: rebias the exponent (127 - 15 = 112), then round away the
        // 13 fraction bits F16 lacks as floatToBf16 rounds away 16. A carry into the exponent is right.
        unsigned int m = a - (112u << 23);
        unsigned int lsb = (m >> 13) & 1u;
        return (unsigned short)(sign | ((m + 0xFFFu + lsb) >> 13));
    }
    if (a <= 0x33000000u) {
        return (unsigned short)sign;                         // up to 2^-25 (a tie with zero, which is even)
    }
    // F16 subnormal, a multiple q of 2^-24: the 24-bit significand times 2^(e - 150), so shifted
    // right by 126 - e, which is 14 (e = 112, just under 2^-14) to 24 (e = 102, just over 2^-25).
    unsigned int e = a >> 23;
    unsigned int significand = (a & 0x7FFFFFu) | 0x800000u;
    unsigned int shift = 126u - e;
    unsigned int q = significand >> shift;
    unsigned int rest = significand & ((1u << shift) - 1u);
    unsigned int half = 1u << (shift - 1u);
    if (rest > half || (rest == half && (q & 1u))) {
        q++;                                                 // 0x400 is the smallest normal: still right
    }
    return (unsigned short)(sign | q);
}

// DType.f16ToFloat (Float.float16ToFloat, exact; a NaN quieted, its 10 payload bits kept on top).
CONVERT_FN unsigned int f16_to_f32_bits(unsigned short h) {
    unsigned int sign = ((unsigned int)h & 0x8000u) << 16;
    unsigned int e = ((unsigned int)h >> 10) & 0x1Fu;
    unsigned int m = (unsigned int)h & 0x3FFu;
    if (e == 0x1Fu) {
        return m == 0u ? (sign | 0x7F800000u) : (sign | 0x7FC00000u | (m << 13));
    }
    if (e != 0u) {
        return sign | ((e + 112u) << 23) | (m << 13);
    }
    if (m == 0u) {
        return sign;
    }
    // subnormal m * 2^-24: shift the leading one up to bit 10, the exponent down with it
    unsigned int exponent = 113u;
    while ((m & 0x400u) == 0u) {
        m <<= 1;
        exponent--;
    }
    return sign | (exponent << 23) | ((m & 0x3FFu) << 13);
}
