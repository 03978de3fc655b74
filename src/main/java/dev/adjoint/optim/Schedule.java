package dev.adjoint.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A learning-rate schedule: the factor that multiplies the base rate at a given step (counting
 * optimizer updates from 0). The factories' schedules describe themselves ({@link #config}), so a
 * checkpoint records which schedule it was trained with and a resumed run can be checked against
 * it; a lambda is a schedule too, described as {@code custom}.
 */
@FunctionalInterface
public interface Schedule {
    double factor(long step);

    /**
     * What this schedule is, as JSON values: {@code name} and its parameters ({@code warmup}
     * nests the schedule that follows it under {@code then}).
     */
    default Map<String, Object> config() {
        return Map.of("name", "custom");
    }

    static Schedule constant() {
        return named(s -> 1.0, "constant");
    }

    /** Multiplies by {@code gamma} every {@code every} steps (PyTorch's StepLR). */
    static Schedule step(long every, double gamma) {
        return named(s -> Math.pow(gamma, s / every), "step", "every", every, "gamma", gamma);
    }

    /** gamma^step (ExponentialLR). */
    static Schedule exponential(double gamma) {
        return named(s -> Math.pow(gamma, s), "exponential", "gamma", gamma);
    }

    /** Cosine from 1 down to {@code floor} over {@code total} steps, then {@code floor}. */
    static Schedule cosine(long total, double floor) {
        return named(s -> s >= total ? floor : floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * s / total)),
                "cosine", "total_steps", total, "floor", floor);
    }

    /** Linear warm-up from 0 over {@code steps}, then {@code after} (shifted to start at 0). */
    static Schedule warmup(long steps, Schedule after) {
        return named(s -> s < steps ? (s + 1.0) / steps : after.factor(s - steps), "warmup", "steps", steps,
                "then", after.config());
    }

    /** {@code factor} described as {@code name} with parameters given as name, value, name, value, … */
    private static Schedule named(Schedule factor, String name, Object... parameters) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", name);
        for (int i = 0; i < parameters.length; i += 2) {
            c.put((String) parameters[i], parameters[i + 1]);
        }
        return new Schedule() {
            @Override
            public double factor(long step) {
                return factor.factor(step);
            }

            @Override
            public Map<String, Object> config() {
                return new LinkedHashMap<>(c);
            }
        };
    }
}
