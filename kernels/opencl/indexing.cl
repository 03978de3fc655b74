// Index primitives: gather, scatter_add and select (the op family of dev.adjoint.tensor.Indexing).
// An index is a float holding a whole number in [0, n); any other value is never used as an address:
// gather writes NaN to its output element, scatter_add writes NaN over the whole fiber of the bad index.
// The index view is [outer][m][inner] with strides s0, s1, s2 (0 broadcasts).

// IndexException.valid: v >= 0, v < n and whole (a NaN fails the first test).
inline int index_ok(float v, int n) {
    return v >= 0.0f && v < (float) n && v == (float) (int) v;
}

// out[o][j][i] = x[o][index(o, j, i)][i]: one work-item per output element.
__kernel void gather_forward(int outer, int n, int inner, int m,
                             __global const float* x, long xoff,
                             __global const float* index, long ioff, long s0, long s1, long s2,
                             __global float* out, long ooff) {
    long t = get_global_id(0);
    if (t >= (long) outer * m * inner) return;   // bounds guard
    long i = t % inner;
    long r = t / inner;
    long j = r % m;
    long o = r / m;
    float v = index[ioff + o * s0 + j * s1 + i * s2];
    out[ooff + t] = index_ok(v, n) ? x[xoff + (o * n + (int) v) * inner + i] : NAN;
}

// out[o][index(o, j, i)][i] += src[o][j][i]: one work-item per fiber (o, i), which alone writes that
// fiber and adds its sources in order of j: no atomics, the same sums every run.
__kernel void scatter_add_forward(int outer, int n, int inner, int m,
                                  __global const float* index, long ioff, long s0, long s1, long s2,
                                  __global const float* src, long soff,
                                  __global float* out, long ooff) {
    long f = get_global_id(0);
    if (f >= (long) outer * inner) return;       // bounds guard
    long i = f % inner;
    long o = f / inner;
    long base = ooff + o * n * inner + i;
    int bad = 0;
    for (int j = 0; j < m; j++) {
        float v = index[ioff + o * s0 + j * s1 + i * s2];
        if (index_ok(v, n)) {
            out[base + (long) ((int) v) * inner] += src[soff + (o * m + j) * inner + i];
        } else {
            bad = 1;
        }
    }
    if (bad) {
        for (int p = 0; p < n; p++) out[base + (long) p * inner] = NAN;
    }
}

// out = c != 0 ? a : b, all contiguous.
__kernel void select_forward(long n, __global const float* c, long coff, __global const float* a, long aoff,
                             __global const float* b, long boff, __global float* out, long ooff) {
    long i = get_global_id(0);
    if (i >= n) return;
    out[ooff + i] = c[coff + i] != 0.0f ? a[aoff + i] : b[boff + i];
}

// The same over strided views of rank <= 8 (shape and strides padded with leading size-1 axes).
__kernel void select_strided_forward(long n, int rank, int8 shape,
                                     __global const float* c, long coff, long8 cs,
                                     __global const float* a, long aoff, long8 as,
                                     __global const float* b, long boff, long8 bs,
                                     __global float* out, long ooff) {
    long i = get_global_id(0);
    if (i >= n) return;
    int sh[8] = {shape.s0, shape.s1, shape.s2, shape.s3, shape.s4, shape.s5, shape.s6, shape.s7};
    long sc[8] = {cs.s0, cs.s1, cs.s2, cs.s3, cs.s4, cs.s5, cs.s6, cs.s7};
    long sa[8] = {as.s0, as.s1, as.s2, as.s3, as.s4, as.s5, as.s6, as.s7};
    long sb[8] = {bs.s0, bs.s1, bs.s2, bs.s3, bs.s4, bs.s5, bs.s6, bs.s7};
    long ci = coff, ai = aoff, bi = boff, r = i;
    for (int d = 7; d >= 8 - rank; d--) {
        long k = r % sh[d];
        r /= sh[d];
        ci += k * sc[d];
        ai += k * sa[d];
        bi += k * sb[d];
    }
    out[ooff + i] = c[ci] != 0.0f ? a[ai] : b[bi];
}
