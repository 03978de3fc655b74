package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.UnaryOp;
import java.util.List;

/**
 * Arithmetic and elementwise math with numpy broadcasting: each op declared once ({@link Op}) with
 * the partial derivative that gives both its VJP and its JVP. Gradients of broadcast operands are
 * summed over the broadcast axes ({@link #sumTo}).
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

    // ------------------------------------------------------------------ declarations

    /** Which tensors an op's rules read: saved(0..n-1) are its inputs, saved(n) its output; a slot not kept is null. */
    enum Keep {
        NOTHING(false, false), INPUTS(true, false), OUTPUT(false, true), ALL(true, true);

        final boolean inputs;
        final boolean output;

        Keep(boolean inputs, boolean output) {
            this.inputs = inputs;
            this.output = output;
        }
    }

    /**
     * g ↦ g·∂f/∂(one input), elementwise: the Jacobian of an elementwise op is diagonal (per input),
     * so one rule gives both the VJP (g the output's gradient) and the JVP (g an input's tangent).
     */
    @FunctionalInterface
    interface Partial {
        Tensor apply(float p, Context c, Tensor g);
    }

    /** A unary elementwise op on the device primitive {@code op} with its partial. */
    static Op<Float> unaryOp(String name, UnaryOp op, Keep keep, Partial d) {
        return Op.of(name, (p, saved, in) -> {
            Tensor out = unary(name, op, p, in[0]);
            saved.keep(keep.inputs ? in[0] : null);
            saved.keep(keep.output ? out : null);
            return out;
        }, (p, c, g) -> new Tensor[] {d.apply(p, c, g)}, (p, c, t) -> d.apply(p, c, t[0]));
    }

    /**
     * A broadcasting binary op on the device primitive {@code op} with its two partials: the VJP sums
     * each back to its input's shape ({@link #sumTo}), the JVP adds them, ta·∂f/∂a + tb·∂f/∂b.
     */
    static Op<Void> binaryOp(String name, BinaryOp op, Keep keep, Partial da, Partial db) {
        return Op.of(name, (none, saved, in) -> {
            Tensor out = binary(name, op, 0f, in[0], in[1]);
            saved.keep(keep.inputs ? in[0] : null);
            saved.keep(keep.inputs ? in[1] : null);
            saved.keep(keep.output ? out : null);
            return out;
        }, (none, c, g) -> new Tensor[] {
                c.needsGrad(0) ? sumTo(da.apply(0f, c, g), c.inputShape(0)) : null,
                c.needsGrad(1) ? sumTo(db.apply(0f, c, g), c.inputShape(1)) : null},
                (none, c, t) -> t[0] == null ? db.apply(0f, c, t[1])
                        : t[1] == null ? da.apply(0f, c, t[0]) : da.apply(0f, c, t[0]).add(db.apply(0f, c, t[1])));
    }

    /** A comparison: its result is 0 or 1, a constant almost everywhere, so it records nothing. */
    private static Op<Void> comparison(String name, BinaryOp op) {
        return Op.constant(name, (none, saved, in) -> binary(name, op, 0f, in[0], in[1]),
                "a comparison is 0 or 1: piecewise constant, its derivative is zero wherever it exists");
    }

    // ------------------------------------------------------------------ binary ops

    static final Op<Void> ADD = binaryOp("add", BinaryOp.ADD, Keep.NOTHING, (p, c, g) -> g, (p, c, g) -> g);
    static final Op<Void> SUB = binaryOp("sub", BinaryOp.SUB, Keep.NOTHING, (p, c, g) -> g, (p, c, g) -> g.neg());
    /** d(ab) = b·da + a·db: the partials swap the operands. */
    static final Op<Void> MUL = binaryOp("mul", BinaryOp.MUL, Keep.INPUTS,
            (p, c, g) -> g.mul(c.saved(1)), (p, c, g) -> g.mul(c.saved(0)));
    /** d(a/b) = da/b − a·db/b². */
    static final Op<Void> DIV = binaryOp("div", BinaryOp.DIV, Keep.INPUTS,
            (p, c, g) -> g.div(c.saved(1)), (p, c, g) -> g.mul(c.saved(0)).div(c.saved(1).square()).neg());
    /** d(a^b) = b·a^(b−1)·da + a^b·ln(a)·db. */
    static final Op<Void> POW = binaryOp("pow", BinaryOp.POW, Keep.ALL,
            (p, c, g) -> g.mul(c.saved(1)).mul(c.saved(0).pow(c.saved(1).sub(1f))),
            (p, c, g) -> g.mul(c.saved(2)).mul(c.saved(0).log()));
    /** max routes the derivative to the larger operand (min to the smaller); a tie splits it in half, as PyTorch does. */
    static final Op<Void> MAXIMUM = binaryOp("maximum", BinaryOp.MAX, Keep.INPUTS,
            (p, c, g) -> g.mul(share(c, 0, 1)), (p, c, g) -> g.mul(share(c, 1, 0)));
    static final Op<Void> MINIMUM = binaryOp("minimum", BinaryOp.MIN, Keep.INPUTS,
            (p, c, g) -> g.mul(share(c, 1, 0)), (p, c, g) -> g.mul(share(c, 0, 1)));
    static final Op<Void> EQUAL = comparison("equal", BinaryOp.EQUAL);
    static final Op<Void> GREATER = comparison("greater", BinaryOp.GREATER);

    /** 1 where saved(hi) &gt; saved(lo), ½ where they tie, else 0. */
    private static Tensor share(Context c, int hi, int lo) {
        Tensor a = c.saved(hi);
        Tensor b = c.saved(lo);
        return binary("extremum", BinaryOp.GREATER, 0f, a, b).add(binary("extremum", BinaryOp.EQUAL, 0f, a, b).mul(0.5f));
    }

    // ------------------------------------------------------------------ unary ops

    static final Op<Float> ADD_SCALAR = unaryOp("add_scalar", UnaryOp.ADD_SCALAR, Keep.NOTHING, (p, c, g) -> g);
    static final Op<Float> MUL_SCALAR = unaryOp("mul_scalar", UnaryOp.SCALE, Keep.NOTHING, (p, c, g) -> g.mul(p));
    static final Op<Float> POW_SCALAR = unaryOp("pow_scalar", UnaryOp.POW_SCALAR, Keep.INPUTS,
            (p, c, g) -> g.mul(c.saved(0).pow(p - 1f)).mul(p));
    static final Op<Float> NEG = unaryOp("neg", UnaryOp.NEG, Keep.NOTHING, (p, c, g) -> g.neg());
    static final Op<Float> EXP = unaryOp("exp", UnaryOp.EXP, Keep.OUTPUT, (p, c, g) -> g.mul(c.saved(1)));
    static final Op<Float> LOG = unaryOp("log", UnaryOp.LOG, Keep.INPUTS, (p, c, g) -> g.div(c.saved(0)));
    static final Op<Float> SIN = unaryOp("sin", UnaryOp.SIN, Keep.INPUTS, (p, c, g) -> g.mul(c.saved(0).cos()));
    static final Op<Float> COS = unaryOp("cos", UnaryOp.COS, Keep.INPUTS, (p, c, g) -> g.mul(c.saved(0).sin()).neg());
    /** d√x = dx / (2√x). */
    static final Op<Float> SQRT = unaryOp("sqrt", UnaryOp.SQRT, Keep.OUTPUT, (p, c, g) -> g.div(c.saved(1)).mul(0.5f));
    static final Op<Float> SQUARE = unaryOp("square", UnaryOp.SQUARE, Keep.INPUTS, (p, c, g) -> g.mul(c.saved(0)).mul(2f));
    /** d(1/x) = −dx / x² = −y²·dx. */
    static final Op<Float> RECIPROCAL = unaryOp("reciprocal", UnaryOp.RECIPROCAL, Keep.OUTPUT,
            (p, c, g) -> g.mul(c.saved(1).square()).neg());
    static final Op<Float> ABS = unaryOp("abs", UnaryOp.ABS, Keep.INPUTS,
            (p, c, g) -> g.mul(unary("abs", UnaryOp.SIGN, 0f, c.saved(0))));

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(ADD, SUB, MUL, DIV, POW, MAXIMUM, MINIMUM, EQUAL, GREATER,
            ADD_SCALAR, MUL_SCALAR, POW_SCALAR, NEG, EXP, LOG, SIN, COS, SQRT, SQUARE, RECIPROCAL, ABS);
}
