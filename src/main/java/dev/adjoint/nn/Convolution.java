package dev.adjoint.nn;

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
 *   <li><b>Windows (im2col).</b> The input is padded, then for each kernel offset (ki, kj) the strided view
 *       {@code x[:, :, ki·d : ki·d + (H'−1)·s + 1 : s, kj·d : … : s]} holds that tap of every output position;
 *       the taps stacked give {@code [N, C, Kh·Kw, H', W']}.</li>
 *   <li><b>Convolution</b> is then one GEMM: patches {@code [N·H'·W', C·Kh·Kw]} times the weight
 *       {@code [O, C, Kh, Kw]} (PyTorch's layout) read as {@code [O, C·Kh·Kw]}ᵀ; per group when {@code groups > 1}.</li>
 *   <li><b>Pooling</b> reduces the taps axis: max (its gradient goes to the arg-max of each window, the "max
 *       gate") or mean.</li>
 * </ul>
 *
 * <p><b>Boundaries.</b> An output position exists where the whole (dilated) window fits in the padded input:
 * {@code H' = floor((H + 2p − d·(K−1) − 1) / s) + 1}. Padding is zeros for convolution and average pooling
 * (padded zeros count in the mean, PyTorch's {@code count_include_pad=True}) and −∞ for max pooling (a window
 * never picks padding over a real element). {@code same} padding (stride 1) splits {@code d·(K−1)} as
 * {@code floor} before and the rest after, as PyTorch does; {@code valid} is no padding. Max pooling's
 * {@code ceil} mode adds the windows that start inside the input but run past its end (their overhang is −∞).
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

    /**
     * The taps of every window: {@code [N, C, Kh·Kw, H', W']} from {@code x [N, C, H, W]} padded by
     * {@code pad = {top, bottom, left, right}} with {@code fill} (0 or −∞), plus {@code extra = {bottom, right}}
     * more of it for ceil-mode overhang.
     */
    static Tensor windows(Tensor x, int[] kernel, int[] stride, int[] pad, int[] dilation, int[] out, float fill) {
        Tensor padded = x;
        int[] need = {(out[0] - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1,
                      (out[1] - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1};
        for (int axis = 2; axis < 4; axis++) {
            int before = pad[(axis - 2) * 2];
            int after = Math.max(0, need[axis - 2] - x.size(axis) - before);
            if (before > 0 || after > 0) {
                padded = border(padded, axis, before, after, fill);
            }
        }
        List<Tensor> taps = new ArrayList<>();
        for (int ki = 0; ki < kernel[0]; ki++) {
            for (int kj = 0; kj < kernel[1]; kj++) {
                int r = ki * dilation[0];
                int c = kj * dilation[1];
                taps.add(padded.slice(2, r, r + (out[0] - 1) * stride[0] + 1, stride[0])
                        .slice(3, c, c + (out[1] - 1) * stride[1] + 1, stride[1]));
            }
        }
        return Tensor.stack(taps, 2);
    }

    /** {@code x} with {@code before} and {@code after} elements of {@code fill} along {@code axis}. */
    private static Tensor border(Tensor x, int axis, int before, int after, float fill) {
        int[] shape = x.shape();
        List<Tensor> parts = new ArrayList<>();
        if (before > 0) {
            shape[axis] = before;
            parts.add(Tensor.full(x.device(), fill, shape.clone()));
        }
        parts.add(x);
        if (after > 0) {
            shape[axis] = after;
            parts.add(Tensor.full(x.device(), fill, shape.clone()));
        }
        return Tensor.cat(parts, axis);
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
        try (Scope scope = Scope.open()) {
            Tensor taps = windows(x, kernel, stride, pad, dilation, out, 0f);     // [N, C, K, H', W']
            int k = kernel[0] * kernel[1];
            int rows = n * out[0] * out[1];
            Tensor patches = taps.permute(0, 3, 4, 1, 2).reshape(rows, c * k);   // [N·H'·W', C·K]
            int cg = c / groups;
            int og = o / groups;
            List<Tensor> parts = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                Tensor p = groups == 1 ? patches : patches.slice(1, g * cg * k, (g + 1) * cg * k, 1);
                Tensor w = groups == 1 ? weight : weight.slice(0, g * og, (g + 1) * og, 1);
                parts.add(p.matmul(w.reshape(og, cg * k).transpose()));        // [N·H'·W', O/groups]
            }
            Tensor y = groups == 1 ? parts.getFirst() : Tensor.cat(parts, 1);
            if (bias != null) {
                y = y.add(bias);
            }
            return scope.keep(y.reshape(n, out[0], out[1], o).permute(0, 3, 1, 2).contiguous());
        }
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
        if (ceil && !max) {
            throw new IllegalArgumentException(layer + ": ceil mode is offered for max pooling only (an average over"
                    + " a window that runs past the input needs PyTorch's divisor rules, not implemented)");
        }
        int[] out = {outputSize(layer, x.size(2), kernel[0], stride[0], pad[0], pad[1], dilation[0], ceil),
                     outputSize(layer, x.size(3), kernel[1], stride[1], pad[2], pad[3], dilation[1], ceil)};
        try (Scope scope = Scope.open()) {
            Tensor taps = windows(x, kernel, stride, pad, dilation, out, max ? Float.NEGATIVE_INFINITY : 0f);
            return scope.keep(max ? taps.max(2, false) : taps.mean(2, false));
        }
    }
}
