package dev.adjoint.tensor.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Dual;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property: on random DAGs of every op ({@link Ops.Set#FORWARD}, kinks included), forward
 * mode's J·v equals ⟨∇f, v⟩ from reverse mode for the scalar f, to float32 rounding, for random
 * tangents v; and forward mode's value of f is reverse mode's. Leaves stored transposed enter
 * forward mode as transposed views, so GEMM's transpose flags are exercised there too.
 */
class ForwardModeMatchesReverseModeTest {
    /**
     * |J·v − ⟨∇f, v⟩| may be this much of Σ|∂f/∂x·v| (the size of the terms the dot product adds up),
     * or of 1 if that is smaller. Over 3000 DAGs the worst was 6e-7.
     */
    static final double TOLERANCE = 1e-5;

    static Stream<Arguments> cases() {
        return GradientsMatchFiniteDifferencesTest.cases();
    }

    @ParameterizedTest(name = "{0}, seed {1}")
    @MethodSource("cases")
    void forwardModeMatchesReverseMode(String backend, long seed) {
        Device device = Backends.open(backend);
        Property.check("forward mode vs reverse mode on " + backend, seed,
                c -> Dag.generate(c, Ops.Set.FORWARD, GradientsMatchFiniteDifferencesTest.maxDim(backend)),
                dag -> agree(device, dag));
    }

    /** Checks the property on one DAG; returns |J·v − ⟨∇f, v⟩| as a fraction of its allowance's scale. */
    static double agree(Device device, Dag dag) {
        try (Scope scope = Scope.open()) {
            int n = dag.leafCount();
            Tensor[] x = dag.leafValues(device);
            Tensor[] v = new Tensor[n];
            Tensor[] primals = new Tensor[n];
            Tensor[] tangents = new Tensor[n];
            Tensor[] leaves = new Tensor[n];
            for (int i = 0; i < n; i++) {
                v[i] = Tensor.normal(device, 7919L * (i + 1), 0f, 1f, x[i].shape());
                primals[i] = dag.logical(i, x[i]);
                tangents[i] = dag.logical(i, v[i]);
                leaves[i] = x[i].detach().requiresGrad(true);
            }
            Dual jvp = Dual.jvp(dag::evaluate, primals, tangents);
            Tensor f = dag.reverse(leaves);
            f.backward();
            double dot = 0;
            double scale = 0;
            for (int i = 0; i < n; i++) {
                float[] g = leaves[i].grad().toArray();
                float[] t = v[i].toArray();
                for (int j = 0; j < g.length; j++) {
                    dot += (double) g[j] * t[j];
                    scale += Math.abs((double) g[j] * t[j]);
                }
            }
            double value = f.item();
            assertEquals(value, jvp.value().item(), 1e-6 * Math.max(1, Math.abs(value)),
                    "forward mode's f differs from reverse mode's");
            double error = Math.abs(jvp.tangent().item() - dot) / Math.max(1, scale);
            assertEquals(dot, jvp.tangent().item(), TOLERANCE * Math.max(1, scale),
                    "J·v from forward mode != <grad f, v> from reverse mode (sum of |terms| " + scale + ")");
            return error;
        }
    }
}
