// Shared device helpers for Adjoint's CUDA kernels. Every kernel mirrors the CPU backend
// (dev.adjoint.device.cpu.CpuMath and friends): float32 storage, transcendental functions
// evaluated in double and rounded once, as Java's (float) Math.f(x) does; the build passes
// -fmad=false so float expressions round like Java's.
#pragma once
#include <stdint.h>
#include "op_codes.cuh"

// The op codes this PTX was built with, as a global the PTX keeps (KernelOpCodesTest compares it
// with the Java enums', so a PTX built before an enum changed is caught without a GPU).
extern "C" {
__device__ unsigned int adjoint_op_codes = OP_CODES_FINGERPRINT;
}

// Grid-stride loop over [0, n): the loop condition is every elementwise kernel's bounds guard.
#define FOR_EACH(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)gridDim.x * blockDim.x)

// Java's Math.max / Math.min: NaN wins, and -0 < +0.
__device__ __forceinline__ float jmax(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a > b) return a;
    if (b > a) return b;
    return signbit(a) ? b : a;
}

__device__ __forceinline__ float jmin(float a, float b) {
    if (a != a) return a;
    if (b != b) return b;
    if (a < b) return a;
    if (b < a) return b;
    return signbit(a) ? a : b;
}

// Java's Math.pow differs from C's pow in two cases: a NaN exponent, and (+-1)^(+-inf).
__device__ __forceinline__ float jpow(float a, float b) {
    if (b != b) return b;
    if (fabsf(a) == 1.0f && isinf(b)) return __int_as_float(0x7fc00000);
    return (float)pow((double)a, (double)b);
}

// erf by the Chebyshev fit of Numerical Recipes (erfcc), evaluated in double as CpuMath.erf.
__device__ __forceinline__ float nr_erf(float xf) {
    double x = xf;
    double z = fabs(x);
    double t = 1.0 / (1.0 + 0.5 * z);
    double r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
            + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
            + t * (-0.82215223 + t * 0.17087277)))))))));
    return (float)(x >= 0 ? 1.0 - r : r - 1.0);
}

__device__ __forceinline__ float jsigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + (float)exp(-(double)x));
    float e = (float)exp((double)x);
    return e / (1.0f + e);
}

#define INV_SQRT2 0x1.6a09e6p-1f
#define INV_SQRT_2PI 0x1.988454p-2f
#define TWO_PI_F 0x1.921fb6p2f

// Block-wide reductions for kernels launched with BLOCK threads (a power of two). Every thread
// of the block must call them; the result is returned to all threads.
#define BLOCK 256

__device__ __forceinline__ double block_sum(double v, double* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) shared[threadIdx.x] += shared[threadIdx.x + s];
        __syncthreads();
    }
    double r = shared[0];
    __syncthreads();
    return r;
}

__device__ __forceinline__ float block_max(float v, float* shared) {
    shared[threadIdx.x] = v;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) shared[threadIdx.x] = jmax(shared[threadIdx.x], shared[threadIdx.x + s]);
        __syncthreads();
    }
    float r = shared[0];
    __syncthreads();
    return r;
}

__device__ __forceinline__ float quiet_nan() { return __int_as_float(0x7fc00000); }
