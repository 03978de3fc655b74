package dev.adjoint.conformance;

import static dev.adjoint.conformance.Check.get;
import static dev.adjoint.conformance.Check.put;
import static dev.adjoint.conformance.Check.random;

import dev.adjoint.conformance.Conformance.Case;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** im2col, col2im, max pooling and convolution: odd sizes, strides, dilations, paddings on every side, even kernels, at buffer offsets. */
final class WindowCases {
    /** n, c, h, w, kh, kw, strideH, strideW, padTop, padLeft, dilationH, dilationW, outH, outW. */
    private static final int[][] WINDOWS = {
        {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1},
        {2, 3, 7, 5, 3, 3, 1, 1, 1, 1, 1, 1, 7, 5},         // same padding
        {3, 2, 9, 8, 2, 4, 2, 3, 0, 1, 1, 1, 4, 3},         // even kernel, strides, padding on the left only
        {1, 4, 11, 13, 3, 2, 2, 1, 2, 0, 2, 3, 6, 10},      // dilation, padding past the bottom and the right
        {5, 1, 6, 6, 2, 2, 2, 2, 0, 0, 1, 1, 3, 3},         // 2x2 pooling windows
        {1, 2, 36, 36, 2, 2, 2, 2, 0, 0, 1, 1, 18, 18},     // 2x2 pooling, rows longer than a vector of windows
        {2, 2, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 3, 3},         // ceil-mode-like overhang at the end
        {1, 3, 28, 28, 5, 5, 1, 1, 2, 2, 1, 1, 28, 28},     // LeNet's first layer
        {1, 2, 5, 5, 3, 3, 1, 1, 0, 0, 1, 1, 0, 4},         // no positions
        {2, 2, 3, 3, 2, 2, 1, 1, 2, 2, 1, 1, 4, 4},         // windows wholly in the padding (the first row and column)
        {2, 2, 6, 7, 3, 3, 1, 1, 0, 1, 1, 2, 6, 8},         // stride 1, dilated, more padding on the right than the left
        {1, 2, 5, 6, 2, 3, 1, 1, 1, 2, 1, 1, 5, 6},         // stride 1, padding on the left only
        {2, 5, 6, 7, 3, 3, 1, 1, 0, 1, 1, 2, 6, 8},         // as two above with 45 taps: the CPU packs them
        {17, 1, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5, 5},        // more images than the CPU's 16 weight-gradient groups
        {17, 4, 5, 5, 3, 3, 1, 1, 1, 1, 1, 1, 5, 5},        // the same with 36 taps (packed)
        {1, 4, 33, 33, 3, 3, 1, 1, 1, 1, 1, 1, 33, 33},     // 36 taps, 1089 positions: more than one K block
        {1, 2, 12, 37, 3, 3, 1, 1, 1, 1, 1, 1, 12, 37},     // 18 taps, output rows longer than two vectors
    };

    private WindowCases() {}

    static List<Case> cases() {
        List<Case> all = new ArrayList<>();
        all.add(new Case("im2col", WindowCases::im2col));
        all.add(new Case("col2im", WindowCases::col2im));
        all.add(new Case("maxPool and its backward", WindowCases::maxPool));
        all.add(new Case("conv and its two gradients", WindowCases::conv));
        all.add(new Case("conv's gradients ignore an infinity no window reads", WindowCases::convUnread));
        all.add(new Case("im2col and col2im refuse buffers too small", WindowCases::refusals));
        return all;
    }

    private static Window window(int[] w) {
        return new Window(w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7], w[8], w[9], w[10], w[11], w[12], w[13]);
    }

    private static void im2col(Device d, Random rnd) {
        for (int[] spec : WINDOWS) {
            Window v = window(spec);
            for (float fill : new float[] {0f, Float.NEGATIVE_INFINITY}) {
                float[] x = random(rnd, (int) v.imageSize() + 1, -3, 3);
                float[] image = java.util.Arrays.copyOfRange(x, 1, x.length);
                double[] expected = Reference.im2col(v, image, fill);
                int n = (int) v.columns();
                try (Buffer xb = put(d, x); Buffer cols = d.allocate(n + 3)) {
                    d.fill(cols, 0, n + 3, 7f);
                    d.im2col(v, fill, xb, 1, cols, 3);
                    float[] got = get(d, cols, n + 3);
                    String what = "im2col " + v + " fill " + fill;
                    Check.close(what, java.util.Arrays.copyOfRange(got, 3, n + 3), expected, 0, 0);
                    Check.exact(what + ": the floats before the offset", java.util.Arrays.copyOf(got, 3),
                            new float[] {7f, 7f, 7f});
                }
            }
        }
    }

    private static void col2im(Device d, Random rnd) {
        for (int[] spec : WINDOWS) {
            Window v = window(spec);
            int n = (int) v.imageSize();
            float[] cols = random(rnd, (int) v.columns() + 2, -3, 3);
            float[] entries = java.util.Arrays.copyOfRange(cols, 2, cols.length);
            double[] abs = new double[n];
            double[] expected = Reference.col2im(v, entries, abs);
            try (Buffer cb = put(d, cols); Buffer x = d.allocate(n + 1)) {
                d.fill(x, 0, n + 1, Float.NaN);      // every element is written, those no window reads with 0
                d.col2im(v, cb, 2, x, 1);
                float[] got = get(d, x, n + 1);
                // the sum of up to kh·kw float32 terms: each addition rounds by at most 2^-24 of the running sum
                Check.close("col2im " + v, java.util.Arrays.copyOfRange(got, 1, n + 1), expected, abs,
                        v.kh() * v.kw() * 6e-8, 0);
                if (!Float.isNaN(got[0])) {
                    throw new AssertionError("col2im " + v + " wrote before its offset: " + got[0]);
                }
            }
        }
    }

    /**
     * Values on a grid of 0.5 (ties common, so the first-of-equals rule is exercised), a NaN in a few; the gradient
     * checked against the reference's arg-max: each element gets gy of the windows that picked it.
     */
    private static void maxPool(Device d, Random rnd) {
        for (int[] spec : WINDOWS) {
            Window v = window(spec);
            int n = (int) v.imageSize();
            int outs = (int) v.pooledSize();
            float[] x = new float[n + 1];
            for (int i = 0; i < x.length; i++) {
                x[i] = rnd.nextInt(7) * 0.5f - 1.5f;
            }
            if (n > 20) {
                int at = 1 + rnd.nextInt(n - 1);
                x[at] = Float.NaN;
                x[at + 1] = Float.NaN;     // two NaNs side by side, often in one window: the last one wins
            }
            float[] image = java.util.Arrays.copyOfRange(x, 1, x.length);
            double[] ref = Reference.maxPool(v, image);
            double[] values = new double[outs];
            double[] argmax = new double[outs];
            for (int o = 0; o < outs; o++) {
                values[o] = ref[2 * o];
                argmax[o] = ref[2 * o + 1];
            }
            float[] gy = random(rnd, outs + 2, -2, 2);
            if (outs > 0) {
                gy[2] = -0f;        // a zero's sign: the element it reaches gets 0 + (−0) = +0, as every sum starts at +0
            }
            double[] gx = new double[n];
            double[] abs = new double[n];
            for (int o = 0; o < outs; o++) {
                int plane = o / (v.outH() * v.outW());
                int oi = o / v.outW() % v.outH();
                int oj = o % v.outW();
                int tap = (int) argmax[o];
                int i = oi * v.strideH() - v.padTop() + tap / v.kw() * v.dilationH();
                int j = oj * v.strideW() - v.padLeft() + tap % v.kw() * v.dilationW();
                if (i >= 0 && i < v.h() && j >= 0 && j < v.w()) {
                    gx[(plane * v.h() + i) * v.w() + j] += gy[2 + o];
                    abs[(plane * v.h() + i) * v.w() + j] += Math.abs(gy[2 + o]);
                }
            }
            try (Buffer xb = put(d, x); Buffer out = d.allocate(outs + 1); Buffer arg = d.allocate(outs + 1);
                 Buffer gyb = put(d, gy); Buffer gxb = d.allocate(n + 1)) {
                d.maxPool(v, xb, 1, out, 1, arg, 1);
                String what = "maxPool " + v;
                Check.close(what, java.util.Arrays.copyOfRange(get(d, out, outs + 1), 1, outs + 1), values, 0, 0);
                Check.close(what + " arg-max", java.util.Arrays.copyOfRange(get(d, arg, outs + 1), 1, outs + 1), argmax,
                        0, 0);
                d.maxPoolBackward(v, gyb, 2, arg, 1, gxb, 1);
                float[] got = java.util.Arrays.copyOfRange(get(d, gxb, n + 1), 1, n + 1);
                Check.close(what + " backward", got, gx, abs, v.kh() * v.kw() * 6e-8, 0);
                for (int i = 0; i < n; i++) {
                    if (Float.floatToRawIntBits(got[i]) == Float.floatToRawIntBits(-0f)) {
                        throw new AssertionError(what + " backward: element " + i + " is −0, where sums from +0 give +0");
                    }
                }
            }
        }
    }

    /**
     * conv, convBackwardInput and convBackwardWeight over every window (stride 1 and strided, padding past the
     * reach of the kernel, no positions) with 5 output channels, at buffer offsets, against float64, and the
     * output again with a bias. Each output
     * element is a sum of up to taps·out or n·outH·outW products, in an order the backend picks.
     */
    private static void conv(Device d, Random rnd) {
        int out = 5;        // two of the CPU kernel's 4-row groups, the second short
        for (int[] spec : WINDOWS) {
            Window v = window(spec);
            int taps = (int) v.taps();
            int ny = out * (int) v.positions();
            int nx = (int) v.imageSize();
            int nw = out * taps;
            float[] x = random(rnd, nx + 1, -2, 2);
            float[] w = random(rnd, nw + 2, -1, 1);
            float[] gy = random(rnd, ny + 1, -1, 1);
            double[][] ref = Reference.conv(v, out, java.util.Arrays.copyOfRange(w, 2, w.length),
                    java.util.Arrays.copyOfRange(x, 1, x.length), java.util.Arrays.copyOfRange(gy, 1, gy.length));
            long workspace = d.convWorkspace(v, out);
            String what = "conv " + v;
            float[] bias = random(rnd, out + 3, -1, 1);
            try (Buffer xb = put(d, x); Buffer wb = put(d, w); Buffer gyb = put(d, gy); Buffer bb = put(d, bias);
                 Buffer y = d.allocate(ny + 1); Buffer yb = d.allocate(ny + 1); Buffer gx = d.allocate(nx + 1);
                 Buffer gw = d.allocate(nw + 1); Buffer work = d.allocate(Math.max(1, workspace + 2))) {
                for (Buffer b : new Buffer[] {y, yb, gx, gw, work}) {
                    d.fill(b, 0, b.length(), Float.NaN);     // every output element is written, NaN work is not read
                }
                d.conv(v, out, wb, 2, xb, 1, null, 0, y, 1, work, 2);
                d.conv(v, out, wb, 2, xb, 1, bb, 3, yb, 1, work, 2);
                d.convBackwardInput(v, out, wb, 2, gyb, 1, gx, 1, work, 2);
                d.convBackwardWeight(v, out, gyb, 1, xb, 1, gw, 1, work, 2);
                double rtol = (Math.max(taps, v.positions()) + out) * 6e-8;
                float[] plain = get(d, y, ny + 1);
                Check.close(what, java.util.Arrays.copyOfRange(plain, 1, ny + 1), ref[0], ref[3], rtol, 0);
                // with the bias: the sum, then one rounding for the add, as a separate add would give
                float[] biased = new float[ny];
                int positions = (int) (v.positions() / v.n());
                for (int i = 0; i < ny; i++) {
                    biased[i] = plain[1 + i] + bias[3 + i / positions % out];
                }
                Check.exact(what + " with a bias", java.util.Arrays.copyOfRange(get(d, yb, ny + 1), 1, ny + 1), biased);
                Check.close(what + " input gradient", java.util.Arrays.copyOfRange(get(d, gx, nx + 1), 1, nx + 1),
                        ref[1], ref[4], rtol, 0);
                Check.close(what + " weight gradient", java.util.Arrays.copyOfRange(get(d, gw, nw + 1), 1, nw + 1),
                        ref[2], ref[5], rtol, 0);
                for (Buffer b : new Buffer[] {y, yb, gx, gw}) {
                    if (!Float.isNaN(get(d, b, 1)[0])) {
                        throw new AssertionError(what + " wrote before its offset");
                    }
                }
            }
        }
    }

    /**
     * An infinite image element that no window reads (skipped by a dilation of 3; past a short output row) leaves
     * the output and both gradients finite, as the definition says: a backend that multiplies it by a zero gradient
     * anyway gets NaN.
     */
    private static void convUnread(Device d, Random rnd) {
        int[][] windows = {{1, 1, 2, 5, 1, 2, 1, 1, 0, 0, 1, 3, 2, 2}, {1, 1, 2, 4, 1, 1, 1, 1, 0, 0, 1, 1, 2, 1},
            {1, 2, 2, 5, 1, 2, 1, 1, 0, 0, 1, 3, 2, 2}};     // the last with four taps, packed four at a time
        int[] unread = {2, 3, 2};
        for (int i = 0; i < windows.length; i++) {
            Window v = window(windows[i]);
            float[] x = random(rnd, (int) v.imageSize(), -2, 2);
            x[unread[i]] = Float.POSITIVE_INFINITY;
            float[] w = random(rnd, (int) v.taps(), -1, 1);
            float[] gy = random(rnd, (int) v.positions(), -1, 1);
            double[][] ref = Reference.conv(v, 1, w, x, gy);
            long workspace = d.convWorkspace(v, 1);
            try (Buffer xb = put(d, x); Buffer wb = put(d, w); Buffer gyb = put(d, gy);
                 Buffer y = d.allocate(gy.length); Buffer gw = d.allocate(w.length);
                 Buffer work = d.allocate(Math.max(1, workspace))) {
                d.conv(v, 1, wb, 0, xb, 0, null, 0, y, 0, work, 0);
                d.convBackwardWeight(v, 1, gyb, 0, xb, 0, gw, 0, work, 0);
                Check.close("conv " + v + " with an unread infinity", get(d, y, gy.length), ref[0], ref[3], 1e-6, 0);
                Check.close("conv " + v + " weight gradient with an unread infinity", get(d, gw, w.length), ref[2],
                        ref[5], 1e-6, 0);
            }
        }
    }

    private static void refusals(Device d, Random rnd) {
        Window v = window(WINDOWS[1]);
        try (Buffer x = d.allocate(v.imageSize()); Buffer cols = d.allocate(v.columns() - 1)) {
            Check.refused("columns", () -> d.im2col(v, 0f, x, 0, cols, 0));
            Check.refused("columns", () -> d.col2im(v, cols, 0, x, 0));
            Check.refused("image", () -> d.im2col(v, 0f, x, 1, cols, 0));
        }
        Window strided = window(WINDOWS[2]);
        long taps = strided.taps();
        long work = d.convWorkspace(strided, 2);
        try (Buffer x = d.allocate(strided.imageSize()); Buffer w = d.allocate(2 * taps); Buffer y = d.allocate(
                2 * strided.positions()); Buffer small = d.allocate(Math.max(1, work - 1))) {
            Check.refused("weight", () -> d.conv(strided, 3, w, 0, x, 0, null, 0, y, 0, null, 0));
            Check.refused("output", () -> d.conv(strided, 2, w, 0, x, 0, null, 0, y, 1, null, 0));
            Check.refused("image", () -> d.convBackwardWeight(strided, 2, y, 0, x, 1, w, 0, null, 0));
            if (work > 0) {
                Check.refused("workspace", () -> d.conv(strided, 2, w, 0, x, 0, null, 0, y, 0, small, 0));
            }
            Check.refused("no window", () -> d.conv(null, 2, w, 0, x, 0, null, 0, y, 0, small, 0));
            try (Buffer bias = d.allocate(2); Buffer whole = d.allocate(Math.max(1, work))) {
                Check.refused("bias", () -> d.conv(strided, 2, w, 0, x, 0, bias, 1, y, 0, whole, 0));
            }
            Check.refused("no window", () -> d.convBackwardInput(null, 2, w, 0, y, 0, x, 0, small, 0));
            Check.refused("no window", () -> d.convBackwardWeight(null, 2, y, 0, x, 0, w, 0, small, 0));
        }
        Window pool = window(WINDOWS[4]);
        long outs = pool.pooledSize();
        try (Buffer x = d.allocate(pool.imageSize()); Buffer out = d.allocate(outs); Buffer small = d.allocate(outs - 1)) {
            Check.refused("pooled", () -> d.maxPool(pool, x, 0, small, 0, out, 0));
            Check.refused("arg-max", () -> d.maxPool(pool, x, 0, out, 0, small, 0));
            Check.refused("arg-max", () -> d.maxPoolBackward(pool, out, 0, small, 0, x, 0));
            Check.refused("image", () -> d.maxPoolBackward(pool, out, 0, out, 0, small, 0));
        }
    }
}
