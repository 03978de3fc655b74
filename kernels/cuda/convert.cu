// Device::convert between float32 and BF16 / F16, bit for bit as dev.adjoint.device.DType (the
// integer algorithms are in convert.cuh). Float32 elements are read and written as their raw bits,
// 16-bit elements as unsigned shorts; a range of one dtype to itself is a copy, not a kernel.
#include "common.cuh"
#include "convert.cuh"

extern "C" __global__ void f32_to_bf16_forward(long long n, const unsigned int* __restrict__ x,
                                               unsigned short* __restrict__ out) {
    FOR_EACH(i, n) { out[i] = f32_to_bf16_bits(x[i]); }
}

extern "C" __global__ void f32_to_f16_forward(long long n, const unsigned int* __restrict__ x,
                                              unsigned short* __restrict__ out) {
    FOR_EACH(i, n) { out[i] = f32_to_f16_bits(x[i]); }
}

extern "C" __global__ void bf16_to_f32_forward(long long n, const unsigned short* __restrict__ x,
                                               unsigned int* __restrict__ out) {
    FOR_EACH(i, n) { out[i] = bf16_to_f32_bits(x[i]); }
}

extern "C" __global__ void f16_to_f32_forward(long long n, const unsigned short* __restrict__ x,
                                              unsigned int* __restrict__ out) {
    FOR_EACH(i, n) { out[i] = f16_to_f32_bits(x[i]); }
}
