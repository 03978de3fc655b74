// Device::random: dev.adjoint.device.CounterRandom ported exactly (SplitMix64's finalizer over
// seed + (i+1)*gamma with wrapping 64-bit arithmetic), so uniform and Bernoulli draws match the
// CPU bit for bit and normal draws to the rounding of log and cos.
#include "common.cuh"

__device__ __forceinline__ unsigned long long counter_bits(unsigned long long seed, unsigned long long i) {
    unsigned long long z = seed + (i + 1ULL) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

__device__ __forceinline__ float counter_uniform(unsigned long long seed, unsigned long long i) {
    return (float)(counter_bits(seed, i) >> 40) * 0x1.0p-24f;
}

// dist: DIST_UNIFORM on [a, b), DIST_NORMAL(mean a, std b), DIST_BERNOULLI(p = a).
extern "C" __global__ void random_forward(int dist, float a, float b, unsigned long long seed, long long n,
                                          float* __restrict__ out) {
    FOR_EACH(i, n) {
        unsigned long long k = (unsigned long long)i;
        float v;
        if (dist == DIST_UNIFORM) {
            v = a + (b - a) * counter_uniform(seed, k);
        } else if (dist == DIST_BERNOULLI) {
            v = counter_uniform(seed, k) < a ? 1.0f : 0.0f;
        } else if (dist == DIST_NORMAL) {
            float u1 = (float)((counter_bits(seed, 2 * k) >> 40) + 1) * 0x1.0p-24f;
            float u2 = counter_uniform(seed, 2 * k + 1);
            float lg = (float)log((double)u1);
            float r = (float)sqrt((double)(-2.0f * lg));
            float c = (float)cos((double)(TWO_PI_F * u2));
            v = a + b * (r * c);
        } else {
            v = quiet_nan();
        }
        out[i] = v;
    }
}
