// Elementwise primitives: unary and binary ops (op codes = the Java enums' ordinals), contiguous
// fast paths and strided versions up to rank 8, plus the matrix scaling GEMM needs for k = 0.
#include "common.cuh"

#define MAX_RANK 8

// A strided view of rank <= 8 over a contiguous output: shape and each input's strides (floats).
struct Layout1 { long long rank; long long shape[MAX_RANK]; long long x[MAX_RANK]; };
struct Layout2 { long long rank; long long shape[MAX_RANK]; long long a[MAX_RANK]; long long b[MAX_RANK]; };

// ---------------------------------------------------------------------------------- math

__device__ __forceinline__ float unary_op(int op, float x, float p) {
    switch (op) {
        case 0: return x;                                          // COPY
        case 1: return -x;                                         // NEG
        case 2: return p * x;                                      // SCALE
        case 3: return x + p;                                      // ADD_SCALAR
        case 4: return jpow(x, p);                                 // POW_SCALAR
        case 5: return (float)exp((double)x);                      // EXP
        case 6: return (float)log((double)x);                      // LOG
        case 7: return (float)sin((double)x);                      // SIN
        case 8: return (float)cos((double)x);                      // COS
        case 9: return sqrtf(x);                                   // SQRT (correctly rounded)
        case 10: return 1.0f / x;                                  // RECIPROCAL
        case 11: return fabsf(x);                                  // ABS
        case 12: return (x > 0.0f) ? 1.0f : (x < 0.0f ? -1.0f : x); // SIGN (NaN, +-0 kept)
        case 13: return x * x;                                     // SQUARE
        case 14: return (x > 0.0f || x != x) ? x : 0.0f;           // RELU (NaN kept, as in PyTorch)
        case 15: return x > 0.0f ? x : p * x;                      // LEAKY_RELU
        case 16: return jsigmoid(x);                               // SIGMOID
        case 17: return (float)tanh((double)x);                    // TANH
        case 18: return 0.5f * x * (1.0f + nr_erf(x * INV_SQRT2)); // GELU
        default: return __int_as_float(0x7fc00000);
    }
}

__device__ __forceinline__ float binary_op(int op, float a, float b, float p) {
    switch (op) {
        case 0: return a + b;                                      // ADD
        case 1: return a - b;                                      // SUB
        case 2: return a * b;                                      // MUL
        case 3: return a / b;                                      // DIV
        case 4: return jmax(a, b);                                 // MAX
        case 5: return jmin(a, b);                                 // MIN
        case 6: return jpow(a, b);                                 // POW
        case 7: return a > b ? 1.0f : 0.0f;                        // GREATER
        case 8: return a == b ? 1.0f : 0.0f;                       // EQUAL
        case 9: return a > 0.0f ? b : 0.0f;                        // RELU_BACKWARD
        case 10: return a > 0.0f ? b : p * b;                      // LEAKY_RELU_BACKWARD
        case 11: return b * a * (1.0f - a);                        // SIGMOID_BACKWARD
        case 12: return b * (1.0f - a * a);                        // TANH_BACKWARD
        case 13: return b * (0.5f * (1.0f + nr_erf(a * INV_SQRT2)) // GELU_BACKWARD
                     + a * INV_SQRT_2PI * (float)exp((double)(-0.5f * a * a)));
        default: return __int_as_float(0x7fc00000);
    }
}

// ---------------------------------------------------------------------------------- kernels

// Outputs may be the very memory of an input (in-place ops), so no pointer here is __restrict__.
extern "C" __global__ void unary_forward(int op, float p, long long n, const float* x, float* out) {
    FOR_EACH(i, n) { out[i] = unary_op(op, x[i], p); }
}

extern "C" __global__ void unary_strided_forward(int op, float p, long long n, const float* x, Layout1 l,
                                                 float* out) {
    FOR_EACH(i, n) {
        long long rest = i, xi = 0;
        for (int d = (int)l.rank - 1; d >= 0; d--) {
            long long c = rest % l.shape[d];
            rest /= l.shape[d];
            xi += c * l.x[d];
        }
        out[i] = unary_op(op, x[xi], p);
    }
}

extern "C" __global__ void binary_forward(int op, float p, long long n, const float* a, const float* b,
                                          float* out) {
    FOR_EACH(i, n) { out[i] = binary_op(op, a[i], b[i], p); }
}

extern "C" __global__ void binary_strided_forward(int op, float p, long long n, const float* a,
                                                  const float* b, Layout2 l, float* out) {
    FOR_EACH(i, n) {
        long long rest = i, ai = 0, bi = 0;
        for (int d = (int)l.rank - 1; d >= 0; d--) {
            long long c = rest % l.shape[d];
            rest /= l.shape[d];
            ai += c * l.a[d];
            bi += c * l.b[d];
        }
        out[i] = binary_op(op, a[ai], b[bi], p);
    }
}

// C[i][j] = beta * C[i][j] over an m x n row-major block with leading dimension ldc; beta == 0
// writes zeros without reading C (GEMM's contract when k == 0 or alpha == 0).
extern "C" __global__ void matrix_scale_forward(long long m, long long n, long long ldc, float beta, float* c) {
    FOR_EACH(i, m * n) {
        long long at = (i / n) * ldc + i % n;
        c[at] = beta == 0.0f ? 0.0f : beta * c[at];
    }
}
