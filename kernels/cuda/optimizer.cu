// Fused in-place optimizer updates with PyTorch's semantics, as dev.adjoint.device.cpu.CpuOptimizers.
#include "common.cuh"

extern "C" __global__ void sgd_update(long long n, float* __restrict__ param, const float* __restrict__ grad,
                                      float* __restrict__ vel, float lr, float momentum, float dampening,
                                      float wd, int nesterov, int first) {
    FOR_EACH(i, n) {
        float g = grad[i] + wd * param[i];
        if (momentum != 0.0f) {
            float v = first ? g : momentum * vel[i] + (1.0f - dampening) * g;
            vel[i] = v;
            g = nesterov ? g + momentum * v : v;
        }
        param[i] -= lr * g;
    }
}

// stepSize = lr / (1 - beta1^t) and sqrtBc2 = sqrt(1 - beta2^t) are computed on the host in double.
extern "C" __global__ void adam_update(long long n, float* __restrict__ param, const float* __restrict__ grad,
                                       float* __restrict__ m, float* __restrict__ v, float beta1, float beta2,
                                       float eps, float stepSize, float sqrtBc2, float decay, float l2) {
    FOR_EACH(i, n) {
        float p = param[i] * decay;
        float g = grad[i] + l2 * p;
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] = p - stepSize * mi / (sqrtf(vi) / sqrtBc2 + eps);
    }
}
