package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.device.Window;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Convolution and pooling over the last two axes of {@code [N, C, H, W]} (1-D ones are the same with H = 1),
 * written with tensor ops only, so they run and differentiate on every backend:
 *
 * <ul>
 *   <li><b>Windows (im2col).</b> {@link Tensor#im2col} gathers every window position's taps into one column,
 *       reading the padding value outside the input; its gradient, col2im, sums each tap back into the element
 *       it read.</li>
 *   <li><b>Convolution</b> is the device's {@link Tensor#conv}: per image, the weight {@code [O, C, Kh, Kw]}
 *       (PyTorch's layout) read as {@code [O, C·Kh·Kw]} times the image's columns {@code [C·Kh·Kw, H'·W']}, as one
 *       GEMM; the CPU packs the columns straight from the image and never lays them out. With {@code groups > 1}
 *       each group's channels are convolved with its weights and the outputs joined.</li>
 *   <li><b>Pooling</b> takes each channel plane as an image of one channel: max pooling is a device primitive that
 *       keeps each window's arg-max, where its gradient goes (the "max gate"; of equal taps the first, as PyTorch);
 *       average pooling is the sum of each column of taps over its divisor.</li>
 * </ul>
 *
 * <p><b>Boundaries.</b> An output position exists where the whole (dilated) window fits in the padded input:
 * {@code H' = floor((H + 2p − d·(K−1) − 1) / s) + 1}. Padding is zeros for convolution and average pooling
 * (padded zeros count in the mean, PyTorch's {@code count_include_pad=True}) and −∞ for max pooling (a window
 * never picks padding over a real element). {@code same} padding (stride 1) splits {@code d·(K−1)} as
 * {@code floor} before and the rest after, as PyTorch does; {@code valid} is no padding. Pooling's {@code ceil}
 * mode adds the windows that start inside the input or its left padding but run past the padded end: max pooling
 * reads their overhang as −∞; average pooling divides by the taps that lie inside the padded input (PyTorch's
 * {@code (min(start + K, H + p) − start)} per axis), so only those windows have fewer than {@code Kh·Kw}.
 */
public final class Convolution {
    private Convolution() {}

    /** The output length of one axis, or an error naming the layer when the window does not fit. */
    static int outputSize(String layer, int size, int kernel, int stride, int padBefore, int padAfter, int dilation,
                          boolean ceil) {
        int span = dilation * (kernel - 1) + 1;
        int room = size + padBefore + padAfter - span;
        if (room < 0) {
            throw new IllegalArgumentException(layer + ": a window of " + kernel + (dilation > 1 ? " dilated by "
                    + dilation : "") + " (" + span + " wide) does not fit an input of " + size + " padded by "
                    + padBefore + " and " + padAfter);
        }
        int out = (ceil ? (room + stride - 1) / stride : room / stride) + 1;
        if (ceil && (out - 1) * stride >= size + padBefore) {
            out--;     // PyTorch: the last window must start inside the input or the left padding
        }
        return out;
    }

    /** The windows of {@code x [N, C, H, W]} at {@code out} positions, {@code pad = {top, bottom, left, right}}. */
    private static Window window(int n, int c, Tensor x, int[] kernel, int[] stride, int[] pad, int[] dilation, int[] out) {
        return new Window(n, c, x.size(2), x.size(3), kernel[0], kernel[1], stride[0], stride[1], pad[0], pad[2],
                dilation[0], dilation[1], out[0], out[1]);
    }

    /**
     * 2-D convolution (cross-correlation, as PyTorch's {@code conv2d}): {@code x [N, C, H, W]}, {@code weight
     * [O, C/groups, Kh, Kw]}, {@code bias [O]} or null, {@code pad = {top, bottom, left, right}}; returns
     * {@code [N, O, H', W']}.
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int[] stride, int[] pad, int[] dilation,
                                int groups) {
        String layer = "Conv2d";
        if (x.dim() != 4 || weight.dim() != 4) {
            throw new IllegalArgumentException(layer + ": input " + Shape.format(x.shape()) + " and weight "
                    + Shape.format(weight.shape()) + " must be [N, C, H, W] and [O, C/groups, Kh, Kw]");
        }
        int n = x.size(0);
        int c = x.size(1);
        int o = weight.size(0);
        int[] kernel = {weight.size(2), weight.size(3)};
        if (groups < 1 || c % groups != 0 || o % groups != 0 || weight.size(1) != c / groups) {
            throw new IllegalArgumentException(layer + ": input " + Shape.format(x.shape()) + " has " + c + " channels"
                    + " and weight " + Shape.format(weight.shape()) + " expects " + weight.size(1) + " per group of "
                    + groups + " (channels and outputs must divide by the groups)");
        }
        int[] out = {outputSize(layer, x.size(2), kernel[0], stride[0], pad[0], pad[1], dilation[0], false),
                     outputSize(layer, x.size(3), kernel[1], stride[1], pad[2], pad[3], dilation[1], false)};
        Window windows = window(n, c / groups, x, kernel, stride, pad, dilation, out);
        try (Scope scope = Scope.open()) {
            Tensor y;
            if (groups == 1) {
                y = x.conv(weight, bias, windows);
            } else {
                int cg = c / groups;
                int og = o / groups;
                List<Tensor> parts = new ArrayList<>();
                for (int g = 0; g < groups; g++) {
                    parts.add(x.slice(1, g * cg, (g + 1) * cg, 1).conv(weight.slice(0, g * og, (g + 1) * og, 1), windows));
                }
                y = Tensor.cat(parts, 1);
                if (bias != null) {
                    y = y.add(bias.reshape(1, o, 1, 1));
                }
            }
            return scope.keep(y);
        }
    }

    /**
     * Average pooling's divisor at each of the {@code out} positions, {@code [1, H'·W']}: the taps of the window
     * inside the padded input, counted on the device as the taps of a plane of ones the padded input's size (the
     * windows that run past its end, in ceil mode, read zeros there), so that a captured step replays it.
     */
    private static Tensor divisors(Device device, int h, int w, int[] kernel, int[] stride, int[] pad, int[] dilation,
                                   int[] out) {
        Tensor padded = Tensor.ones(device, 1, 1, h + pad[0] + pad[1], w + pad[2] + pad[3]);
        Window windows = new Window(1, 1, padded.size(2), padded.size(3), kernel[0], kernel[1], stride[0], stride[1], 0, 0,
                dilation[0], dilation[1], out[0], out[1]);
        return padded.im2col(windows, 0f).sum(0, false).reshape(1, out[0] * out[1]);
    }

    /** Max (true) or average pooling of {@code x [N, C, H, W]}; {@code pad = {top, bottom, left, right}}. */
    public static Tensor pool2d(String layer, Tensor x, boolean max, int[] kernel, int[] stride, int[] pad,
                                int[] dilation, boolean ceil) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(layer + ": input " + Shape.format(x.shape()) + " must be [N, C, H, W]");
        }
        for (int a = 0; a < 2; a++) {
            if (pad[2 * a] > kernel[a] / 2 || pad[2 * a + 1] > kernel[a] / 2) {
                throw new IllegalArgumentException(layer + ": padding " + Math.max(pad[2 * a], pad[2 * a + 1])
                        + " is more than half the window " + kernel[a] + " (PyTorch's rule: a window must cover"
                        + " an element of the input)");
            }
        }
        int[] out = {outputSize(layer, x.size(2), kernel[0], stride[0], pad[0], pad[1], dilation[0], ceil),
                     outputSize(layer, x.size(3), kernel[1], stride[1], pad[2], pad[3], dilation[1], ceil)};
        int n = x.size(0);
        int c = x.size(1);
        Window planes = window(n * c, 1, x, kernel, stride, pad, dilation, out);   // each channel plane one image
        try (Scope scope = Scope.open()) {
            Tensor images = x.reshape(n * c, 1, x.size(2), x.size(3));
            Tensor pooled = max ? images.maxPool(planes)
                    : images.im2col(planes, 0f).sum(0, false).reshape(n * c, out[0] * out[1])
                            .div(divisors(x.device(), x.size(2), x.size(3), kernel, stride, pad, dilation, out));
            return scope.keep(pooled.reshape(n, c, out[0], out[1]));
        }
    }
}
