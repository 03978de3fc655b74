package dev.adjoint.device;

/**
 * Elementwise binary primitives: {@code out[i] = f(a[i], b[i]; p)}. The {@code *_BACKWARD} ops
 * are activation gradients: {@code a} is what the forward saved (named per op), {@code b} the
 * upstream gradient, and the result the downstream gradient.
 */
public enum BinaryOp {
    ADD,
    SUB,
    MUL,
    DIV,
    MAX,
    MIN,
    /** a^b */
    POW,
    /** 1 if a &gt; b else 0 */
    GREATER,
    /** 1 if a == b else 0 */
    EQUAL,
    /** a = forward input x: b·[x &gt; 0] */
    RELU_BACKWARD,
    /** a = forward input x: b·(x &gt; 0 ? 1 : p) */
    LEAKY_RELU_BACKWARD,
    /** a = forward output y: b·y·(1−y) */
    SIGMOID_BACKWARD,
    /** a = forward output y: b·(1−y²) */
    TANH_BACKWARD,
    /** a = forward input x: b·(Φ(x) + x·φ(x)) */
    GELU_BACKWARD
}
