package dev.adjoint.device.cpu;

import dev.adjoint.device.CounterRandom;
import dev.adjoint.device.Distribution;

/**
 * Fused in-place optimizer updates, with PyTorch's semantics (see {@code Device}), and the
 * counter-based random fill: the flat (one-row-per-element) kernels. One instance per calling
 * thread (see {@link RowTask}).
 */
final class CpuOptimizers {
    final Sgd sgd = new Sgd();
    final Adam adam = new Adam();
    final Random random = new Random();

    static final class Sgd extends RowTask {
        private float[] param;
        private float[] grad;
        private float[] vel;
        private int off;
        private float lr;
        private float momentum;
        private float dampening;
        private float wd;
        private boolean nesterov;
        private boolean first;

        void run(Parallel pool, float[] param, float[] grad, float[] vel, int off, int len,
                 float lr, float momentum, float dampening, float wd, boolean nesterov, boolean first) {
            this.param = param;
            this.grad = grad;
            this.vel = vel;
            this.off = off;
            this.lr = lr;
            this.momentum = momentum;
            this.dampening = dampening;
            this.wd = wd;
            this.nesterov = nesterov;
            this.first = first;
            split(pool, len, 1);
        }

        @Override
        void rows(int i0, int i1, int worker) {
            for (int i = off + i0; i < off + i1; i++) {
                float g = grad[i] + wd * param[i];
                if (momentum != 0f) {
                    float v = first ? g : momentum * vel[i] + (1f - dampening) * g;
                    vel[i] = v;
                    g = nesterov ? g + momentum * v : v;
                }
                param[i] -= lr * g;
            }
        }

        @Override
        void clear() {
            param = null;
            grad = null;
            vel = null;
        }
    }

    static final class Adam extends RowTask {
        private float[] param;
        private float[] grad;
        private float[] m;
        private float[] v;
        private int off;
        private float beta1;
        private float beta2;
        private float eps;
        private float stepSize;
        private float sqrtBc2;
        private float decay;
        private float l2;

        void run(Parallel pool, float[] param, float[] grad, float[] m, float[] v, int off, int len,
                 float lr, float beta1, float beta2, float eps, float wd, boolean decoupled, long step) {
            this.param = param;
            this.grad = grad;
            this.m = m;
            this.v = v;
            this.off = off;
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
            this.sqrtBc2 = (float) Math.sqrt(1 - Math.pow(beta2, step));
            this.decay = decoupled ? 1f - lr * wd : 1f;
            this.l2 = decoupled ? 0f : wd;
            split(pool, len, 1);
        }

        @Override
        void rows(int i0, int i1, int worker) {
            for (int i = off + i0; i < off + i1; i++) {
                float p = param[i] * decay;
                float g = grad[i] + l2 * p;
                float mi = beta1 * m[i] + (1f - beta1) * g;
                float vi = beta2 * v[i] + (1f - beta2) * g * g;
                m[i] = mi;
                v[i] = vi;
                param[i] = p - stepSize * mi / ((float) Math.sqrt(vi) / sqrtBc2 + eps);
            }
        }

        @Override
        void clear() {
            param = null;
            grad = null;
            m = null;
            v = null;
        }
    }

    /** Samples of {@link CounterRandom}: element i depends only on (dist, a, b, seed, i). */
    static final class Random extends RowTask {
        private float[] d;
        private int o;
        private Distribution dist;
        private float a;
        private float b;
        private long seed;

        void run(Parallel pool, float[] d, int o, int n, Distribution dist, float a, float b, long seed) {
            this.d = d;
            this.o = o;
            this.dist = dist;
            this.a = a;
            this.b = b;
            this.seed = seed;
            split(pool, n, 1);
        }

        @Override
        void rows(int i0, int i1, int worker) {
            for (int i = i0; i < i1; i++) {
                d[o + i] = CounterRandom.sample(dist, a, b, seed, i);
            }
        }

        @Override
        void clear() {
            d = null;
        }
    }
}
