package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.testing.Backends;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Forward mode against reverse mode: ⟨u, J·v⟩ from jvp equals ⟨Jᵀ·u, v⟩ from backward. */
class DualTest {
    static List<String> backends() {
        return Backends.names();
    }

    private static void agree(Device d, String name, Function<Tensor[], Tensor> f, Tensor... x) {
        try (Scope s = Scope.open()) {
            Tensor[] v = new Tensor[x.length];
            Tensor[] leaves = new Tensor[x.length];
            for (int i = 0; i < x.length; i++) {
                v[i] = Tensor.normal(d, 50 + i, 0f, 1f, x[i].shape());
                leaves[i] = x[i].detach().requiresGrad(true);
            }
            Dual out = Dual.jvp(f, x, v);
            Tensor y = f.apply(leaves);
            Tensor u = Tensor.normal(d, 99, 0f, 1f, y.shape());
            double forward = dot(u.toArray(), out.tangent().toArray());
            assertEquals(y.toArray()[0], out.value().toArray()[0], 1e-5, name + ": values differ");
            y.mul(u).sum().backward();
            double reverse = 0;
            for (int i = 0; i < x.length; i++) {
                reverse += dot(leaves[i].grad().toArray(), v[i].toArray());
            }
            assertEquals(reverse, forward, 1e-4 * Math.max(1, Math.abs(reverse)), name + ": <u, Jv> != <J^T u, v>");
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** Found by the random-DAG property: relu's mask was compared with a [1] zero, which made a 0-D value's tangent [1]. */
    @ParameterizedTest
    @MethodSource("backends")
    void reluOfAScalarKeepsItsShape(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.scalar(d, 0.7f);
            agree(d, "relu of a 0-D tensor", t -> t[0].exp().relu(), x);
            Dual y = Dual.jvp(t -> t[0].relu(), new Tensor[] {Tensor.scalar(d, -0.7f)}, new Tensor[] {Tensor.scalar(d, 2f)});
            assertEquals(0, y.tangent().dim(), "tangent of relu of a 0-D tensor");
            assertEquals(0f, y.tangent().item(), "relu passes no tangent where x < 0");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void forwardModeMatchesReverseMode(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor a = Tensor.uniform(d, 1, 0.5f, 2f, 4, 5);
            Tensor b = Tensor.uniform(d, 2, 0.5f, 2f, 4, 5);
            Tensor w = Tensor.normal(d, 3, 0f, 0.5f, 5, 3);
            agree(d, "add/sub/mul/div", t -> t[0].add(t[1]).mul(t[0]).sub(t[1].div(t[0])), a, b);
            agree(d, "exp/log/sin/cos/sqrt", t -> t[0].exp().add(t[0].log()).mul(t[0].sin()).add(t[0].cos().mul(t[0].sqrt())), a);
            agree(d, "square/pow/neg/scalars", t -> t[0].square().add(t[0].pow(1.5f)).neg().mul(2f).add(1f), a);
            agree(d, "matmul + tanh/sigmoid/relu", t -> t[0].matmul(t[1]).tanh().add(t[0].matmul(t[1]).sigmoid())
                    .add(t[0].sub(t[0].mul(1.6f)).matmul(t[1]).relu()), a, w);
        }
    }

    /** Found in review: the tangent of the result escaped every scope and leaked until garbage collection. */
    @ParameterizedTest
    @MethodSource("backends")
    void anOpenScopeClosesBothTensorsOfTheResult(String backend) {
        Device d = Backends.open(backend);
        Tensor x = Tensor.ones(d, 3);
        Tensor v = Tensor.ones(d, 3);
        Dual y;
        Dual same;
        try (Scope s = Scope.open()) {
            y = Dual.jvp(t -> t[0].mul(2f).exp(), new Tensor[] {x}, new Tensor[] {v});
            same = Dual.jvp(t -> t[0], new Tensor[] {x}, new Tensor[] {v});
        }
        assertTrue(y.value().isClosed() && y.tangent().isClosed(), "jvp's value and tangent");
        assertTrue(same.value().isClosed() && same.tangent().isClosed(), "the identity's value and tangent");
        assertFalse(x.isClosed() || v.isClosed(), "the primal and the tangent passed in stay the caller's");
        x.close();
        v.close();
    }
}
