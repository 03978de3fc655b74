// Row softmax / log-softmax and the fused softmax cross-entropy, forward and backward.
// Row kernels run one work-group of RED_WG work-items per row (max, then sum, then write);
// cross_entropy_backward is elementwise over rows×cols.
//
// Kernels with barriers guard by clipping their ranges to nothing, never by returning early:
// PoCL 3.1 crashes on a (uniform) early return ahead of a barrier.

__kernel void softmax_forward(int log_softmax, int rows, int cols,
                              __global const float* x, long xoff, __global float* out, long ooff) {
    __local float scratch[RED_WG];
    int row = get_group_id(0), lid = get_local_id(0);
    if (row >= rows) cols = 0;   // bounds guard
    __global const float* xr = x + xoff + (long) row * cols;
    __global float* orow = out + ooff + (long) row * cols;
    float m = -INFINITY;
    for (int j = lid; j < cols; j += RED_WG) m = java_max(m, xr[j]);
    m = group_max(m, scratch);
    float s = 0.0f;
    for (int j = lid; j < cols; j += RED_WG) s += exp(xr[j] - m);
    s = group_sum(s, scratch);
    if (log_softmax) {
        float lse = m + log(s);
        for (int j = lid; j < cols; j += RED_WG) orow[j] = xr[j] - lse;
    } else {
        float inv = 1.0f / s;
        for (int j = lid; j < cols; j += RED_WG) orow[j] = exp(xr[j] - m) * inv;
    }
}

// gx = y·(gy − Σ gy·y) for softmax; gx = gy − exp(y)·Σ gy for log-softmax (y is the output).
__kernel void softmax_backward(int log_softmax, int rows, int cols,
                               __global const float* y, long yoff, __global const float* gy, long gyoff,
                               __global float* gx, long gxoff) {
    __local float scratch[RED_WG];
    int row = get_group_id(0), lid = get_local_id(0);
    if (row >= rows) cols = 0;   // bounds guard
    long base = (long) row * cols;
    __global const float* yr = y + yoff + base;
    __global const float* gr = gy + gyoff + base;
    __global float* orow = gx + gxoff + base;
    float d = 0.0f;
    for (int j = lid; j < cols; j += RED_WG) d += log_softmax ? gr[j] : gr[j] * yr[j];
    d = group_sum(d, scratch);
    for (int j = lid; j < cols; j += RED_WG) {
        orow[j] = log_softmax ? gr[j] - exp(yr[j]) * d : yr[j] * (gr[j] - d);
    }
}

// loss[r] = logsumexp(x[r]) − x[r][t[r]]; probs = softmax(x). A target outside [0, cols) or not an
// integer gives a NaN loss (the tensor front end checks targets before the call).
__kernel void cross_entropy_forward(int rows, int cols, __global const float* x, long xoff,
                                    __global const float* targets, long toff,
                                    __global float* loss, long loff, __global float* probs, long poff) {
    __local float scratch[RED_WG];
    int row = get_group_id(0), lid = get_local_id(0);
    if (row >= rows) cols = 0;   // bounds guard
    __global const float* xr = x + xoff + (long) row * cols;
    __global float* pr = probs + poff + (long) row * cols;
    float m = -INFINITY;
    for (int j = lid; j < cols; j += RED_WG) m = java_max(m, xr[j]);
    m = group_max(m, scratch);
    float s = 0.0f;
    for (int j = lid; j < cols; j += RED_WG) s += exp(xr[j] - m);
    // The target logit is read before the barrier in group_sum, so before any work-item writes
    // probs, which may be the logits' own memory (an in-place call).
    float xt = 0.0f;
    int valid = 0;
    if (lid == 0 && row < rows) {
        float tf = targets[toff + row];
        int t = (int) tf;
        valid = (float) t == tf && t >= 0 && t < cols;
        xt = valid ? xr[t] : 0.0f;
    }
    s = group_sum(s, scratch);
    float inv = 1.0f / s;
    for (int j = lid; j < cols; j += RED_WG) pr[j] = exp(xr[j] - m) * inv;
    if (lid == 0 && row < rows) {
        loss[loff + row] = valid ? m + log(s) - xt : NAN;
    }
}

// gx[r][c] = (probs[r][c] − [c == t[r]])·g[r], with g[r] = gloss[goff + r·gstride].
__kernel void cross_entropy_backward(int rows, int cols, __global const float* probs, long poff,
                                     __global const float* targets, long toff,
                                     __global const float* gloss, long goff, long gstride,
                                     __global float* gx, long gxoff) {
    long i = get_global_id(0);
    if (i >= (long) rows * cols) return;
    long r = i / cols;
    int c = (int) (i % cols);
    int t = (int) targets[toff + r];
    float g = gloss[goff + r * gstride];
    gx[gxoff + i] = (probs[poff + i] - (c == t ? 1.0f : 0.0f)) * g;
}
