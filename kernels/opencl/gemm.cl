// SGEMM, row-major: C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n, with leading dimensions.
// When beta == 0, C is never read.
//
// gemm_{nn,nt,tn,tt}: tiled. A work-group of WX×WY work-items computes a BM×BN block of C
// (BM = WY·TM, BN = WX·TN). For each slice of BK along k the group copies op(A) and op(B) into
// local memory, transposing on the way so both tiles are k-major (As[kk][i], Bs[kk][j]); ragged
// edges are zero-filled, so any m, n, k works. Each work-item then accumulates a TM×TN register
// block: one broadcast of A and TN/VW vector loads of B per row and k step. The tile parameters
// are -D definitions chosen per device type by the launcher (GemmConfig); the transpose flags are
// compile-time constants of each of the four kernels.
//
// Bounds: tile loads are zero-filled and stores clipped outside m×n; there is no early return,
// which PoCL 3.1 miscompiles ahead of a barrier.
//
// gemm_naive: one output per work-item, straight from global memory: the benchmark baseline.

#if VW == 8
#define floatV float8
#define VLOAD vload8
#define VSTORE vstore8
#elif VW == 4
#define floatV float4
#define VLOAD vload4
#define VSTORE vstore4
#else
#error "VW must be 4 or 8"
#endif

#define BM (WY * TM)
#define BN (WX * TN)
#define NV (TN / VW)

// The register block is written out with these repeaters rather than as an array: a private array
// indexed in loops is not always promoted to registers (PoCL keeps it in memory), named variables are.
#if TM == 1
#define FOR_TM(X) X(0)
#elif TM == 2
#define FOR_TM(X) X(0) X(1)
#elif TM == 4
#define FOR_TM(X) X(0) X(1) X(2) X(3)
#elif TM == 8
#define FOR_TM(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#else
#error "TM must be 1, 2, 4 or 8"
#endif
#if NV == 1
#define FOR_NV(X, i) X(i, 0)
#elif NV == 2
#define FOR_NV(X, i) X(i, 0) X(i, 1)
#elif NV == 4
#define FOR_NV(X, i) X(i, 0) X(i, 1) X(i, 2) X(i, 3)
#else
#error "TN / VW must be 1, 2 or 4"
#endif

#define ACC_DECLARE(i, v) floatV acc##i##_##v = (floatV) (0.0f);
#define ROW_DECLARE(i) FOR_NV(ACC_DECLARE, i)
#define B_LOAD(i, v) floatV b##v = VLOAD(v, bs + kk * BN);
#define ACC_FMA(i, v) acc##i##_##v = mad(a##i, b##v, acc##i##_##v);
#define ROW_FMA(i) floatV a##i = (floatV) (as[kk * BM + i]); FOR_NV(ACC_FMA, i)
#define ROW_STORE(i) if (r0 + i < m) { FOR_NV(ACC_STORE, i) }
#define ACC_STORE(i, v) store_c(acc##i##_##v, alpha, beta, C + (long) (r0 + i) * ldc, c0 + v * VW, n);

inline float op_a(const int ta, __global const float* A, int lda, int i, int p) {
    return ta ? A[(long) p * lda + i] : A[(long) i * lda + p];
}

inline float op_b(const int tb, __global const float* B, int ldb, int p, int j) {
    return tb ? B[(long) j * ldb + p] : B[(long) p * ldb + j];
}

// Writes one vector of the register block at column j0 of a row of C, clipped to n columns.
inline void store_c(floatV acc, float alpha, float beta, __global float* crow, int j0, int n) {
    if (j0 + VW <= n) {
        floatV r = alpha * acc;
        if (beta != 0.0f) r += beta * VLOAD(0, crow + j0);
        VSTORE(r, 0, crow + j0);
    } else {
        float t[VW];
        VSTORE(acc, 0, t);
        for (int l = 0; l < VW && j0 + l < n; l++) {
            crow[j0 + l] = beta != 0.0f ? alpha * t[l] + beta * crow[j0 + l] : alpha * t[l];
        }
    }
}

inline void gemm_tiled(const int ta, const int tb, int m, int n, int k, float alpha,
                       __global const float* A, int lda, __global const float* B, int ldb,
                       float beta, __global float* C, int ldc,
                       __local float* As, __local float* Bs) {
    const int tx = get_local_id(0), ty = get_local_id(1);
    const int row0 = get_group_id(1) * BM, col0 = get_group_id(0) * BN;
    FOR_TM(ROW_DECLARE)

    for (int p0 = 0; p0 < k; p0 += BK) {
        // Copy op(A)[row0.., p0..] into As[kk][i] and op(B)[p0.., col0..] into Bs[kk][j], transposing
        // where needed; work-items adjacent in x read adjacent addresses. Interior tiles skip the checks.
        const int full_k = p0 + BK <= k;
        if (full_k && row0 + BM <= m) {
            if (ta) { for (int kk = ty; kk < BK; kk += WY) for (int i = tx; i < BM; i += WX)
                          As[kk * BM + i] = A[(long) (p0 + kk) * lda + row0 + i]; }
            else    { for (int i = ty; i < BM; i += WY) for (int kk = tx; kk < BK; kk += WX)
                          As[kk * BM + i] = A[(long) (row0 + i) * lda + p0 + kk]; }
        } else {
            if (ta) { for (int kk = ty; kk < BK; kk += WY) for (int i = tx; i < BM; i += WX)
                          As[kk * BM + i] = (row0 + i < m && p0 + kk < k) ? A[(long) (p0 + kk) * lda + row0 + i] : 0.0f; }
            else    { for (int i = ty; i < BM; i += WY) for (int kk = tx; kk < BK; kk += WX)
                          As[kk * BM + i] = (row0 + i < m && p0 + kk < k) ? A[(long) (row0 + i) * lda + p0 + kk] : 0.0f; }
        }
        if (full_k && col0 + BN <= n) {
            if (tb) { for (int j = ty; j < BN; j += WY) for (int kk = tx; kk < BK; kk += WX)
                          Bs[kk * BN + j] = B[(long) (col0 + j) * ldb + p0 + kk]; }
            else    { for (int kk = ty; kk < BK; kk += WY) for (int j = tx; j < BN; j += WX)
                          Bs[kk * BN + j] = B[(long) (p0 + kk) * ldb + col0 + j]; }
        } else {
            if (tb) { for (int j = ty; j < BN; j += WY) for (int kk = tx; kk < BK; kk += WX)
                          Bs[kk * BN + j] = (col0 + j < n && p0 + kk < k) ? B[(long) (col0 + j) * ldb + p0 + kk] : 0.0f; }
            else    { for (int kk = ty; kk < BK; kk += WY) for (int j = tx; j < BN; j += WX)
                          Bs[kk * BN + j] = (col0 + j < n && p0 + kk < k) ? B[(long) (p0 + kk) * ldb + col0 + j] : 0.0f; }
        }
        barrier(CLK_LOCAL_MEM_FENCE);
        __local const float* as = As + ty * TM;
        __local const float* bs = Bs + tx * TN;
        for (int kk = 0; kk < BK; kk++) {
            FOR_NV(B_LOAD, _)
            FOR_TM(ROW_FMA)
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    const int r0 = row0 + ty * TM, c0 = col0 + tx * TN;
    FOR_TM(ROW_STORE)
}

#define GEMM_KERNEL(NAME, TA, TB)                                                                \
    __kernel __attribute__((reqd_work_group_size(WX, WY, 1)))                                  \
    void NAME(int m, int n, int k, float alpha,                                                  \
              __global const float* A, long aoff, int lda, __global const float* B, long boff,  \
              int ldb, float beta, __global float* C, long coff, int ldc) {                      \
        __local float As[BK * BM];                                                               \
        __local float Bs[BK * BN];                                                               \
        gemm_tiled(TA, TB, m, n, k, alpha, A + aoff, lda, B + boff, ldb, beta, C + coff, ldc,    \
                   As, Bs);                                                                      \
    }

GEMM_KERNEL(gemm_nn, 0, 0)
GEMM_KERNEL(gemm_nt, 0, 1)
GEMM_KERNEL(gemm_tn, 1, 0)
GEMM_KERNEL(gemm_tt, 1, 1)

__kernel void gemm_naive(int ta, int tb, int m, int n, int k, float alpha,
                         __global const float* A, long aoff, int lda, __global const float* B, long boff,
                         int ldb, float beta, __global float* C, long coff, int ldc) {
    int j = get_global_id(0), i = get_global_id(1);
    if (i >= m || j >= n) return;
    A += aoff;
    B += boff;
    float s = 0.0f;
    for (int p = 0; p < k; p++) s += op_a(ta, A, lda, i, p) * op_b(tb, B, ldb, p, j);
    __global float* c = C + coff + (long) i * ldc + j;
    *c = beta != 0.0f ? alpha * s + beta * *c : alpha * s;
}

// C = beta·C over m×n (k == 0 or alpha == 0); beta == 0 writes zeros without reading C.
__kernel void gemm_scale(int m, int n, float beta, __global float* C, long coff, int ldc) {
    int j = get_global_id(0), i = get_global_id(1);
    if (i >= m || j >= n) return;
    __global float* c = C + coff + (long) i * ldc + j;
    *c = beta != 0.0f ? beta * *c : 0.0f;
}
