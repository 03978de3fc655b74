// Counter-based random numbers: a port of dev.adjoint.device.CounterRandom. Element i of a draw
// with seed s is a pure function of (s, i), so every device and every launch shape gives the same
// tensor: uniform and Bernoulli bit for bit, normal to within the rounding of log and cos.
// Contraction into fma is switched off inside the kernel: a + (b - a)·u must round exactly as Java.

#define GAMMA 0x9E3779B97F4A7C15UL
#define TWO_PI_F 6.28318530717958648f

inline ulong counter_bits(ulong seed, ulong i) {
    ulong z = seed + (i + 1UL) * GAMMA;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
    return z ^ (z >> 31);
}

// Uniform on [0, 1) with 24 random bits: exactly representable, so exact on every device.
inline float counter_uniform(ulong seed, ulong i) {
    return (float) (counter_bits(seed, i) >> 40) * 0x1.0p-24f;
}

__kernel void random_forward(__global float* out, long off, long n, int dist, float a, float b, ulong seed) {
#pragma OPENCL FP_CONTRACT OFF
    long i = get_global_id(0);
    if (i >= n) return;
    float v;
    if (dist == DIST_UNIFORM) {
        float width = b - a;
        float scaled = width * counter_uniform(seed, (ulong) i);
        v = a + scaled;
    } else if (dist == DIST_BERNOULLI) {
        v = counter_uniform(seed, (ulong) i) < a ? 1.0f : 0.0f;
    } else if (dist == DIST_NORMAL) {
        // Box-Muller on two counters; u1 in (0, 1] so the log is finite.
        float u1 = (float) ((counter_bits(seed, 2UL * (ulong) i) >> 40) + 1UL) * 0x1.0p-24f;
        float u2 = counter_uniform(seed, 2UL * (ulong) i + 1UL);
        float r = sqrt(-2.0f * log(u1));
        float c = r * cos(TWO_PI_F * u2);
        float bc = b * c;
        v = a + bc;
    } else {
        v = NAN;
    }
    out[off + i] = v;
}
