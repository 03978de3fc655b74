// Fused in-place optimizer updates with PyTorch's semantics (see Device#sgdStep, #adamStep).
// One work-item per parameter; the scalar bias corrections of Adam are computed on the host,
// in the same way as the CPU backend, so every device applies the same step.

__kernel void sgd_step(__global float* param, __global const float* grad, __global float* vel,
                       long off, long n, float lr, float momentum, float dampening, float wd,
                       int nesterov, int first) {
    long i = get_global_id(0);
    if (i >= n) return;
    i += off;
    float g = grad[i] + wd * param[i];
    if (momentum != 0.0f) {
        float v = first ? g : momentum * vel[i] + (1.0f - dampening) * g;
        vel[i] = v;
        g = nesterov ? g + momentum * v : v;
    }
    param[i] -= lr * g;
}

// step_size = lr / (1 - beta1^t), sqrt_bc2 = sqrt(1 - beta2^t), decay = 1 - lr·wd for AdamW else 1,
// l2 = wd for Adam else 0.
__kernel void adam_step(__global float* param, __global const float* grad,
                        __global float* m, __global float* v, long off, long n,
                        float beta1, float beta2, float eps, float step_size, float sqrt_bc2,
                        float decay, float l2) {
    long i = get_global_id(0);
    if (i >= n) return;
    i += off;
    float p = param[i] * decay;
    float g = grad[i] + l2 * p;
    float mi = beta1 * m[i] + (1.0f - beta1) * g;
    float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = p - step_size * mi / (sqrt(vi) / sqrt_bc2 + eps);
}
