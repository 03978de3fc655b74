package dev.adjoint.optim;

import dev.adjoint.nn.Parameters;

/** What every optimizer over a parameter slab shares: the slab, the learning rate, the step count. */
abstract class SlabOptimizer implements Optimizer {
    protected final Parameters params;
    protected float lr;
    protected long steps;

    SlabOptimizer(String name, Parameters params, float lr) {
        Checks.positive(name, "lr", lr);
        this.params = params;
        this.lr = lr;
    }

    @Override
    public final void zeroGrad() {
        params.zeroGrad();
    }

    @Override
    public final float lr() {
        return lr;
    }

    @Override
    public final void lr(float lr) {
        this.lr = lr;
    }

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final Parameters parameters() {
        return params;
    }
}
