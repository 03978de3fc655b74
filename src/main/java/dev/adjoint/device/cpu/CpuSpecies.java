package dev.adjoint.device.cpu;

import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one float species of this process's CPU kernels, of {@link CpuVectors#bits()}. A static final,
 * so C2 folds it, and every kernel compiles for exactly one species. Touches
 * {@code jdk.incubator.vector}: load it only when {@link CpuVectors#available()}.
 */
public final class CpuSpecies {
    public static final VectorSpecies<Float> FLOAT = VectorSpecies.of(float.class, VectorShape.forBitSize(CpuVectors.bits()));

    private CpuSpecies() {}
}
