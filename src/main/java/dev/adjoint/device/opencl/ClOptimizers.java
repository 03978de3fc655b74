package dev.adjoint.device.opencl;

/** Launchers of {@code optimizer.cl}: fused in-place SGD and Adam / AdamW, one work-item per parameter. */
final class ClOptimizers {
    private final OpenClDevice device;
    private final int local;

    ClOptimizers(OpenClDevice device, int local) {
        this.device = device;
        this.local = local;
    }

    /** With momentum 0 the velocity is never touched; the caller passes param in its place. */
    void sgd(OpenClBuffer param, OpenClBuffer grad, OpenClBuffer vel, long off, long n, float lr, float momentum,
             float dampening, float wd, boolean nesterov, boolean first) {
        if (n == 0) {
            return;
        }
        device.launch("sgd_step", () -> "sgd_step [" + n + " parameters at offset " + off + "]")
                .mem(param).mem(grad).mem(vel).l(off).l(n).f(lr).f(momentum).f(dampening).f(wd).i(nesterov).i(first)
                .run1d(n, local);
    }

    /** The bias corrections are computed here exactly as the CPU backend computes them. */
    void adam(OpenClBuffer param, OpenClBuffer grad, OpenClBuffer m, OpenClBuffer v, long off, long n, float lr,
              float beta1, float beta2, float eps, float wd, boolean decoupled, long step) {
        if (n == 0) {
            return;
        }
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float sqrtBc2 = (float) Math.sqrt(1 - Math.pow(beta2, step));
        float decay = decoupled ? 1f - lr * wd : 1f;
        float l2 = decoupled ? 0f : wd;
        device.launch("adam_step", () -> "adam_step [" + n + " parameters at offset " + off + ", step " + step + "]")
                .mem(param).mem(grad).mem(m).mem(v).l(off).l(n).f(beta1).f(beta2).f(eps).f(stepSize).f(sqrtBc2)
                .f(decay).f(l2).run1d(n, local);
    }
}
