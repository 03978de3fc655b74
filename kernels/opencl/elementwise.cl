// Elementwise primitives: fill, unary and binary ops. Each op has a contiguous kernel (the fast
// path: one index, no division) and a strided kernel over a view of rank <= 8 whose shape and
// strides arrive as int8 / long8 arguments, padded with leading size-1 axes. A stride of 0
// broadcasts. Outputs are always contiguous. The scalar definitions follow CpuMath exactly.

#define INV_SQRT2 0.70710678118654752f
#define INV_SQRT_2PI 0.39894228040143268f

inline float sigmoid_stable(float x) {
    // Never exponentiates a large positive number.
    if (x >= 0.0f) return 1.0f / (1.0f + exp(-x));
    float e = exp(x);
    return e / (1.0f + e);
}

inline float java_signum(float x) {
    return x > 0.0f ? 1.0f : (x < 0.0f ? -1.0f : x);   // keeps +-0 and NaN, as Math.signum
}

inline float unary_op(int op, float x, float p) {
    switch (op) {
        case UNARY_COPY: return x;
        case UNARY_NEG: return -x;
        case UNARY_SCALE: return p * x;
        case UNARY_ADD_SCALAR: return x + p;
        case UNARY_POW_SCALAR: return pow(x, p);
        case UNARY_EXP: return exp(x);
        case UNARY_LOG: return log(x);
        case UNARY_SIN: return sin(x);
        case UNARY_COS: return cos(x);
        case UNARY_SQRT: return sqrt(x);
        case UNARY_RECIPROCAL: return 1.0f / x;
        case UNARY_ABS: return fabs(x);
        case UNARY_SIGN: return java_signum(x);
        case UNARY_SQUARE: return x * x;
        case UNARY_RELU: return (x > 0.0f || isnan(x)) ? x : 0.0f;
        case UNARY_LEAKY_RELU: return x > 0.0f ? x : p * x;
        case UNARY_SIGMOID: return sigmoid_stable(x);
        case UNARY_TANH: return tanh(x);
        case UNARY_GELU: return 0.5f * x * (1.0f + erf(x * INV_SQRT2));
        default: return NAN;
    }
}

inline float binary_op(int op, float a, float b, float p) {
    switch (op) {
        case BINARY_ADD: return a + b;
        case BINARY_SUB: return a - b;
        case BINARY_MUL: return a * b;
        case BINARY_DIV: return a / b;
        case BINARY_MAX: return java_max(a, b);
        case BINARY_MIN: return java_min(a, b);
        case BINARY_POW: return pow(a, b);
        case BINARY_GREATER: return a > b ? 1.0f : 0.0f;
        case BINARY_EQUAL: return a == b ? 1.0f : 0.0f;
        case BINARY_RELU_BACKWARD: return a > 0.0f ? b : 0.0f;
        case BINARY_LEAKY_RELU_BACKWARD: return a > 0.0f ? b : p * b;
        case BINARY_SIGMOID_BACKWARD: return b * a * (1.0f - a);
        case BINARY_TANH_BACKWARD: return b * (1.0f - a * a);
        case BINARY_GELU_BACKWARD:
            return b * (0.5f * (1.0f + erf(a * INV_SQRT2)) + a * INV_SQRT_2PI * exp(-0.5f * a * a));
        default: return NAN;
    }
}

// Offset of element i (row-major over shape) in a view with the given strides. Axes before
// 8 - rank have size 1 and are skipped. (Arrays, not long8 values: PoCL warns that passing a long8 to
// any function, builtins included, changes the AVX ABI; the kernel arguments themselves are fine.)
inline long view_offset(long i, int rank, const int* sh, const long* st) {
    long off = 0;
    for (int d = 7; d >= 8 - rank; d--) {
        long c = i % sh[d];
        i /= sh[d];
        off += c * st[d];
    }
    return off;
}

__kernel void fill_forward(__global float* out, long off, long n, float value) {
    long i = get_global_id(0);
    if (i >= n) return;
    out[off + i] = value;
}

__kernel void unary_forward(int op, float p, long n,
                            __global const float* x, long xoff, __global float* out, long ooff) {
    long i = get_global_id(0);
    if (i >= n) return;
    out[ooff + i] = unary_op(op, x[xoff + i], p);
}

__kernel void unary_strided_forward(int op, float p, long n, int rank, int8 shape,
                                    __global const float* x, long xoff, long8 xs,
                                    __global float* out, long ooff) {
    long i = get_global_id(0);
    if (i >= n) return;
    int sh[8] = {shape.s0, shape.s1, shape.s2, shape.s3, shape.s4, shape.s5, shape.s6, shape.s7};
    long st[8] = {xs.s0, xs.s1, xs.s2, xs.s3, xs.s4, xs.s5, xs.s6, xs.s7};
    out[ooff + i] = unary_op(op, x[xoff + view_offset(i, rank, sh, st)], p);
}

__kernel void binary_forward(int op, float p, long n,
                             __global const float* a, long aoff, __global const float* b, long boff,
                             __global float* out, long ooff) {
    long i = get_global_id(0);
    if (i >= n) return;
    out[ooff + i] = binary_op(op, a[aoff + i], b[boff + i], p);
}

__kernel void binary_strided_forward(int op, float p, long n, int rank, int8 shape,
                                     __global const float* a, long aoff, long8 as,
                                     __global const float* b, long boff, long8 bs,
                                     __global float* out, long ooff) {
    long i = get_global_id(0);
    if (i >= n) return;
    int sh[8] = {shape.s0, shape.s1, shape.s2, shape.s3, shape.s4, shape.s5, shape.s6, shape.s7};
    long sa[8] = {as.s0, as.s1, as.s2, as.s3, as.s4, as.s5, as.s6, as.s7};
    long sb[8] = {bs.s0, bs.s1, bs.s2, bs.s3, bs.s4, bs.s5, bs.s6, bs.s7};
    long ai = aoff, bi = boff, r = i;
    for (int d = 7; d >= 8 - rank; d--) {
        long c = r % sh[d];
        r /= sh[d];
        ai += c * sa[d];
        bi += c * sb[d];
    }
    out[ooff + i] = binary_op(op, a[ai], b[bi], p);
}
