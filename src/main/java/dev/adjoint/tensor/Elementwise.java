package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;

/** Arithmetic and elementwise math, with numpy broadcasting for binary operations. */
final class Elementwise {
    private Elementwise() {}

    static Tensor unary(String name, UnaryOp op, float p, Tensor x) {
        x.checkOpen(name);
        Tensor out = Tensor.empty(x.device(), x.shape.clone());
        x.device().unary(op, p, x.shape, x.buffer(), x.offset, x.strides, out.buffer(), 0);
        return out;
    }

    static Tensor binary(String name, BinaryOp op, float p, Tensor a, Tensor b) {
        a.checkOpen(name);
        b.checkOpen(name);
        if (a.device() != b.device()) {
            throw new IllegalArgumentException(name + ": operands are on different devices (" + a.device().name()
                    + " and " + b.device().name() + "); move one with to(device)");
        }
        int[] shape = Shape.broadcast(name, a.shape, b.shape);
        Tensor out = Tensor.empty(a.device(), shape);
        a.device().binary(op, p, shape,
                a.buffer(), a.offset, Shape.broadcastStrides(a.shape, a.strides, shape),
                b.buffer(), b.offset, Shape.broadcastStrides(b.shape, b.strides, shape),
                out.buffer(), 0);
        return out;
    }

    static Tensor add(Tensor a, Tensor b) {
        return binary("add", BinaryOp.ADD, 0f, a, b);
    }

    static Tensor sub(Tensor a, Tensor b) {
        return binary("sub", BinaryOp.SUB, 0f, a, b);
    }

    static Tensor mul(Tensor a, Tensor b) {
        return binary("mul", BinaryOp.MUL, 0f, a, b);
    }

    static Tensor div(Tensor a, Tensor b) {
        return binary("div", BinaryOp.DIV, 0f, a, b);
    }

    static Tensor pow(Tensor a, Tensor b) {
        return binary("pow", BinaryOp.POW, 0f, a, b);
    }

    static Tensor maximum(Tensor a, Tensor b) {
        return binary("maximum", BinaryOp.MAX, 0f, a, b);
    }

    static Tensor minimum(Tensor a, Tensor b) {
        return binary("minimum", BinaryOp.MIN, 0f, a, b);
    }

    static Tensor addScalar(Tensor x, float v) {
        return unary("add", UnaryOp.ADD_SCALAR, v, x);
    }

    static Tensor scale(Tensor x, float v) {
        return unary("mul", UnaryOp.SCALE, v, x);
    }

    static Tensor powScalar(Tensor x, float e) {
        return unary("pow", UnaryOp.POW_SCALAR, e, x);
    }

    static Tensor neg(Tensor x) {
        return unary("neg", UnaryOp.NEG, 0f, x);
    }

    static Tensor exp(Tensor x) {
        return unary("exp", UnaryOp.EXP, 0f, x);
    }

    static Tensor log(Tensor x) {
        return unary("log", UnaryOp.LOG, 0f, x);
    }

    static Tensor sin(Tensor x) {
        return unary("sin", UnaryOp.SIN, 0f, x);
    }

    static Tensor cos(Tensor x) {
        return unary("cos", UnaryOp.COS, 0f, x);
    }

    static Tensor sqrt(Tensor x) {
        return unary("sqrt", UnaryOp.SQRT, 0f, x);
    }

    static Tensor square(Tensor x) {
        return unary("square", UnaryOp.SQUARE, 0f, x);
    }

    static Tensor reciprocal(Tensor x) {
        return unary("reciprocal", UnaryOp.RECIPROCAL, 0f, x);
    }

    static Tensor abs(Tensor x) {
        return unary("abs", UnaryOp.ABS, 0f, x);
    }
}
