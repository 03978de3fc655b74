package dev.adjoint.tensor;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;
import java.util.List;

/**
 * The sliding windows of convolution and pooling: {@code im2col} gathers every window of an image block
 * {@code [n, c, h, w]} into columns {@code [c·kh·kw, n·outH·outW]} ({@link Window} lays them out), and
 * {@code col2im}, its adjoint, sums columns back into the image. Each is the other's VJP. im2col's padding
 * value (0, or −∞ for max pooling) is a constant: its JVP gathers the tangent with zero padding.
 */
final class Windows {
    private Windows() {}

    /** im2col's arguments: the windows and the value a tap outside the image reads. */
    record Gather(Window window, float fill) {}

    static final Op<Gather> IM2COL = Op.of("im2col", (a, saved, in) -> im2col(in[0], a.window(), a.fill()),
            (a, c, g) -> new Tensor[] {g.col2im(a.window())},
            (a, c, t) -> t[0] == null ? null : t[0].im2col(a.window(), 0f));
    static final Op<Window> COL2IM = Op.linear("col2im", (window, saved, in) -> col2im(in[0], window),
            (window, c, g) -> new Tensor[] {g.im2col(window, 0f)});

    /**
     * Max pooling over the windows of {@code [n, c, h, w]}: {@code [n, c, outH, outW]}, each window's largest tap, as
     * PyTorch's {@code max_pool2d} (of equal taps the first takes the gradient; a NaN wins, the last if several). The forward keeps each
     * window's arg-max; the VJP is the device's gather of g by it (the "max gate"), the JVP the tangent's taps picked
     * at the arg-max.
     */
    static final Op<Window> MAX_POOL = Op.of("max_pool", (v, saved, in) -> maxPool(saved, in[0], v),
            (v, c, g) -> new Tensor[] {maxPoolBackward(v, c.saved(0), g)},
            (v, c, t) -> t[0] == null ? null : atArgmax(v, c.saved(0), t[0]));

    /**
     * Convolution of an image block {@code x [n, c, h, w]} with a weight {@code [out, c, kh, kw]} over the window
     * (cross-correlation, one group), and a bias {@code [out]} where a third input is given: {@code [n, out, outH,
     * outW]}, the device's {@link dev.adjoint.device.Device#conv}, the bias added to each sum as a separate add
     * would. Without the bias it is bilinear, and so are its two gradients, declared below: each of the three ops'
     * rules is written with the three; the bias's gradient is the output's summed over all but the channels.
     */
    static final Op<Window> CONV = Op.of("conv", (v, saved, in) -> {
        saved.save(in[0], in[1]);
        return convCall(v, in[0], in[1], in.length > 2 ? in[2] : null);
    }, (v, c, g) -> {
        Tensor gx = c.needsGrad(0) ? convTranspose(v, g, c.saved(1)) : null;
        Tensor gw = c.needsGrad(1) ? convWeight(v, g, c.saved(0)) : null;
        if (c.inputCount() == 2) {
            return new Tensor[] {gx, gw};
        }
        int out = g.shape[1];
        return new Tensor[] {gx, gw, c.needsGrad(2) ? Elementwise.sumTo(g, new int[] {1, out, 1, 1}).reshape(out) : null};
    }, (v, c, t) -> {
        Tensor y = sum(t[0] == null ? null : convolve(v, t[0], c.saved(1)),
                t[1] == null ? null : convolve(v, c.saved(0), t[1]));
        if (t.length < 3 || t[2] == null) {
            return y;
        }
        int out = t[2].shape[0];
        Tensor bias = t[2].reshape(1, out, 1, 1);
        return y == null ? bias.expand(v.n(), out, v.outH(), v.outW()) : y.add(bias);
    });

    /**
     * conv's gradient in the image, the transposed convolution: {@code [n, c, h, w]} from {@code gy [n, out, outH,
     * outW]} and the weight.
     */
    static final Op<Window> CONV_TRANSPOSE = Op.of("conv_transpose", (v, saved, in) -> {
        saved.save(in[0], in[1]);
        return transposeCall(v, in[0], in[1]);
    }, (v, c, g) -> new Tensor[] {c.needsGrad(0) ? convolve(v, g, c.saved(1)) : null,
            c.needsGrad(1) ? convWeight(v, c.saved(0), g) : null},
            (v, c, t) -> sum(t[0] == null ? null : convTranspose(v, t[0], c.saved(1)),
                    t[1] == null ? null : convTranspose(v, c.saved(0), t[1])));

    /** {@code gw [out, c, kh, kw]} from {@code gy [n, out, outH, outW]} and the image: conv's gradient in the weight. */
    static final Op<Window> CONV_WEIGHT = Op.of("conv_weight", (v, saved, in) -> {
        saved.save(in[0], in[1]);
        return weightCall(v, in[0], in[1]);
    }, (v, c, g) -> new Tensor[] {c.needsGrad(0) ? convolve(v, c.saved(1), g) : null,
            c.needsGrad(1) ? convTranspose(v, c.saved(0), g) : null},
            (v, c, t) -> sum(t[0] == null ? null : convWeight(v, t[0], c.saved(1)),
                    t[1] == null ? null : convWeight(v, c.saved(0), t[1])));

    /** Every op this family declares. */
    static final List<Op<?>> OPS = List.of(IM2COL, COL2IM, MAX_POOL, CONV, CONV_TRANSPOSE, CONV_WEIGHT);

    static Tensor convolve(Window v, Tensor x, Tensor weight) {
        return CONV.apply(v, x, weight);
    }

    /** {@link #convolve} plus {@code bias [out]}, or without it where bias is null. */
    static Tensor convolve(Window v, Tensor x, Tensor weight, Tensor bias) {
        return bias == null ? CONV.apply(v, x, weight) : CONV.apply(v, x, weight, bias);
    }

    static Tensor convTranspose(Window v, Tensor gy, Tensor weight) {
        return CONV_TRANSPOSE.apply(v, gy, weight);
    }

    static Tensor convWeight(Window v, Tensor gy, Tensor x) {
        return CONV_WEIGHT.apply(v, gy, x);
    }

    private static Tensor sum(Tensor a, Tensor b) {
        return a == null ? b : b == null ? a : a.add(b);
    }

    /** The device call of one of the three: out of {@code shape}, over contiguous copies of a and b, with a workspace. */
    private interface ConvLaunch {
        void run(Device d, Tensor a, Tensor b, Tensor out, Buffer work);
    }

    private static Tensor convCall(Window v, Tensor x, Tensor weight, Tensor bias) {
        int out = checkConv("conv", v, x, weight, "weight");
        expect("conv", "image", x, v.n(), v.c(), v.h(), v.w());
        if (bias == null) {
            return launch("conv", v, out, x, weight, new int[] {v.n(), out, v.outH(), v.outW()},
                    (d, a, b, y, work) -> d.conv(v, out, b.buffer(), b.offset, a.buffer(), a.offset, null, 0,
                            y.buffer(), 0, work, 0));
        }
        if (bias.dim() != 1 || bias.shape[0] != out) {
            throw new IllegalArgumentException("conv: bias " + Shape.format(bias.shape) + " is not [" + out + "], one"
                    + " per output channel of the weight " + Shape.format(weight.shape));
        }
        Tensor.sameDevice("conv", x, bias);
        bias.pin("conv");
        try (Tensor bc = bias.isContiguous() ? null : Elementwise.unary("conv", UnaryOp.COPY, 0f, bias)) {
            Tensor b0 = bc == null ? bias : bc;
            return launch("conv", v, out, x, weight, new int[] {v.n(), out, v.outH(), v.outW()},
                    (d, a, b, y, work) -> d.conv(v, out, b.buffer(), b.offset, a.buffer(), a.offset, b0.buffer(),
                            b0.offset, y.buffer(), 0, work, 0));
        } finally {
            bias.unpin();
        }
    }

    private static Tensor transposeCall(Window v, Tensor gy, Tensor weight) {
        int out = checkConv("conv_transpose", v, gy, weight, "weight");
        expect("conv_transpose", "output gradient", gy, v.n(), out, v.outH(), v.outW());
        return launch("conv_transpose", v, out, gy, weight, new int[] {v.n(), v.c(), v.h(), v.w()},
                (d, a, b, gx, work) -> d.convBackwardInput(v, out, b.buffer(), b.offset, a.buffer(), a.offset,
                        gx.buffer(), 0, work, 0));
    }

    private static Tensor weightCall(Window v, Tensor gy, Tensor x) {
        gy.checkOpen("conv_weight");
        x.checkOpen("conv_weight");
        if (v == null) {
            throw new IllegalArgumentException("conv_weight: no window given for " + Shape.format(x.shape));
        }
        if (gy.dim() != 4) {
            throw new IllegalArgumentException("conv_weight: output gradient " + Shape.format(gy.shape)
                    + " is not [n, out, outH, outW]");
        }
        int out = gy.shape[1];
        expect("conv_weight", "output gradient", gy, v.n(), out, v.outH(), v.outW());
        expect("conv_weight", "image", x, v.n(), v.c(), v.h(), v.w());
        return launch("conv_weight", v, out, gy, x, new int[] {out, v.c(), v.kh(), v.kw()},
                (d, a, b, gw, work) -> d.convBackwardWeight(v, out, a.buffer(), a.offset, b.buffer(), b.offset,
                        gw.buffer(), 0, work, 0));
    }

    /** The output channels of a weight {@code [out, c, kh, kw]} that fits the window, or an error naming both. */
    private static int checkConv(String name, Window v, Tensor in, Tensor weight, String role) {
        in.checkOpen(name);
        weight.checkOpen(name);
        if (v == null) {
            throw new IllegalArgumentException(name + ": no window given for " + Shape.format(in.shape));
        }
        if (weight.dim() != 4 || weight.shape[1] != v.c() || weight.shape[2] != v.kh() || weight.shape[3] != v.kw()) {
            throw new IllegalArgumentException(name + ": " + role + " " + Shape.format(weight.shape) + " is not [out, "
                    + v.c() + ", " + v.kh() + ", " + v.kw() + "] for " + v);
        }
        return weight.shape[0];
    }

    private static Tensor launch(String name, Window v, int channels, Tensor a, Tensor b, int[] shape,
                                 ConvLaunch launch) {
        Tensor.sameDevice(name, a, b);
        Device d = a.device();
        long workspace = d.convWorkspace(v, channels);
        if (workspace > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": the workspace of " + v + " would be " + workspace
                    + " floats, past a tensor's 2^31 − 1; split the batch");
        }
        Tensor.pin(name, a, b);
        try {
            Tensor out = Tensor.empty(d, shape);
            try (Tensor ac = a.isContiguous() ? null : Elementwise.unary(name, UnaryOp.COPY, 0f, a);
                 Tensor bc = b.isContiguous() ? null : Elementwise.unary(name, UnaryOp.COPY, 0f, b);
                 Tensor work = workspace == 0 ? null : Tensor.empty(d, new int[] {(int) workspace})) {
                launch.run(d, ac == null ? a : ac, bc == null ? b : bc, out, work == null ? null : work.buffer());
                return out;
            } catch (RuntimeException | Error e) {
                out.close();
                throw e;
            }
        } finally {
            Tensor.unpin(a, b);
        }
    }

    private static Tensor im2col(Tensor x, Window v, float fill) {
        x.checkOpen("im2col");
        if (v == null) {
            throw new IllegalArgumentException("im2col: no window given for image " + Shape.format(x.shape));
        }
        expect("im2col", "image", x, v.n(), v.c(), v.h(), v.w());
        Tensor out = Tensor.empty(x.device(), columnsShape("im2col", v));
        run("im2col", x, out, (src, dst) -> x.device().im2col(v, fill, src.buffer(), src.offset, dst.buffer(), 0));
        return out;
    }

    private static Tensor col2im(Tensor cols, Window v) {
        cols.checkOpen("col2im");
        if (v == null) {
            throw new IllegalArgumentException("col2im: no window given for columns " + Shape.format(cols.shape));
        }
        expect("col2im", "columns", cols, columnsShape("col2im", v));
        Tensor out = Tensor.empty(cols.device(), new int[] {v.n(), v.c(), v.h(), v.w()});
        run("col2im", cols, out, (src, dst) -> cols.device().col2im(v, src.buffer(), src.offset, dst.buffer(), 0));
        return out;
    }

    private static Tensor maxPool(Function.Saved saved, Tensor x, Window v) {
        x.checkOpen("max_pool");
        if (v == null) {
            throw new IllegalArgumentException("max_pool: no window given for image " + Shape.format(x.shape));
        }
        expect("max_pool", "image", x, v.n(), v.c(), v.h(), v.w());
        int[] shape = {v.n(), v.c(), v.outH(), v.outW()};
        Tensor out = Tensor.empty(x.device(), shape);
        Tensor argmax;
        try {
            argmax = Tensor.empty(x.device(), shape.clone());
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
        saved.own(argmax);
        run("max_pool", x, out, (src, dst) -> x.device().maxPool(v, src.buffer(), src.offset, dst.buffer(), 0,
                argmax.buffer(), 0));
        return out;
    }

    private static Tensor maxPoolBackward(Window v, Tensor argmax, Tensor g) {
        Tensor gx = Tensor.empty(g.device(), new int[] {v.n(), v.c(), v.h(), v.w()});
        run("max_pool backward", g, gx, (src, dst) -> g.device().maxPoolBackward(v, src.buffer(), src.offset,
                argmax.buffer(), argmax.offset, dst.buffer(), 0));
        return gx;
    }

    /** Each window's tap of {@code t} at its arg-max: the windows of every plane as one-channel images, gathered. */
    private static Tensor atArgmax(Window v, Tensor argmax, Tensor t) {
        int planes = v.n() * v.c();
        Window one = new Window(planes, 1, v.h(), v.w(), v.kh(), v.kw(), v.strideH(), v.strideW(), v.padTop(),
                v.padLeft(), v.dilationH(), v.dilationW(), v.outH(), v.outW());
        int positions = Math.toIntExact(one.positions());
        Tensor taps = t.reshape(planes, 1, v.h(), v.w()).im2col(one, 0f);          // [kh·kw, planes·outH·outW]
        return taps.gather(0, argmax.reshape(1, positions)).reshape(v.n(), v.c(), v.outH(), v.outW());
    }

    private interface Launch {
        void run(Tensor src, Tensor dst);
    }

    /** Runs {@code launch} on a contiguous {@code in} (copied first if it is a strided view); closes {@code out} on failure. */
    private static void run(String name, Tensor in, Tensor out, Launch launch) {
        in.pin(name);
        try (Tensor copy = in.isContiguous() ? null : Elementwise.unary(name, UnaryOp.COPY, 0f, in)) {
            launch.run(copy == null ? in : copy, out);
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        } finally {
            in.unpin();
        }
    }

    /** {@code [c·kh·kw, n·outH·outW]}, or an error naming the op when an axis passes a tensor's int sizes. */
    private static int[] columnsShape(String name, Window v) {
        if (v.taps() > Integer.MAX_VALUE || v.positions() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": the columns of " + v + " would be " + v.taps() + " x "
                    + v.positions() + ", past a tensor's 2^31 − 1 per axis; split the batch");
        }
        return new int[] {(int) v.taps(), (int) v.positions()};
    }

    private static void expect(String name, String role, Tensor x, int... shape) {
        if (!java.util.Arrays.equals(x.shape, shape)) {
            throw new IllegalArgumentException(name + ": " + role + " " + Shape.format(x.shape) + " is not the"
                    + " window's " + Shape.format(shape));
        }
    }
}
