package dev.adjoint.device;

/** Reductions over the middle axis of a contiguous [outer, n, inner] block. */
public enum ReduceOp {
    SUM,
    MEAN,
    MAX,
    MIN,
    /** Index (as a float) of the first maximum. */
    ARGMAX,
    /** Index (as a float) of the first minimum. */
    ARGMIN
}
