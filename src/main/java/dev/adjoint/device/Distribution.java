package dev.adjoint.device;

/**
 * Distributions for {@link Device#random}. Every backend draws the same numbers for the same seed:
 * element i uses a counter-based generator keyed by (seed, i), defined once in
 * {@link CounterRandom}, so results do not depend on the device or on thread count.
 */
public enum Distribution {
    /** uniform on [a, b) */
    UNIFORM,
    /** normal with mean a and standard deviation b */
    NORMAL,
    /** 1 with probability a, else 0 (dropout masks) */
    BERNOULLI
}
