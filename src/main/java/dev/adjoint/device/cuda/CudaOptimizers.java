package dev.adjoint.device.cuda;

/** Launchers for {@code kernels/cuda/optimizer.cu}: fused in-place SGD and Adam/AdamW. */
final class CudaOptimizers {
    private final CudaKernels kernels;

    CudaOptimizers(CudaKernels kernels) {
        this.kernels = kernels;
    }

    void sgd(long param, long grad, long velocity, long length, float lr, float momentum, float dampening,
             float wd, boolean nesterov, boolean first) {
        if (length > 0) {
            kernels.launch("optimizer", "sgd_update", kernels.gridFor(length), length, param, grad, velocity, lr,
                    momentum, dampening, wd, nesterov, first);
        }
    }

    void adam(long param, long grad, long m, long v, long length, float lr, float beta1, float beta2, float eps,
              float wd, boolean decoupled, long step) {
        if (length <= 0) {
            return;
        }
        // The bias corrections in double on the host, exactly as the CPU backend computes them.
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float sqrtBc2 = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float decay = decoupled ? 1f - lr * wd : 1f;
        float l2 = decoupled ? 0f : wd;
        kernels.launch("optimizer", "adam_update", kernels.gridFor(length), length, param, grad, m, v, beta1, beta2,
                eps, stepSize, sqrtBc2, decay, l2);
    }
}
