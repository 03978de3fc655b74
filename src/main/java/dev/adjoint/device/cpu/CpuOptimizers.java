package dev.adjoint.device.cpu;

/** Fused in-place optimizer updates, with PyTorch's semantics (see {@code Device}). */
final class CpuOptimizers {
    private CpuOptimizers() {}

    static void sgd(Parallel pool, float[] param, float[] grad, float[] vel, int off, int len,
                    float lr, float momentum, float dampening, float wd, boolean nesterov, boolean first) {
        CpuElementwise.split(pool, len, 1, (i0, i1) -> {
            for (int i = off + i0; i < off + i1; i++) {
                float g = grad[i] + wd * param[i];
                if (momentum != 0f) {
                    float v = first ? g : momentum * vel[i] + (1f - dampening) * g;
                    vel[i] = v;
                    g = nesterov ? g + momentum * v : v;
                }
                param[i] -= lr * g;
            }
        });
    }

    static void adam(Parallel pool, float[] param, float[] grad, float[] m, float[] v, int off, int len,
                     float lr, float beta1, float beta2, float eps, float wd, boolean decoupled, long step) {
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float sqrtBc2 = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float decay = decoupled ? 1f - lr * wd : 1f;
        float l2 = decoupled ? 0f : wd;
        CpuElementwise.split(pool, len, 1, (i0, i1) -> {
            for (int i = off + i0; i < off + i1; i++) {
                float p = param[i] * decay;
                float g = grad[i] + l2 * p;
                float mi = beta1 * m[i] + (1f - beta1) * g;
                float vi = beta2 * v[i] + (1f - beta2) * g * g;
                m[i] = mi;
                v[i] = vi;
                param[i] = p - stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
            }
        });
    }
}
