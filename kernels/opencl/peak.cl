// Peak arithmetic rate (PeakProbe): each work-item runs 8 independent chains x = x*b + c of float8
// values held in registers, 4 steps per round, and writes the chains' sum so nothing is dead code.
// float8 maps to one AVX2 register on a CPU device (PoCL) and to 8 independent lanes of work on a
// GPU; 8 chains cover the latency of the FMA pipes either way. b and c (0.999999, 1e-6) keep the
// values near 1: no overflow, no denormals. One round is 4 x 8 x 8 = 256 FMAs = 512 FLOP.

#define PEAK_STEP \
    x0 = fma(x0, vb, vc); x1 = fma(x1, vb, vc); x2 = fma(x2, vb, vc); x3 = fma(x3, vb, vc); \
    x4 = fma(x4, vb, vc); x5 = fma(x5, vb, vc); x6 = fma(x6, vb, vc); x7 = fma(x7, vb, vc);

__kernel void peak_fma(int rounds, float b, float c, __global float* out, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float8 vb = (float8)(b);
    float8 vc = (float8)(c);
    float8 x0 = (float8)(1.0f + i * 1e-7f);
    float8 x1 = x0 + 0.1f, x2 = x0 + 0.2f, x3 = x0 + 0.3f, x4 = x0 + 0.4f, x5 = x0 + 0.5f, x6 = x0 + 0.6f,
           x7 = x0 + 0.7f;
    for (int r = 0; r < rounds; r++) {
        PEAK_STEP PEAK_STEP PEAK_STEP PEAK_STEP
    }
    float8 s = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
    out[i] = s.s0 + s.s1 + s.s2 + s.s3 + s.s4 + s.s5 + s.s6 + s.s7;
}
