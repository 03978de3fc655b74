// Reductions over the middle axis of a contiguous [outer][n][inner] block (dev.adjoint.device.ReduceOp
// ordinals: 0 SUM, 1 MEAN, 2 MAX, 3 MIN, 4 ARGMAX, 5 ARGMIN). Sums accumulate in double; MAX/MIN
// propagate NaN and ARGMAX/ARGMIN return the first NaN or else the first extreme, as the CPU does.
#include "common.cuh"

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
        case 0: return (float)sum;
        case 1: return (float)(sum / (double)n);
        case 2: case 3: return best;
        default: return (float)at;
    }
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
    if (op <= 1) {
        double s = 0;
        for (long long p = threadIdx.x; p < n; p += BLOCK) s += r[p];
        s = block_sum(s, sums);
        if (threadIdx.x == 0) out[row] = finish(op, s, 0, 0, n);
        return;
    }
    bool wantMax = op == 2 || op == 4;
    float best = quiet_nan();
    long long at = -1;
    for (long long p = threadIdx.x; p < n; p += BLOCK) {
        if (at < 0 || beats(best, at, r[p], p, wantMax)) { best = r[p]; at = p; }
    }
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
    if (threadIdx.x == 0) out[row] = finish(op, 0, vals[0], idxs[0], n);
}

// Any inner: one thread per output element walks its column of n elements (coalesced over inner).
extern "C" __global__ void reduce_columns_forward(int op, long long outer, long long n, long long inner,
                                                  const float* __restrict__ x, float* __restrict__ out) {
    FOR_EACH(i, outer * inner) {
        long long o = i / inner, j = i % inner;
        const float* c = x + o * n * inner + j;
        if (op <= 1) {
            double s = 0;
            for (long long p = 0; p < n; p++) s += c[p * inner];
            out[i] = finish(op, s, 0, 0, n);
        } else {
            bool wantMax = op == 2 || op == 4;
            float best = c[0];
            long long at = 0;
            for (long long p = 1; p < n && best == best; p++) {
                if (beats(best, at, c[p * inner], p, wantMax)) { best = c[p * inner]; at = p; }
            }
            out[i] = finish(op, 0, best, at, n);
        }
    }
}
