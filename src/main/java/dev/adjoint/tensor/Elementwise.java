package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;

/**
 * Arithmetic and elementwise math with numpy broadcasting, each op's backward rule beside its
 * forward. Gradients of broadcast operands are summed over the broadcast axes ({@link #sumTo}).
 */
final class Elementwise {
    private Elementwise() {}

    // ------------------------------------------------------------------ kernels

    static Tensor unary(String name, UnaryOp op, float p, Tensor x) {
        x.pin(name);
        try {
            Tensor out = Tensor.empty(x.device(), x.shape.clone());
            x.device().unary(op, p, x.shape, x.buffer(), x.offset, x.strides, out.buffer(), 0);
            return out;
        } finally {
            x.unpin();
        }
    }

    static Tensor binary(String name, BinaryOp op, float p, Tensor a, Tensor b) {
        Tensor.pin(name, a, b);
        try {
            Tensor.sameDevice(name, a, b);
            int[] shape = Shape.broadcast(name, a.shape, b.shape);
            Tensor out = Tensor.empty(a.device(), shape);
            a.device().binary(op, p, shape,
                    a.buffer(), a.offset, Shape.broadcastStrides(a.shape, a.strides, shape),
                    b.buffer(), b.offset, Shape.broadcastStrides(b.shape, b.strides, shape),
                    out.buffer(), 0);
            return out;
        } finally {
            Tensor.unpin(a, b);
        }
    }

    /** Sums a gradient over the axes along which an operand of {@code shape} was broadcast. */
    static Tensor sumTo(Tensor g, int[] shape) {
        if (java.util.Arrays.equals(g.shape, shape)) {
            return g;
        }
        Tensor r = g;
        int lead = g.shape.length - shape.length;
        for (int d = 0; d < lead; d++) {
            r = r.sum(0, false);
        }
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1 && r.shape[d] != 1) {
                r = r.sum(d, true);
            }
        }
        return r;
    }

    private static Tensor[] grads(Tensor ga, Tensor gb) {
        return new Tensor[] {ga, gb};
    }

    // ------------------------------------------------------------------ binary ops

    static Tensor add(Tensor a, Tensor b) {
        int[] as = a.shape.clone();
        int[] bs = b.shape.clone();
        return Autograd.record(binary("add", BinaryOp.ADD, 0f, a, b), "add", new Tensor[] {a, b}, new Tensor[0],
                (ctx, g) -> grads(ctx.needsGrad(0) ? sumTo(g, as) : null, ctx.needsGrad(1) ? sumTo(g, bs) : null));
    }

    static Tensor sub(Tensor a, Tensor b) {
        int[] as = a.shape.clone();
        int[] bs = b.shape.clone();
        return Autograd.record(binary("sub", BinaryOp.SUB, 0f, a, b), "sub", new Tensor[] {a, b}, new Tensor[0],
                (ctx, g) -> grads(ctx.needsGrad(0) ? sumTo(g, as) : null, ctx.needsGrad(1) ? sumTo(g.neg(), bs) : null));
    }

    /** d(ab) = b·da + a·db: the gradients swap the operands. */
    static Tensor mul(Tensor a, Tensor b) {
        return Autograd.record(binary("mul", BinaryOp.MUL, 0f, a, b), "mul", new Tensor[] {a, b}, new Tensor[] {a, b},
                (ctx, g) -> grads(ctx.needsGrad(0) ? sumTo(g.mul(ctx.saved(1)), ctx.saved(0).shape) : null,
                        ctx.needsGrad(1) ? sumTo(g.mul(ctx.saved(0)), ctx.saved(1).shape) : null));
    }

    /** d(a/b) = da/b − a·db/b². */
    static Tensor div(Tensor a, Tensor b) {
        return Autograd.record(binary("div", BinaryOp.DIV, 0f, a, b), "div", new Tensor[] {a, b}, new Tensor[] {a, b},
                (ctx, g) -> {
                    Tensor sa = ctx.saved(0);
                    Tensor sb = ctx.saved(1);
                    return grads(ctx.needsGrad(0) ? sumTo(g.div(sb), sa.shape) : null,
                            ctx.needsGrad(1) ? sumTo(g.mul(sa).div(sb.square()).neg(), sb.shape) : null);
                });
    }

    /** d(a^b) = b·a^(b−1)·da + a^b·ln(a)·db. */
    static Tensor pow(Tensor a, Tensor b) {
        Tensor out = binary("pow", BinaryOp.POW, 0f, a, b);
        return Autograd.record(out, "pow", new Tensor[] {a, b}, new Tensor[] {a, b, out},
                (ctx, g) -> {
                    Tensor sa = ctx.saved(0);
                    Tensor sb = ctx.saved(1);
                    return grads(ctx.needsGrad(0) ? sumTo(g.mul(sb).mul(sa.pow(sb.sub(1f))), sa.shape) : null,
                            ctx.needsGrad(1) ? sumTo(g.mul(ctx.saved(2)).mul(sa.log()), sb.shape) : null);
                });
    }

    static Tensor maximum(Tensor a, Tensor b) {
        return extremum("maximum", BinaryOp.MAX, a, b);
    }

    static Tensor minimum(Tensor a, Tensor b) {
        return extremum("minimum", BinaryOp.MIN, a, b);
    }

    /** max routes the gradient to the larger operand (min to the smaller); a tie splits it in half, as PyTorch does. */
    private static Tensor extremum(String name, BinaryOp op, Tensor a, Tensor b) {
        return Autograd.record(binary(name, op, 0f, a, b), name, new Tensor[] {a, b}, new Tensor[] {a, b},
                (ctx, g) -> {
                    Tensor sa = ctx.saved(0);
                    Tensor sb = ctx.saved(1);
                    Tensor wins = op == BinaryOp.MAX ? binary(name, BinaryOp.GREATER, 0f, sa, sb)
                            : binary(name, BinaryOp.GREATER, 0f, sb, sa);
                    Tensor share = wins.add(binary(name, BinaryOp.EQUAL, 0f, sa, sb).mul(0.5f));
                    Tensor ga = g.mul(share);
                    return grads(ctx.needsGrad(0) ? sumTo(ga, sa.shape) : null,
                            ctx.needsGrad(1) ? sumTo(g.sub(ga), sb.shape) : null);
                });
    }

    // ------------------------------------------------------------------ unary ops

    /** A unary op whose rule needs the input x (saved(0)) and output y (saved(1)). */
    private static Tensor unaryOp(String name, UnaryOp op, float p, Tensor x, Node.Backward rule) {
        Tensor out = unary(name, op, p, x);
        return Autograd.record(out, name, new Tensor[] {x}, new Tensor[] {x, out}, rule);
    }

    static Tensor addScalar(Tensor x, float v) {
        return unaryOp("add", UnaryOp.ADD_SCALAR, v, x, (ctx, g) -> new Tensor[] {g});
    }

    static Tensor scale(Tensor x, float v) {
        return unaryOp("mul", UnaryOp.SCALE, v, x, (ctx, g) -> new Tensor[] {g.mul(v)});
    }

    static Tensor powScalar(Tensor x, float e) {
        return unaryOp("pow", UnaryOp.POW_SCALAR, e, x, (ctx, g) -> new Tensor[] {g.mul(ctx.saved(0).pow(e - 1f)).mul(e)});
    }

    static Tensor neg(Tensor x) {
        return unaryOp("neg", UnaryOp.NEG, 0f, x, (ctx, g) -> new Tensor[] {g.neg()});
    }

    static Tensor exp(Tensor x) {
        return unaryOp("exp", UnaryOp.EXP, 0f, x, (ctx, g) -> new Tensor[] {g.mul(ctx.saved(1))});
    }

    static Tensor log(Tensor x) {
        return unaryOp("log", UnaryOp.LOG, 0f, x, (ctx, g) -> new Tensor[] {g.div(ctx.saved(0))});
    }

    static Tensor sin(Tensor x) {
        return unaryOp("sin", UnaryOp.SIN, 0f, x, (ctx, g) -> new Tensor[] {g.mul(ctx.saved(0).cos())});
    }

    static Tensor cos(Tensor x) {
        return unaryOp("cos", UnaryOp.COS, 0f, x, (ctx, g) -> new Tensor[] {g.mul(ctx.saved(0).sin()).neg()});
    }

    /** d√x = dx / (2√x). */
    static Tensor sqrt(Tensor x) {
        return unaryOp("sqrt", UnaryOp.SQRT, 0f, x, (ctx, g) -> new Tensor[] {g.div(ctx.saved(1)).mul(0.5f)});
    }

    static Tensor square(Tensor x) {
        return unaryOp("square", UnaryOp.SQUARE, 0f, x, (ctx, g) -> new Tensor[] {g.mul(ctx.saved(0)).mul(2f)});
    }

    /** d(1/x) = −dx / x² = −y²·dx. */
    static Tensor reciprocal(Tensor x) {
        return unaryOp("reciprocal", UnaryOp.RECIPROCAL, 0f, x,
                (ctx, g) -> new Tensor[] {g.mul(ctx.saved(1).square()).neg()});
    }

    static Tensor abs(Tensor x) {
        return unaryOp("abs", UnaryOp.ABS, 0f, x,
                (ctx, g) -> new Tensor[] {g.mul(unary("abs", UnaryOp.SIGN, 0f, ctx.saved(0)))});
    }
}
