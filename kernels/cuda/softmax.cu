// Row softmax / log-softmax and the fused softmax cross-entropy, forward and backward, one block
// of BLOCK threads per row. Sums of exponentials accumulate in double, as on the CPU. An output
// may be the memory of an input (in-place), so those pointers are not __restrict__: every thread
// reads an element before it writes the same element, after the block's reductions.
#include "common.cuh"

extern "C" __global__ void softmax_forward(int log_, long long rows, long long cols,
                                           const float* x, float* out) {
    __shared__ double sums[BLOCK];
    __shared__ float maxes[BLOCK];
    long long row = blockIdx.x;
    if (row >= rows) return;
    const float* xr = x + row * cols;
    float* o = out + row * cols;
    float m = -INFINITY;
    for (long long j = threadIdx.x; j < cols; j += BLOCK) m = jmax(m, xr[j]);
    m = block_max(m, maxes);
    double s = 0;
    for (long long j = threadIdx.x; j < cols; j += BLOCK) s += exp((double)(xr[j] - m));
    s = block_sum(s, sums);
    if (log_) {
        float lse = m + (float)log(s);
        for (long long j = threadIdx.x; j < cols; j += BLOCK) o[j] = xr[j] - lse;
    } else {
        float inv = (float)(1.0 / s);
        for (long long j = threadIdx.x; j < cols; j += BLOCK) o[j] = (float)exp((double)(xr[j] - m)) * inv;
    }
}

// softmax: gx = y (gy - sum gy y);  log-softmax: gx = gy - exp(y) sum gy.
extern "C" __global__ void softmax_backward(int log_, long long rows, long long cols, const float* y,
                                            const float* gy, float* gx) {
    __shared__ double sums[BLOCK];
    long long row = blockIdx.x;
    if (row >= rows) return;
    const float* yr = y + row * cols;
    const float* gr = gy + row * cols;
    float* o = gx + row * cols;
    double d = 0;
    for (long long j = threadIdx.x; j < cols; j += BLOCK) d += log_ ? (double)gr[j] : (double)gr[j] * yr[j];
    float s = (float)block_sum(d, sums);
    for (long long j = threadIdx.x; j < cols; j += BLOCK) {
        o[j] = log_ ? gr[j] - (float)exp((double)yr[j]) * s : yr[j] * (gr[j] - s);
    }
}

// The class index of a row, or -1 when the stored float is not an integer in [0, cols).
__device__ __forceinline__ long long class_of(float t, long long cols) {
    long long c = (long long)t;
    return (t >= 0.0f && t < (float)cols && (float)c == t) ? c : -1;
}

// loss[r] = logsumexp(x[r]) - x[r][t[r]]; probs = softmax(x). An invalid target gives a NaN loss.
extern "C" __global__ void cross_entropy_forward(long long rows, long long cols, const float* x,
                                                 const float* __restrict__ t, float* __restrict__ loss,
                                                 float* probs) {
    __shared__ double sums[BLOCK];
    __shared__ float maxes[BLOCK];
    long long row = blockIdx.x;
    if (row >= rows) return;
    const float* xr = x + row * cols;
    float* pr = probs + row * cols;
    // The target's logit is read before any probability is written (probs may alias x).
    long long c = class_of(t[row], cols);
    float xt = (threadIdx.x == 0 && c >= 0) ? xr[c] : 0.0f;
    float m = -INFINITY;
    for (long long j = threadIdx.x; j < cols; j += BLOCK) m = jmax(m, xr[j]);
    m = block_max(m, maxes);
    double s = 0;
    for (long long j = threadIdx.x; j < cols; j += BLOCK) s += exp((double)(xr[j] - m));
    s = block_sum(s, sums);
    float inv = (float)(1.0 / s);
    for (long long j = threadIdx.x; j < cols; j += BLOCK) pr[j] = (float)exp((double)(xr[j] - m)) * inv;
    if (threadIdx.x == 0) {
        loss[row] = c < 0 ? quiet_nan() : (float)((double)m + log(s) - (double)xt);
    }
}

// gx[r][c] = (probs[r][c] - [c == t[r]]) * g[r * gStride]; an invalid target gives NaN gradients.
extern "C" __global__ void cross_entropy_backward(long long rows, long long cols, const float* probs,
                                                  const float* t, const float* g, long long gStride, float* gx) {
    FOR_EACH(i, rows * cols) {
        long long r = i / cols, j = i % cols;
        long long c = class_of(t[r], cols);
        float gr = g[r * gStride];
        gx[i] = c < 0 ? quiet_nan() : (probs[i] - (j == c ? 1.0f : 0.0f)) * gr;
    }
}
