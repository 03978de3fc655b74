package dev.adjoint.tensor;

import java.util.function.Function;

/**
 * Forward-mode automatic differentiation: a value carried with its tangent (directional
 * derivative). Each op below computes its output and the output's tangent from the inputs'
 * (the op's Jacobian-vector product), so {@link #jvp} gives J·v in one forward pass without
 * forming J. Covers the elementwise ops and matmul; checked against reverse mode in the tests.
 */
public record Dual(Tensor value, Tensor tangent) {
    public Dual {
        if (!java.util.Arrays.equals(value.shape, tangent.shape)) {
            throw new IllegalArgumentException("Dual: tangent of shape " + Shape.format(tangent.shape)
                    + " for a value of shape " + Shape.format(value.shape));
        }
    }

    /** f's output at {@code primals} and its directional derivative along {@code tangents}. */
    public static Dual jvp(Function<Dual[], Dual> f, Tensor[] primals, Tensor[] tangents) {
        if (primals.length != tangents.length) {
            throw new IllegalArgumentException("jvp: " + primals.length + " primals but " + tangents.length + " tangents");
        }
        Dual[] in = new Dual[primals.length];
        for (int i = 0; i < in.length; i++) {
            in[i] = new Dual(primals[i], tangents[i]);
        }
        try (Autograd.NoGrad off = Autograd.noGrad()) {
            return f.apply(in);
        }
    }

    /** A constant: zero tangent. */
    public static Dual constant(Tensor value) {
        return new Dual(value, Tensor.zeros(value.device(), value.shape()));
    }

    public Dual add(Dual o) {
        return new Dual(value.add(o.value), tangent.add(o.tangent));
    }

    public Dual sub(Dual o) {
        return new Dual(value.sub(o.value), tangent.sub(o.tangent));
    }

    /** d(ab) = a·db + b·da */
    public Dual mul(Dual o) {
        return new Dual(value.mul(o.value), tangent.mul(o.value).add(value.mul(o.tangent)));
    }

    /** d(a/b) = (da − (a/b)·db) / b */
    public Dual div(Dual o) {
        Tensor q = value.div(o.value);
        return new Dual(q, tangent.sub(q.mul(o.tangent)).div(o.value));
    }

    public Dual mul(float s) {
        return new Dual(value.mul(s), tangent.mul(s));
    }

    public Dual add(float s) {
        return new Dual(value.add(s), tangent);
    }

    public Dual neg() {
        return new Dual(value.neg(), tangent.neg());
    }

    public Dual exp() {
        Tensor y = value.exp();
        return new Dual(y, tangent.mul(y));
    }

    public Dual log() {
        return new Dual(value.log(), tangent.div(value));
    }

    public Dual sin() {
        return new Dual(value.sin(), tangent.mul(value.cos()));
    }

    public Dual cos() {
        return new Dual(value.cos(), tangent.mul(value.sin()).neg());
    }

    public Dual sqrt() {
        Tensor y = value.sqrt();
        return new Dual(y, tangent.div(y).mul(0.5f));
    }

    public Dual square() {
        return new Dual(value.square(), tangent.mul(value).mul(2f));
    }

    public Dual pow(float p) {
        return new Dual(value.pow(p), tangent.mul(value.pow(p - 1f)).mul(p));
    }

    public Dual tanh() {
        Tensor y = value.tanh();
        return new Dual(y, tangent.mul(y.square().neg().add(1f)));
    }

    public Dual sigmoid() {
        Tensor y = value.sigmoid();
        return new Dual(y, tangent.mul(y).mul(y.neg().add(1f)));
    }

    /** The tangent passes where x &gt; 0. */
    public Dual relu() {
        return new Dual(value.relu(), value.greater(Tensor.zeros(value.device())).mul(tangent));
    }

    /** d(AB) = dA·B + A·dB */
    public Dual matmul(Dual o) {
        return new Dual(value.matmul(o.value), tangent.matmul(o.value).add(value.matmul(o.tangent)));
    }

    public Dual sum() {
        return new Dual(value.sum(), tangent.sum());
    }
}
