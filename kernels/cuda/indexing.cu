// Index primitives: gather, scatter_add and select (the op family of dev.adjoint.tensor.Indexing),
// as kernels/opencl/indexing.cl. An index is a float holding a whole number in [0, n); any other value
// is never used as an address: gather writes NaN to its output element, scatter_add writes NaN over the
// whole fiber of the bad index. The index view is [outer][m][inner] with strides s0, s1, s2 (0 broadcasts).
#include "common.cuh"

#define MAX_RANK 8

// A strided view of rank <= 8 for select: shape and the strides of the condition, a and b (floats).
struct Layout3 { long long rank; long long shape[MAX_RANK]; long long c[MAX_RANK]; long long a[MAX_RANK];
                 long long b[MAX_RANK]; };

// IndexException.valid: v >= 0, v < n and whole (a NaN fails the first test).
__device__ __forceinline__ bool index_ok(float v, int n) {
    return v >= 0.0f && v < (float)n && v == (float)(int)v;
}

// out[o][j][i] = x[o][index(o, j, i)][i]: one thread per output element.
extern "C" __global__ void gather_forward(int outer, int n, int inner, int m, const float* x,
                                          const float* index, long long s0, long long s1, long long s2,
                                          float* out) {
    FOR_EACH(t, (long long)outer * m * inner) {
        long long i = t % inner, r = t / inner;
        long long j = r % m, o = r / m;
        float v = index[o * s0 + j * s1 + i * s2];
        out[t] = index_ok(v, n) ? x[(o * n + (int)v) * inner + i] : quiet_nan();
    }
}

// out[o][index(o, j, i)][i] += src[o][j][i]: one thread per fiber (o, i), which alone writes that fiber
// and adds its sources in order of j: no atomics, the same sums every run.
extern "C" __global__ void scatter_add_forward(int outer, int n, int inner, int m, const float* index,
                                               long long s0, long long s1, long long s2, const float* src,
                                               float* out) {
    FOR_EACH(f, (long long)outer * inner) {
        long long i = f % inner, o = f / inner;
        float* base = out + o * n * inner + i;
        bool bad = false;
        for (int j = 0; j < m; j++) {
            float v = index[o * s0 + j * s1 + i * s2];
            if (index_ok(v, n)) {
                base[(long long)(int)v * inner] += src[(o * m + j) * inner + i];
            } else {
                bad = true;
            }
        }
        if (bad) {
            for (int p = 0; p < n; p++) base[(long long)p * inner] = quiet_nan();
        }
    }
}

// out = c != 0 ? a : b, all contiguous.
extern "C" __global__ void select_forward(long long n, const float* c, const float* a, const float* b,
                                          float* out) {
    FOR_EACH(i, n) { out[i] = c[i] != 0.0f ? a[i] : b[i]; }
}

extern "C" __global__ void select_strided_forward(long long n, const float* c, const float* a, const float* b,
                                                  Layout3 l, float* out) {
    FOR_EACH(i, n) {
        long long rest = i, ci = 0, ai = 0, bi = 0;
        for (int d = (int)l.rank - 1; d >= 0; d--) {
            long long k = rest % l.shape[d];
            rest /= l.shape[d];
            ci += k * l.c[d];
            ai += k * l.a[d];
            bi += k * l.b[d];
        }
        out[i] = c[ci] != 0.0f ? a[ai] : b[bi];
    }
}
