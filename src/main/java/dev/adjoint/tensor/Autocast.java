package dev.adjoint.tensor;

import dev.adjoint.device.DType;

/**
 * Mixed precision, as PyTorch's {@code torch.autocast} in spirit: inside
 * {@code try (var on = Autocast.to(DType.BF16)) { ... }}, a {@link Tensor#matmul} of F32 tensors
 * converts both operands to BF16 (or F16) and multiplies them into an F32 result, the products exact
 * in float32 and summed in float32. Every other op (elementwise, reductions, softmax, losses,
 * optimizer updates) runs in F32 as outside. Parameters stay F32 (the master weights): the
 * low-precision copies are made in the forward, through {@link Tensor#to(DType)}, whose gradient
 * flows back to the F32 parameter. Gradients are F32 throughout. The setting is per thread.
 */
public final class Autocast {
    private static final ThreadLocal<DType[]> DTYPE = ThreadLocal.withInitial(() -> new DType[] {DType.F32});

    private Autocast() {}

    /** Restores the dtype matmul computed in before {@link #to} was called. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Until closed, matmul of F32 tensors converts them to {@code dtype} (F32: turns autocast off inside). */
    public static Scope to(DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("Autocast.to: a dtype is required (F32, BF16 or F16)");
        }
        DType[] current = DTYPE.get();
        DType before = current[0];
        current[0] = dtype;
        return () -> current[0] = before;
    }

    /** The dtype matmul's operands are converted to on this thread: F32 when autocast is off. */
    public static DType dtype() {
        return DTYPE.get()[0];
    }
}
