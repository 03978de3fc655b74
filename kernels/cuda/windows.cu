// im2col and col2im over an image block x [n, c, h, w] and its columns [c·kh·kw, n·outH·outW]
// (dev.adjoint.device.Window). Grid-stride over the elements written; col2im gathers each image element's taps
// in tap order (ki, then kj), so no two threads write one element and the sums are the CPU's.
#include "common.cuh"

struct Window {
    int n, c, h, w, kh, kw, sh, sw, pt, pl, dh, dw, oh, ow;
};

extern "C" __global__ void im2col_forward(Window v, float fill, const float* __restrict__ x,
                                          float* __restrict__ cols) {
    long long positions = (long long)v.n * v.oh * v.ow;
    FOR_EACH(e, positions * v.c * v.kh * v.kw) {
        int tap = (int)(e / positions);
        long long pos = e - tap * positions;
        int oj = (int)(pos % v.ow);
        long long t = pos / v.ow;
        int oi = (int)(t % v.oh);
        long long image = t / v.oh;
        int ci = tap / (v.kh * v.kw);
        int k = tap - ci * v.kh * v.kw;
        int ki = k / v.kw;
        int kj = k - ki * v.kw;
        int i = oi * v.sh - v.pt + ki * v.dh;
        int j = oj * v.sw - v.pl + kj * v.dw;
        cols[e] = i >= 0 && i < v.h && j >= 0 && j < v.w ? x[((image * v.c + ci) * v.h + i) * v.w + j] : fill;
    }
}

extern "C" __global__ void im2col_backward(Window v, const float* __restrict__ cols, float* __restrict__ x) {
    long long positions = (long long)v.n * v.oh * v.ow;
    FOR_EACH(e, (long long)v.n * v.c * v.h * v.w) {
        int j = (int)(e % v.w);
        long long t = e / v.w;
        int i = (int)(t % v.h);
        long long plane = t / v.h;
        long long image = plane / v.c;
        int ci = (int)(plane - image * v.c);
        float sum = 0.0f;
        for (int ki = 0; ki < v.kh; ki++) {
            int ti = i + v.pt - ki * v.dh;
            if (ti < 0 || ti % v.sh != 0 || ti / v.sh >= v.oh) continue;
            long long row = (image * v.oh + ti / v.sh) * v.ow;
            for (int kj = 0; kj < v.kw; kj++) {
                int tj = j + v.pl - kj * v.dw;
                if (tj < 0 || tj % v.sw != 0 || tj / v.sw >= v.ow) continue;
                sum += cols[((long long)(ci * v.kh + ki) * v.kw + kj) * positions + row + tj / v.sw];
            }
        }
        x[e] = sum;
    }
}

// Max pooling, PyTorch's rule: each window's largest tap (the first of equals; a NaN wins, the last NaN if several),
// and its index ki·kw + kj.
extern "C" __global__ void max_pool_forward(Window v, const float* __restrict__ x, float* __restrict__ out,
                                            float* __restrict__ arg) {
    FOR_EACH(e, (long long)v.n * v.c * v.oh * v.ow) {
        int oj = (int)(e % v.ow);
        long long t = e / v.ow;
        int oi = (int)(t % v.oh);
        long long plane = t / v.oh;
        const float* xp = x + plane * v.h * v.w;
        float best = -INFINITY;
        int at = 0;
        bool seen = false;
        for (int ki = 0; ki < v.kh; ki++) {
            int i = oi * v.sh - v.pt + ki * v.dh;
            if (i < 0 || i >= v.h) continue;
            for (int kj = 0; kj < v.kw; kj++) {
                int j = oj * v.sw - v.pl + kj * v.dw;
                if (j < 0 || j >= v.w) continue;
                float val = xp[i * v.w + j];
                if (!seen || val > best || val != val) {
                    best = val;
                    at = ki * v.kw + kj;
                    seen = true;
                }
            }
        }
        out[e] = best;
        arg[e] = (float)at;
    }
}

// Its gradient: each image element gathers gy of the windows whose arg-max tap read it, in tap order.
extern "C" __global__ void max_pool_backward(Window v, const float* __restrict__ gy, const float* __restrict__ arg,
                                             float* __restrict__ gx) {
    FOR_EACH(e, (long long)v.n * v.c * v.h * v.w) {
        int j = (int)(e % v.w);
        long long t = e / v.w;
        int i = (int)(t % v.h);
        long long plane = t / v.h;
        long long outs = plane * v.oh * v.ow;
        float sum = 0.0f;
        for (int ki = 0; ki < v.kh; ki++) {
            int ti = i + v.pt - ki * v.dh;
            if (ti < 0 || ti % v.sh != 0 || ti / v.sh >= v.oh) continue;
            for (int kj = 0; kj < v.kw; kj++) {
                int tj = j + v.pl - kj * v.dw;
                if (tj < 0 || tj % v.sw != 0 || tj / v.sw >= v.ow) continue;
                long long o = outs + (long long)(ti / v.sh) * v.ow + tj / v.sw;
                if (arg[o] == (float)(ki * v.kw + kj)) sum += gy[o];
            }
        }
        gx[e] = sum;
    }
}
