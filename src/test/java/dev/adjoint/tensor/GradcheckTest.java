package dev.adjoint.tensor;

import dev.adjoint.device.Device;
import dev.adjoint.testing.Backends;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every differentiable op against central finite differences, on every available backend:
 * relative error at most 1e-3 (float32 analytic gradient vs float64 differences).
 */
class GradcheckTest {
    private static final double TOL = 1e-3;
    private static final double H = 3e-3;

    static java.util.List<String> backends() {
        return Backends.names();
    }

    private static Tensor input(Device d, long seed, double lo, double hi, int... shape) {
        Random rnd = new Random(seed);
        int n = (int) Shape.numel(shape);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            // Kept away from the kinks of relu/abs/max: |x| >= 0.15 when the range spans 0.
            double v = lo + (hi - lo) * rnd.nextDouble();
            if (lo < 0 && hi > 0 && Math.abs(v) < 0.15) {
                v = v < 0 ? v - 0.15 : v + 0.15;
            }
            x[i] = (float) v;
        }
        return Tensor.of(d, x, shape);
    }

    private static void check(String name, Function<Tensor[], Tensor> f, Tensor... in) {
        Gradcheck.check(name, f, H, TOL, in);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void arithmeticWithBroadcasting(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor a = input(d, 1, -2, 2, 3, 4);
            Tensor b = input(d, 2, -2, 2, 4);
            Tensor c = input(d, 3, 0.5, 2, 3, 1);
            check("add", t -> t[0].add(t[1]), a, b);
            check("sub", t -> t[0].sub(t[1]), b, a);
            check("mul", t -> t[0].mul(t[1]), a, c);
            check("div", t -> t[0].div(t[1]), a, c);
            check("pow", t -> t[0].pow(t[1]), c, b);
            check("neg", t -> t[0].neg(), a);
            check("add/sub/mul/div scalar", t -> t[0].add(1.5f).sub(0.5f).mul(3f).div(2f), a);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void unaryMath(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = input(d, 4, -2, 2, 2, 5);
            Tensor pos = input(d, 5, 0.3, 3, 2, 5);
            check("exp", t -> t[0].exp(), x);
            check("log", t -> t[0].log(), pos);
            check("sin", t -> t[0].sin(), x);
            check("cos", t -> t[0].cos(), x);
            check("sqrt", t -> t[0].sqrt(), pos);
            check("square", t -> t[0].square(), x);
            check("reciprocal", t -> t[0].reciprocal(), pos);
            check("abs", t -> t[0].abs(), x);
            check("pow scalar", t -> t[0].pow(2.5f), pos);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void maxAndMinRouteTheGradient(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor a = input(d, 6, -2, 2, 3, 4);
            // b stays at least 0.3 from a, so no finite difference straddles the kink.
            Tensor b = a.add(input(d, 7, -1, 1, 3, 4).abs().add(0.3f).mul(input(d, 19, -1, 1, 3, 4).abs().div(input(d, 19, -1, 1, 3, 4))));
            check("maximum", t -> t[0].maximum(t[1]), a, b);
            check("minimum", t -> t[0].minimum(t[1]), a, b);
            check("max over all", t -> t[0].max(), a);
            check("max along axis 1", t -> t[0].max(1, false), a);
            check("min along axis 0", t -> t[0].min(0, true), a);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void reductions(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = input(d, 8, -2, 2, 2, 3, 4);
            check("sum", t -> t[0].sum(), x);
            check("sum axis 1", t -> t[0].sum(1, false), x);
            check("sum axis -1 keepdims", t -> t[0].sum(-1, true), x);
            check("mean", t -> t[0].mean(), x);
            check("mean axis 0", t -> t[0].mean(0, false), x);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void matmulAndViews(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor a = input(d, 9, -1, 1, 7, 5);
            Tensor w = input(d, 10, -1, 1, 3, 5);
            Tensor v = input(d, 11, -1, 1, 5);
            Tensor batch = input(d, 12, -1, 1, 2, 3, 5);
            check("matmul with a transposed view", t -> t[0].matmul(t[1].transpose()), a, w);
            Tensor c = input(d, 18, -1, 1, 7, 3);
            check("matmul transposed left", t -> t[0].transpose().matmul(t[1]), a, c);
            check("matmul matrix-vector", t -> t[0].matmul(t[1]), a, v);
            check("matmul vector-vector", t -> t[0].matmul(t[1]), v, v);
            check("matmul batched with broadcast", t -> t[0].matmul(t[1].transpose()), batch, w);
            check("reshape", t -> t[0].reshape(5, 7).mul(t[0].reshape(5, 7)), a);
            check("transpose", t -> t[0].transpose().square(), a);
            check("slice", t -> t[0].slice(2, 5).exp(), a);
            check("expand", t -> t[0].expand(4, 5).sin(), v);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void activationsAndSoftmax(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = input(d, 13, -3, 3, 4, 6);
            check("relu", t -> t[0].relu(), x);
            check("leaky_relu", t -> t[0].leakyRelu(0.1f), x);
            check("sigmoid", t -> t[0].sigmoid(), x);
            check("tanh", t -> t[0].tanh(), x);
            check("gelu", t -> t[0].gelu(), x);
            check("softmax", t -> t[0].softmax(), x);
            check("log_softmax", t -> t[0].logSoftmax(), x);
            Tensor targets = Tensor.of(d, new float[] {0, 5, 2, 3}, 4);
            check("cross_entropy", t -> t[0].crossEntropy(targets), x);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void wholeNetwork(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = input(d, 14, -1, 1, 8, 6);
            Tensor w1 = input(d, 15, -0.5, 0.5, 6, 5);
            Tensor b1 = input(d, 16, -0.1, 0.1, 5);
            Tensor w2 = input(d, 17, -0.5, 0.5, 5, 3);
            Tensor targets = Tensor.of(d, new float[] {0, 1, 2, 0, 1, 2, 2, 1}, 8);
            check("mlp 6-5-3 tanh + cross_entropy",
                    t -> t[0].matmul(t[1]).add(t[2]).tanh().matmul(t[3]).crossEntropy(targets), x, w1, b1, w2);
        }
    }
}
