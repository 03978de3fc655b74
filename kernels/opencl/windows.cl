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
