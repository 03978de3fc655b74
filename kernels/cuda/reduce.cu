// Reductions over the middle axis of a contiguous [outer][n][inner] block (op: a REDUCE_* code of
// op_codes.cuh). Sums accumulate in double; MAX/MIN propagate NaN and ARGMAX/ARGMIN return the
// first NaN or else the first extreme, as the CPU does.
#include "common.cuh"

__device__ __forceinline__ bool is_sum(int op) { return op == REDUCE_SUM || op == REDUCE_MEAN; }

// MAX and ARGMAX look for the largest value, MIN and ARGMIN for the smallest.
__device__ __forceinline__ bool wants_max(int op) { return op == REDUCE_MAX || op == REDUCE_ARGMAX; }

// Whether candidate (bv, bi) beats the current best (av, ai).
__device__ __forceinline__ bool beats(float av, long long ai, float bv, long long bi, bool wantMax) {
    bool an = av != av, bn = bv != bv;
    if (an || bn) return an && bn ? bi < ai : bn;
    if (wantMax ? bv > av : bv < av) return true;
    if (wantMax ? av > bv : av < bv) return false;
    return bi < ai;
}

__device__ __forceinline__ float finish(int op, double sum, float best, long long at, long long n) {
    switch (op) {
        case REDUCE_SUM: return (float)sum;
        case REDUCE_MEAN: return (float)(sum / (double)n);
        case REDUCE_MAX: case REDUCE_MIN: return best;
        case REDUCE_ARGMAX: case REDUCE_ARGMIN: return (float)at;
        default: return quiet_nan();
    }
}

// Block-wide (value, index) reduction: the winner under beats(); index -1 means "nothing yet".
__device__ __forceinline__ void block_best(float& best, long long& at, bool wantMax, float* vals, long long* idxs) {
    vals[threadIdx.x] = best;
    idxs[threadIdx.x] = at;
    __syncthreads();
    for (int s = BLOCK / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            long long oi = idxs[threadIdx.x + s];
            if (oi >= 0 && (idxs[threadIdx.x] < 0
                    || beats(vals[threadIdx.x], idxs[threadIdx.x], vals[threadIdx.x + s], oi, wantMax))) {
                vals[threadIdx.x] = vals[threadIdx.x + s];
                idxs[threadIdx.x] = oi;
            }
        }
        __syncthreads();
    }
    best = vals[0];
    at = idxs[0];
    __syncthreads();
}

// inner == 1: one block per row of n elements.
extern "C" __global__ void reduce_rows_forward(int op, long long outer, long long n,
                                               const float* __restrict__ x, float* __restrict__ out) {
    __shared__ double sums[BLOCK];
    __shared__ float vals[BLOCK];
    __shared__ long long idxs[BLOCK];
    long long row = blockIdx.x;
    if (row >= outer) return;
    const float* r = x + row * n;
    if (is_sum(op)) {
        double s = 0;
        for (long long p = threadIdx.x; p < n; p += BLOCK) s += r[p];
        s = block_sum(s, sums);
        if (threadIdx.x == 0) out[row] = finish(op, s, 0, 0, n);
        return;
    }
    bool wantMax = wants_max(op);
    float best = quiet_nan();
    long long at = -1;
    for (long long p = threadIdx.x; p < n; p += BLOCK) {
        if (at < 0 || beats(best, at, r[p], p, wantMax)) { best = r[p]; at = p; }
    }
    block_best(best, at, wantMax, vals, idxs);
    if (threadIdx.x == 0) out[row] = finish(op, 0, best, at, n);
}

// Any inner: one thread per output element walks its column of n elements (coalesced over inner).
extern "C" __global__ void reduce_columns_forward(int op, long long outer, long long n, long long inner,
                                                  const float* __restrict__ x, float* __restrict__ out) {
    FOR_EACH(i, outer * inner) {
        long long o = i / inner, j = i % inner;
        const float* c = x + o * n * inner + j;
        if (is_sum(op)) {
            double s = 0;
            for (long long p = 0; p < n; p++) s += c[p * inner];
            out[i] = finish(op, s, 0, 0, n);
        } else {
            bool wantMax = wants_max(op);
            float best = c[0];
            long long at = 0;
            for (long long p = 1; p < n && best == best; p++) {
                if (beats(best, at, c[p * inner], p, wantMax)) { best = c[p * inner]; at = p; }
            }
            out[i] = finish(op, 0, best, at, n);
        }
    }
}

// Long rows of few outputs (inner == 1): pass 1 splits each row into gridDim.x chunks, one block
// each (blockIdx.y is the row), and stores a partial per chunk as two doubles: the sum, or the
// winning value and its index. Pass 2 combines a row's partials in chunk order.
extern "C" __global__ void reduce_partial_forward(int op, long long outer, long long n, long long chunk,
                                                  const float* __restrict__ x, double* __restrict__ partial) {
    __shared__ double sums[BLOCK];
    __shared__ float vals[BLOCK];
    __shared__ long long idxs[BLOCK];
    long long row = blockIdx.y, split = blockIdx.x;
    if (row >= outer) return;
    const float* r = x + row * n;
    long long start = split * chunk, end = min(n, start + chunk);
    double* p = partial + (row * gridDim.x + split) * 2;
    if (is_sum(op)) {
        double s = 0;
        for (long long i = start + threadIdx.x; i < end; i += BLOCK) s += r[i];
        s = block_sum(s, sums);
        if (threadIdx.x == 0) { p[0] = s; p[1] = 0; }
        return;
    }
    bool wantMax = wants_max(op);
    float best = quiet_nan();
    long long at = -1;
    for (long long i = start + threadIdx.x; i < end; i += BLOCK) {
        if (at < 0 || beats(best, at, r[i], i, wantMax)) { best = r[i]; at = i; }
    }
    block_best(best, at, wantMax, vals, idxs);
    if (threadIdx.x == 0) { p[0] = best; p[1] = (double)at; }
}

extern "C" __global__ void reduce_combine_forward(int op, long long outer, long long n, long long splits,
                                                  const double* __restrict__ partial, float* __restrict__ out) {
    long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= outer) return;
    const double* p = partial + row * splits * 2;
    bool wantMax = wants_max(op);
    double s = 0;
    float best = (float)p[0];
    long long at = (long long)p[1];
    for (long long k = 0; k < splits; k++) {
        s += p[2 * k];
        if (k > 0 && !is_sum(op) && at >= 0) {
            long long i = (long long)p[2 * k + 1];
            if (i >= 0 && beats(best, at, (float)p[2 * k], i, wantMax)) { best = (float)p[2 * k]; at = i; }
        }
    }
    out[row] = finish(op, s, best, at, n);
}
