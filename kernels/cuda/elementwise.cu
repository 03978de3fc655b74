// Elementwise primitives: unary and binary ops (op codes from op_codes.cuh), contiguous
// fast paths and strided versions up to rank 8, plus the matrix scaling GEMM needs for k = 0.
#include "common.cuh"

#define MAX_RANK 8

// A strided view of rank <= 8 over a contiguous output: shape and each input's strides (floats).
struct Layout1 { long long rank; long long shape[MAX_RANK]; long long x[MAX_RANK]; };
struct Layout2 { long long rank; long long shape[MAX_RANK]; long long a[MAX_RANK]; long long b[MAX_RANK]; };

// ---------------------------------------------------------------------------------- math

__device__ __forceinline__ float unary_op(int op, float x, float p) {
    switch (op) {
        case UNARY_COPY: return x;
        case UNARY_NEG: return -x;
        case UNARY_SCALE: return p * x;
        case UNARY_ADD_SCALAR: return x + p;
        case UNARY_POW_SCALAR: return jpow(x, p);
        case UNARY_EXP: return (float)exp((double)x);
        case UNARY_LOG: return (float)log((double)x);
        case UNARY_SIN: return (float)sin((double)x);
        case UNARY_COS: return (float)cos((double)x);
        case UNARY_SQRT: return sqrtf(x);  // correctly rounded
        case UNARY_RECIPROCAL: return 1.0f / x;
        case UNARY_ABS: return fabsf(x);
        case UNARY_SIGN: return (x > 0.0f) ? 1.0f : (x < 0.0f ? -1.0f : x);  // NaN and +-0 kept
        case UNARY_SQUARE: return x * x;
        case UNARY_RELU: return (x > 0.0f || x != x) ? x : 0.0f;  // NaN kept, as in PyTorch
        case UNARY_LEAKY_RELU: return x > 0.0f ? x : p * x;
        case UNARY_SIGMOID: return jsigmoid(x);
        case UNARY_TANH: return (float)tanh((double)x);
        case UNARY_GELU: return 0.5f * x * (1.0f + nr_erf(x * INV_SQRT2));
        default: return __int_as_float(0x7fc00000);
    }
}

__device__ __forceinline__ float binary_op(int op, float a, float b, float p) {
    switch (op) {
        case BINARY_ADD: return a + b;
        case BINARY_SUB: return a - b;
        case BINARY_MUL: return a * b;
        case BINARY_DIV: return a / b;
        case BINARY_MAX: return jmax(a, b);
        case BINARY_MIN: return jmin(a, b);
        case BINARY_POW: return jpow(a, b);
        case BINARY_GREATER: return a > b ? 1.0f : 0.0f;
        case BINARY_EQUAL: return a == b ? 1.0f : 0.0f;
        case BINARY_RELU_BACKWARD: return a > 0.0f ? b : 0.0f;
        case BINARY_LEAKY_RELU_BACKWARD: return a > 0.0f ? b : p * b;
        case BINARY_SIGMOID_BACKWARD: return b * a * (1.0f - a);
        case BINARY_TANH_BACKWARD: return b * (1.0f - a * a);
        case BINARY_GELU_BACKWARD: return b * (0.5f * (1.0f + nr_erf(a * INV_SQRT2))
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
