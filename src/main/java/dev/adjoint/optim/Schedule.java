package dev.adjoint.optim;

/**
 * A learning-rate schedule: the factor that multiplies the base rate at a given step (counting
 * optimizer updates from 0).
 */
@FunctionalInterface
public interface Schedule {
    double factor(long step);

    static Schedule constant() {
        return s -> 1.0;
    }

    /** Multiplies by {@code gamma} every {@code every} steps (PyTorch's StepLR). */
    static Schedule step(long every, double gamma) {
        return s -> Math.pow(gamma, s / every);
    }

    /** gamma^step (ExponentialLR). */
    static Schedule exponential(double gamma) {
        return s -> Math.pow(gamma, s);
    }

    /** Cosine from 1 down to {@code floor} over {@code total} steps, then {@code floor}. */
    static Schedule cosine(long total, double floor) {
        return s -> s >= total ? floor : floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * s / total));
    }

    /** Linear warm-up from 0 over {@code steps}, then {@code after} (shifted to start at 0). */
    static Schedule warmup(long steps, Schedule after) {
        return s -> s < steps ? (s + 1.0) / steps : after.factor(s - steps);
    }
}
