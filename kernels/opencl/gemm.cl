// SGEMM, row-major: C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n, with leading dimensions.
// When beta == 0, C is never read.
//
// gemm_{nn,nt,tn,tt}: tiled, in one of two versions chosen by -DGEMM_KERNEL (GemmConfig): 2 is
// the GPU kernel described at its definition below; 1 (the default, CPUs) follows. A work-group of WX×WY work-items computes a BM×BN block of C
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

inline float op_a(const int ta, __global const float* A, int lda, int i, int p) {
    return ta ? A[(long) p * lda + i] : A[(long) i * lda + p];
}

inline float op_b(const int tb, __global const float* B, int ldb, int p, int j) {
    return tb ? B[(long) j * ldb + p] : B[(long) p * ldb + j];
}

#if GEMM_KERNEL == 2

// Version 2 (GPUs; GEMM_KERNEL=2). A work-group of WX×WY work-items computes a BM×BN block of C
// (BM = WY·TM, BN = WX·TN); each work-item owns (TM/4)×(TN/4) sub-blocks of 4×4 outputs, strided by
// 4·WY rows and 4·WX columns, so that a warp's float4 reads of the local tiles are contiguous (B)
// or broadcast (A): no bank conflicts. Both tiles are k-major in local memory (As[kk][i] with rows
// of BM + PAD floats, Bs[kk][j] likewise) and double-buffered: the next k-slice is read from
// global memory into registers before the current one is multiplied, and stored to the other
// buffer after it, with one barrier per slice. Global reads are float4 where the operand is
// 16-byte aligned (leading dimension and offset multiples of 4) and the tile lies inside the
// matrix, otherwise scalar and zero-filled, so ragged edges, offsets and transposes all work.

#define BM (WY * TM)
#define BN (WX * TN)
#define MA (TM / 4)
#define NB (TN / 4)
#define NT (WX * WY)
#define BMP (BM + PAD)
#define BNP (BN + PAD)
#define LA (BM * BK / (4 * NT))
#define LB (BN * BK / (4 * NT))

// Four consecutive floats of row r from column c of a row-major matrix with rlim rows and clim
// columns: one float4 load when fast (in bounds and aligned), else per element, zero outside.
inline float4 tile_read(__global const float* src, int ld, int r, int c, int rlim, int clim, int fast) {
    __global const float* p = src + (long) r * ld + c;
    if (fast) return *(__global const float4*) p;
    float4 v = (float4) (0.0f);
    if (r < rlim) {
        if (c < clim) v.s0 = p[0];
        if (c + 1 < clim) v.s1 = p[1];
        if (c + 2 < clim) v.s2 = p[2];
        if (c + 3 < clim) v.s3 = p[3];
    }
    return v;
}

// This work-item's share of the A tile op(A)[row0.., p0..] (LA float4s), read along A's rows.
inline void load_a(const int ta, __global const float* A, int lda, int align, int row0, int p0, int m, int k,
                   int tid, float4* ra) {
    const int fast = align && row0 + BM <= m && p0 + BK <= k;
#pragma unroll
    for (int l = 0; l < LA; l++) {
        const int q = tid + l * NT;
        ra[l] = ta ? tile_read(A, lda, p0 + q / (BM / 4), row0 + q % (BM / 4) * 4, k, m, fast)
                   : tile_read(A, lda, row0 + q / (BK / 4), p0 + q % (BK / 4) * 4, m, k, fast);
    }
}

inline void store_a(const int ta, __local float* As, int tid, const float4* ra) {
#pragma unroll
    for (int l = 0; l < LA; l++) {
        const int q = tid + l * NT;
        if (ta) {
            *(__local float4*) (As + q / (BM / 4) * BMP + q % (BM / 4) * 4) = ra[l];
        } else {
            const int i = q / (BK / 4), kk = q % (BK / 4) * 4;
            As[kk * BMP + i] = ra[l].s0;
            As[(kk + 1) * BMP + i] = ra[l].s1;
            As[(kk + 2) * BMP + i] = ra[l].s2;
            As[(kk + 3) * BMP + i] = ra[l].s3;
        }
    }
}

// This work-item's share of the B tile op(B)[p0.., col0..] (LB float4s), read along B's rows.
inline void load_b(const int tb, __global const float* B, int ldb, int align, int col0, int p0, int n, int k,
                   int tid, float4* rb) {
    const int fast = align && col0 + BN <= n && p0 + BK <= k;
#pragma unroll
    for (int l = 0; l < LB; l++) {
        const int q = tid + l * NT;
        rb[l] = tb ? tile_read(B, ldb, col0 + q / (BK / 4), p0 + q % (BK / 4) * 4, n, k, fast)
                   : tile_read(B, ldb, p0 + q / (BN / 4), col0 + q % (BN / 4) * 4, k, n, fast);
    }
}

inline void store_b(const int tb, __local float* Bs, int tid, const float4* rb) {
#pragma unroll
    for (int l = 0; l < LB; l++) {
        const int q = tid + l * NT;
        if (!tb) {
            *(__local float4*) (Bs + q / (BN / 4) * BNP + q % (BN / 4) * 4) = rb[l];
        } else {
            const int j = q / (BK / 4), kk = q % (BK / 4) * 4;
            Bs[kk * BNP + j] = rb[l].s0;
            Bs[(kk + 1) * BNP + j] = rb[l].s1;
            Bs[(kk + 2) * BNP + j] = rb[l].s2;
            Bs[(kk + 3) * BNP + j] = rb[l].s3;
        }
    }
}

// Writes four outputs at column j0 of a row of C, clipped to n columns.
inline void store_c4(float4 acc, float alpha, float beta, __global float* crow, int j0, int n) {
    if (j0 + 4 <= n) {
        float4 r = alpha * acc;
        if (beta != 0.0f) r += beta * vload4(0, crow + j0);
        vstore4(r, 0, crow + j0);
    } else {
        float t[4];
        vstore4(acc, 0, t);
        for (int l = 0; l < 4 && j0 + l < n; l++) {
            crow[j0 + l] = beta != 0.0f ? alpha * t[l] + beta * crow[j0 + l] : alpha * t[l];
        }
    }
}

inline void gemm_tiled(const int ta, const int tb, int m, int n, int k, float alpha,
                       __global const float* A, int lda, int align_a, __global const float* B, int ldb, int align_b,
                       float beta, __global float* C, int ldc, __local float* As, __local float* Bs) {
    const int tx = get_local_id(0), ty = get_local_id(1), tid = ty * WX + tx;
    const int row0 = get_group_id(1) * BM, col0 = get_group_id(0) * BN;
    float4 acc[MA][4][NB];
#pragma unroll
    for (int x = 0; x < MA; x++)
#pragma unroll
        for (int r = 0; r < 4; r++)
#pragma unroll
            for (int y = 0; y < NB; y++) acc[x][r][y] = (float4) (0.0f);
    float4 ra[LA], rb[LB];

    const int tiles = (k + BK - 1) / BK;
    load_a(ta, A, lda, align_a, row0, 0, m, k, tid, ra);
    load_b(tb, B, ldb, align_b, col0, 0, n, k, tid, rb);
    store_a(ta, As, tid, ra);
    store_b(tb, Bs, tid, rb);
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int t = 0; t < tiles; t++) {
        const int cur = t & 1, more = t + 1 < tiles;
        if (more) {
            load_a(ta, A, lda, align_a, row0, (t + 1) * BK, m, k, tid, ra);
            load_b(tb, B, ldb, align_b, col0, (t + 1) * BK, n, k, tid, rb);
        }
        __local const float* as = As + cur * (BK * BMP) + ty * 4;
        __local const float* bs = Bs + cur * (BK * BNP) + tx * 4;
#pragma unroll
        for (int kk = 0; kk < BK; kk++) {
            float4 a[MA], b[NB];
#pragma unroll
            for (int x = 0; x < MA; x++) a[x] = *(__local const float4*) (as + kk * BMP + x * 4 * WY);
#pragma unroll
            for (int y = 0; y < NB; y++) b[y] = *(__local const float4*) (bs + kk * BNP + y * 4 * WX);
#pragma unroll
            for (int x = 0; x < MA; x++)
#pragma unroll
                for (int y = 0; y < NB; y++) {
                    acc[x][0][y] = mad((float4) (a[x].s0), b[y], acc[x][0][y]);
                    acc[x][1][y] = mad((float4) (a[x].s1), b[y], acc[x][1][y]);
                    acc[x][2][y] = mad((float4) (a[x].s2), b[y], acc[x][2][y]);
                    acc[x][3][y] = mad((float4) (a[x].s3), b[y], acc[x][3][y]);
                }
        }
        if (more) {
            store_a(ta, As + (cur ^ 1) * (BK * BMP), tid, ra);
            store_b(tb, Bs + (cur ^ 1) * (BK * BNP), tid, rb);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

#pragma unroll
    for (int x = 0; x < MA; x++)
#pragma unroll
        for (int r = 0; r < 4; r++) {
            const int row = row0 + x * 4 * WY + ty * 4 + r;
            if (row < m) {
#pragma unroll
                for (int y = 0; y < NB; y++) {
                    store_c4(acc[x][r][y], alpha, beta, C + (long) row * ldc, col0 + y * 4 * WX + tx * 4, n);
                }
            }
        }
}

#define GEMM_KERNEL_DEF(NAME, TA, TB)                                                            \
    __kernel __attribute__((reqd_work_group_size(WX, WY, 1)))                                  \
    void NAME(int m, int n, int k, float alpha,                                                  \
              __global const float* A, long aoff, int lda, __global const float* B, long boff,  \
              int ldb, float beta, __global float* C, long coff, int ldc) {                      \
        __local float4 As[2 * BK * BMP / 4];                                                     \
        __local float4 Bs[2 * BK * BNP / 4];                                                     \
        gemm_tiled(TA, TB, m, n, k, alpha, A + aoff, lda, (lda & 3) == 0 && (aoff & 3) == 0,     \
                   B + boff, ldb, (ldb & 3) == 0 && (boff & 3) == 0, beta, C + coff, ldc,        \
                   (__local float*) As, (__local float*) Bs);                                    \
    }

GEMM_KERNEL_DEF(gemm_nn, 0, 0)
GEMM_KERNEL_DEF(gemm_nt, 0, 1)
GEMM_KERNEL_DEF(gemm_tn, 1, 0)
GEMM_KERNEL_DEF(gemm_tt, 1, 1)

#else // GEMM_KERNEL == 1

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

#define GEMM_KERNEL_DEF(NAME, TA, TB)                                                              \
    __kernel __attribute__((reqd_work_group_size(WX, WY, 1)))                                  \
    void NAME(int m, int n, int k, float alpha,                                                  \
              __global const float* A, long aoff, int lda, __global const float* B, long boff,  \
              int ldb, float beta, __global float* C, long coff, int ldc) {                      \
        __local float As[BK * BM];                                                               \
        __local float Bs[BK * BN];                                                               \
        gemm_tiled(TA, TB, m, n, k, alpha, A + aoff, lda, B + boff, ldb, beta, C + coff, ldc,    \
                   As, Bs);                                                                      \
    }

GEMM_KERNEL_DEF(gemm_nn, 0, 0)
GEMM_KERNEL_DEF(gemm_nt, 0, 1)
GEMM_KERNEL_DEF(gemm_tn, 1, 0)
GEMM_KERNEL_DEF(gemm_tt, 1, 1)

#endif // GEMM_KERNEL

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
