package dev.adjoint.device.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector body of {@link CpuPeak}: {@value CpuPeak#CHAINS} independent chains
 * {@code x = x·b + c} of {@link FloatVector}s of the process's species ({@link CpuSpecies}), in registers. Touches
 * {@code jdk.incubator.vector}: load it only when {@link CpuVectors#available()}.
 */
final class VectorFmaLoop {
    private static final VectorSpecies<Float> S = CpuSpecies.FLOAT;

    private VectorFmaLoop() {}

    static int lanes() {
        return S.length();
    }

    static float run(long iterations) {
        FloatVector b = FloatVector.broadcast(S, 0.999999f);
        FloatVector c = FloatVector.broadcast(S, 1e-6f);
        FloatVector x0 = FloatVector.broadcast(S, 1f);
        FloatVector x1 = FloatVector.broadcast(S, 1.1f);
        FloatVector x2 = FloatVector.broadcast(S, 1.2f);
        FloatVector x3 = FloatVector.broadcast(S, 1.3f);
        FloatVector x4 = FloatVector.broadcast(S, 1.4f);
        FloatVector x5 = FloatVector.broadcast(S, 1.5f);
        FloatVector x6 = FloatVector.broadcast(S, 1.6f);
        FloatVector x7 = FloatVector.broadcast(S, 1.7f);
        for (long done = 0; done < iterations; ) {
            int n = (int) Math.min(iterations - done, 1 << 20);
            for (int i = 0; i < n; i++) {
                x0 = x0.fma(b, c);
                x1 = x1.fma(b, c);
                x2 = x2.fma(b, c);
                x3 = x3.fma(b, c);
                x4 = x4.fma(b, c);
                x5 = x5.fma(b, c);
                x6 = x6.fma(b, c);
                x7 = x7.fma(b, c);
            }
            done += n;
        }
        return x0.add(x1).add(x2).add(x3).add(x4).add(x5).add(x6).add(x7).reduceLanes(VectorOperators.ADD);
    }
}
