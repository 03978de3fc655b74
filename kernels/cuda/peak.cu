// Peak arithmetic rate (dev.adjoint.device.PeakProbe): each thread runs 8 independent chains
// x = fmaf(x, b, c) in registers, 16 steps per round (unrolled, so the loop's own instructions
// are a few per 128 FMAs), and writes the chains' sum so that nothing is dead code. b and c
// (0.999999, 1e-6) keep the values near 1: no overflow, no denormals. fmaf is one fma.rn.f32
// whatever -fmad says. One round is 16 x 8 = 128 FMAs = 256 FLOP per thread.
#include "common.cuh"

#define PEAK_STEPS 16

extern "C" __global__ void peak_fma(int rounds, float b, float c, float* __restrict__ out, int n) {
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float x0 = 1.0f + i * 1e-7f;
    float x1 = x0 + 0.1f, x2 = x0 + 0.2f, x3 = x0 + 0.3f, x4 = x0 + 0.4f, x5 = x0 + 0.5f, x6 = x0 + 0.6f,
          x7 = x0 + 0.7f;
    for (int r = 0; r < rounds; r++) {
#pragma unroll
        for (int s = 0; s < PEAK_STEPS; s++) {
            x0 = fmaf(x0, b, c);
            x1 = fmaf(x1, b, c);
            x2 = fmaf(x2, b, c);
            x3 = fmaf(x3, b, c);
            x4 = fmaf(x4, b, c);
            x5 = fmaf(x5, b, c);
            x6 = fmaf(x6, b, c);
            x7 = fmaf(x7, b, c);
        }
    }
    out[i] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
}
