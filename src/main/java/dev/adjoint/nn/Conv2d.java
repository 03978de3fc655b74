package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.util.Arrays;

/**
 * PyTorch's {@code nn.Conv2d}: {@code [N, C, H, W] → [N, O, H', W']}, weight {@code [O, C/groups, Kh, Kw]} and
 * bias {@code [O]} under PyTorch's names and layouts, so checkpoints load into torch. Stride, dilation, groups,
 * and padding as {@code {ph, pw}} on both sides, {@link #SAME} or {@link #VALID}; the computation and its
 * boundary rules are {@link Convolution}'s.
 */
public final class Conv2d extends Layer {
    /** Padding that keeps H and W at stride 1: d·(K−1) split floor before, the rest after, as PyTorch. */
    public static final int[] SAME = {-1, -1};
    /** No padding. */
    public static final int[] VALID = {0, 0};

    private final int in;
    private final int out;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final int groups;

    /** A 3×3-style layer with stride 1, no padding, no dilation, one group, bias, PyTorch's init. */
    public Conv2d(Device device, int in, int out, int kernel, long seed) {
        this(device, in, out, new int[] {kernel, kernel}, new int[] {1, 1}, VALID, new int[] {1, 1}, 1, true,
                Init.PYTORCH, seed);
    }

    public Conv2d(Device device, int in, int out, int[] kernel, int[] stride, int[] padding, int[] dilation,
                  int groups, boolean bias, Init init, long seed) {
        String what = "Conv2d(" + in + " -> " + out + ", kernel " + Arrays.toString(kernel) + ")";
        if (in < 1 || out < 1 || groups < 1 || in % groups != 0 || out % groups != 0) {
            throw new IllegalArgumentException(what + ": channels must be positive and divide by the groups (" + groups
                    + ")");
        }
        for (int[] pair : new int[][] {kernel, stride, dilation}) {
            if (pair.length != 2 || pair[0] < 1 || pair[1] < 1) {
                throw new IllegalArgumentException(what + ": kernel, stride and dilation are two sizes of 1 or more, got "
                        + Arrays.toString(pair));
            }
        }
        boolean same = Arrays.equals(padding, SAME);
        if (padding.length != 2 || (!same && (padding[0] < 0 || padding[1] < 0))) {
            throw new IllegalArgumentException(what + ": padding is {ph, pw} of 0 or more, SAME or VALID, got "
                    + Arrays.toString(padding));
        }
        if (same && (stride[0] != 1 || stride[1] != 1)) {
            throw new IllegalArgumentException(what + ": SAME padding needs stride 1 (as in PyTorch), got "
                    + Arrays.toString(stride));
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel.clone();
        this.stride = stride.clone();
        this.dilation = dilation.clone();
        this.groups = groups;
        this.padding = same ? samePadding(kernel, dilation)
                : new int[] {padding[0], padding[0], padding[1], padding[1]};
        int fanIn = in / groups * kernel[0] * kernel[1];
        register("weight", init.weight(device, seed, fanIn, out * kernel[0] * kernel[1], out, in / groups, kernel[0],
                kernel[1]));
        if (bias) {
            register("bias", init.bias(device, seed ^ 0x5DEECE66DL, fanIn, out));
        }
    }

    /** {top, bottom, left, right} for SAME: d·(K−1) per axis, floor of half before. */
    static int[] samePadding(int[] kernel, int[] dilation) {
        int h = dilation[0] * (kernel[0] - 1);
        int w = dilation[1] * (kernel[1] - 1);
        return new int[] {h / 2, h - h / 2, w / 2, w - w / 2};
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 4 || x.size(1) != in) {
            throw new IllegalArgumentException("Conv2d(" + in + " -> " + out + "): input of shape "
                    + Shape.format(x.shape()) + " is not [N, " + in + ", H, W]");
        }
        return Convolution.conv2d(x, param("weight"), param("bias"), stride, padding, dilation, groups);
    }
}
