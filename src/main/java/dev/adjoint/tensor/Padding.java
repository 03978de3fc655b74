package dev.adjoint.tensor;

/** How {@link Tensor#pad} fills the border, as PyTorch's {@code F.pad} modes. */
public enum Padding {
    /** Zeros. */
    ZEROS,
    /** The edge value repeated: {@code a b c} padded by 2 on each side is {@code a a a b c c c}. */
    REPLICATE,
    /** Mirrored about the edge value, which is not repeated: {@code a b c d} by 2 is {@code c b a b c d c b}. */
    REFLECT
}
