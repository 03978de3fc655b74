package dev.adjoint.device;

/**
 * An optional promise of a {@link Device}: its primitives round as the CPU backend's do. Float
 * expressions are evaluated as the CPU evaluates them, with no contraction into FMA, and
 * transcendental functions in double, rounded once, so elementwise ops, optimizer steps and random
 * draws give the CPU's very floats, and reductions, softmax and GEMM differ only by summation order.
 * The CPU backend keeps it trivially and CUDA by construction (its PTX is built with
 * {@code -fmad=false}); OpenCL does not, since OpenCL C's math library and contraction are its own.
 * {@code conformance.CrossCheck} holds a device that makes the promise to it and any other device
 * to the looser bounds that the device contract allows.
 */
public interface RoundsAsCpu {}
