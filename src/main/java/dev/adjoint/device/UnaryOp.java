package dev.adjoint.device;

/**
 * Elementwise unary primitives: {@code out[i] = f(x[i]; p)}. {@code p} is the scalar parameter;
 * ops that take none ignore it.
 */
public enum UnaryOp {
    /** x (a strided copy into a contiguous output). */
    COPY,
    NEG,
    /** p·x */
    SCALE,
    /** x + p */
    ADD_SCALAR,
    /** x^p */
    POW_SCALAR,
    EXP,
    LOG,
    SIN,
    COS,
    SQRT,
    /** 1/x */
    RECIPROCAL,
    ABS,
    /** -1, 0 or 1 */
    SIGN,
    SQUARE,
    /** x if x > 0, else 0; NaN stays NaN (as PyTorch's relu) */
    RELU,
    /** x if x > 0, else p·x */
    LEAKY_RELU,
    SIGMOID,
    TANH,
    /** x·Φ(x), the exact (erf) form, as PyTorch's default. */
    GELU
}
