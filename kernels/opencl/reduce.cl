// Reductions of the middle axis of a contiguous [outer, n, inner] block into [outer, inner].
//
// inner == 1 (rows): reduce_forward gives each row `chunks` work-groups of RED_WG work-items. With
// one chunk the group writes the result; with more (one long row) each group writes a partial
// (value, index) pair and reduce_partials_forward combines them. inner > 1 (columns):
// reduce_columns_forward gives each output one work-item that walks n in order.
//
// MAX/MIN/ARGMAX/ARGMIN reduce (value, index) pairs with a comparator that prefers NaN, then the
// better value, then the lower index: associative and commutative, so any tree gives what the
// CPU's sequential loop gives (the first NaN, else the first extreme).

inline int is_sum(int op) {
    return op == REDUCE_SUM || op == REDUCE_MEAN;
}

inline float identity_of(int op) {
    return is_sum(op) ? 0.0f : ((op == REDUCE_MAX || op == REDUCE_ARGMAX) ? -INFINITY : INFINITY);
}

inline void combine(int op, float* v, int* at, float v2, int at2) {
    if (is_sum(op)) {
        *v += v2;
        return;
    }
    int take;
    if (isnan(*v)) take = isnan(v2) && at2 < *at;
    else if (isnan(v2)) take = 1;
    else if (v2 == *v) take = at2 < *at;
    else take = (op == REDUCE_MAX || op == REDUCE_ARGMAX) ? v2 > *v : v2 < *v;
    if (take) {
        *v = v2;
        *at = at2;
    }
}

inline float result_of(int op, float v, int at, int n) {
    switch (op) {
        case REDUCE_SUM: case REDUCE_MAX: case REDUCE_MIN: return v;
        case REDUCE_MEAN: return v / (float) n;
        case REDUCE_ARGMAX: case REDUCE_ARGMIN: return (float) at;
        default: return NAN;
    }
}

// Tree reduction of one pair per work-item; the group's result is left in vs[0], ats[0].
inline void group_combine(int op, float v, int at, __local float* vs, __local int* ats) {
    int lid = get_local_id(0);
    vs[lid] = v;
    ats[lid] = at;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = RED_WG / 2; s > 0; s >>= 1) {
        if (lid < s) {
            combine(op, &v, &at, vs[lid + s], ats[lid + s]);
            vs[lid] = v;
            ats[lid] = at;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
}

__kernel void reduce_forward(int op, int rows, int n, int chunk, int chunks,
                             __global const float* x, long xoff,
                             __global float* out, long ooff, __global float* partials) {
    __local float vs[RED_WG];
    __local int ats[RED_WG];
    int g = get_group_id(0);
    int row = g / chunks, c = g % chunks;
    int lo = c * chunk, hi = row < rows ? min(n, lo + chunk) : lo;   // bounds guard (no early return
                                                                     // ahead of a barrier: PoCL 3.1)
    __global const float* xr = x + xoff + (long) row * n;
    float v = identity_of(op);
    int at = INT_MAX;
    for (int p = lo + (int) get_local_id(0); p < hi; p += RED_WG) {
        combine(op, &v, &at, xr[p], p);
    }
    group_combine(op, v, at, vs, ats);
    if (get_local_id(0) == 0 && row < rows) {
        if (chunks == 1) {
            out[ooff + row] = result_of(op, vs[0], ats[0], n);
        } else {
            partials[2 * g] = vs[0];
            partials[2 * g + 1] = as_float(ats[0]);
        }
    }
}

__kernel void reduce_partials_forward(int op, int rows, int n, int chunks,
                                      __global const float* partials, __global float* out, long ooff) {
    __local float vs[RED_WG];
    __local int ats[RED_WG];
    int row = get_group_id(0);
    float v = identity_of(op);
    int at = INT_MAX;
    for (int c = get_local_id(0); c < (row < rows ? chunks : 0); c += RED_WG) {   // bounds guard
        int g = row * chunks + c;
        combine(op, &v, &at, partials[2 * g], as_int(partials[2 * g + 1]));
    }
    group_combine(op, v, at, vs, ats);
    if (get_local_id(0) == 0 && row < rows) out[ooff + row] = result_of(op, vs[0], ats[0], n);
}

__kernel void reduce_columns_forward(int op, int outer, int n, int inner,
                                     __global const float* x, long xoff, __global float* out, long ooff) {
    long gid = get_global_id(0);
    if (gid >= (long) outer * inner) return;
    long o = gid / inner, j = gid % inner;
    __global const float* xc = x + xoff + o * n * inner + j;
    if (is_sum(op)) {
        float s = 0.0f, comp = 0.0f;        // Kahan: n may be a whole batch or data set
        for (int p = 0; p < n; p++) {
            float y = xc[(long) p * inner] - comp;
            float t = s + y;
            comp = (t - s) - y;
            s = t;
        }
        out[ooff + gid] = result_of(op, s, 0, n);
        return;
    }
    float v = xc[0];
    int at = 0;
    for (int p = 1; p < n && !isnan(v); p++) {
        combine(op, &v, &at, xc[(long) p * inner], p);
    }
    out[ooff + gid] = result_of(op, v, at, n);
}
