// im2col and col2im over an image block x [n, c, h, w] and its columns [c·kh·kw, n·outH·outW]
// (dev.adjoint.device.Window). One work-item per element written; col2im gathers each image element's taps in
// tap order (ki, then kj), so no two work-items write one element and the sums are the CPU's.

#define WINDOW_ARGS int n, int c, int h, int w, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw, \
                    int oh, int ow

__kernel void im2col_forward(WINDOW_ARGS, float fill, __global const float* x, long xoff,
                             __global float* cols, long coff) {
    long e = get_global_id(0);
    long positions = (long) n * oh * ow;
    if (e >= positions * c * kh * kw) return;   // bounds guard
    int tap = (int) (e / positions);
    long pos = e - tap * positions;
    int oj = (int) (pos % ow);
    long t = pos / ow;
    int oi = (int) (t % oh);
    long image = t / oh;
    int ci = tap / (kh * kw);
    int k = tap - ci * kh * kw;
    int ki = k / kw;
    int kj = k - ki * kw;
    int i = oi * sh - pt + ki * dh;
    int j = oj * sw - pl + kj * dw;
    cols[coff + e] = i >= 0 && i < h && j >= 0 && j < w ? x[xoff + ((image * c + ci) * h + i) * w + j] : fill;
}

__kernel void im2col_backward(WINDOW_ARGS, __global const float* cols, long coff, __global float* x, long xoff) {
    long e = get_global_id(0);
    if (e >= (long) n * c * h * w) return;   // bounds guard
    int j = (int) (e % w);
    long t = e / w;
    int i = (int) (t % h);
    long plane = t / h;
    long image = plane / c;
    int ci = (int) (plane - image * c);
    long positions = (long) n * oh * ow;
    float sum = 0.0f;
    for (int ki = 0; ki < kh; ki++) {
        int ti = i + pt - ki * dh;
        if (ti < 0 || ti % sh != 0 || ti / sh >= oh) continue;
        long row = (image * oh + ti / sh) * ow;
        for (int kj = 0; kj < kw; kj++) {
            int tj = j + pl - kj * dw;
            if (tj < 0 || tj % sw != 0 || tj / sw >= ow) continue;
            sum += cols[coff + ((ci * kh + ki) * kw + kj) * positions + row + tj / sw];
        }
    }
    x[xoff + e] = sum;
}

// Max pooling, PyTorch's rule: each window's largest tap (the first of equals; a NaN wins, the last NaN if several),
// and its index ki·kw + kj.
__kernel void max_pool_forward(WINDOW_ARGS, __global const float* x, long xoff, __global float* out, long ooff,
                               __global float* arg, long aoff) {
    long e = get_global_id(0);
    if (e >= (long) n * c * oh * ow) return;   // bounds guard
    int oj = (int) (e % ow);
    long t = e / ow;
    int oi = (int) (t % oh);
    long plane = t / oh;
    __global const float* xp = x + xoff + plane * h * w;
    float best = -INFINITY;
    int at = 0;
    int seen = 0;
    for (int ki = 0; ki < kh; ki++) {
        int i = oi * sh - pt + ki * dh;
        if (i < 0 || i >= h) continue;
        for (int kj = 0; kj < kw; kj++) {
            int j = oj * sw - pl + kj * dw;
            if (j < 0 || j >= w) continue;
            float v = xp[i * w + j];
            if (!seen || v > best || v != v) {
                best = v;
                at = ki * kw + kj;
                seen = 1;
            }
        }
    }
    out[ooff + e] = best;
    arg[aoff + e] = (float) at;
}

// Its gradient: each image element gathers gy of the windows whose arg-max tap read it, in tap order.
__kernel void max_pool_backward(WINDOW_ARGS, __global const float* gy, long gyoff, __global const float* arg, long aoff,
                                __global float* gx, long gxoff) {
    long e = get_global_id(0);
    if (e >= (long) n * c * h * w) return;   // bounds guard
    int j = (int) (e % w);
    long t = e / w;
    int i = (int) (t % h);
    long plane = t / h;
    long outs = plane * oh * ow;
    float sum = 0.0f;
    for (int ki = 0; ki < kh; ki++) {
        int ti = i + pt - ki * dh;
        if (ti < 0 || ti % sh != 0 || ti / sh >= oh) continue;
        for (int kj = 0; kj < kw; kj++) {
            int tj = j + pl - kj * dw;
            if (tj < 0 || tj % sw != 0 || tj / sw >= ow) continue;
            long o = outs + (long) (ti / sh) * ow + tj / sw;
            if (arg[aoff + o] == (float) (ki * kw + kj)) sum += gy[gyoff + o];
        }
    }
    gx[gxoff + e] = sum;
}
