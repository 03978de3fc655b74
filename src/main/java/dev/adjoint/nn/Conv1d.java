package dev.adjoint.nn;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;

/**
 * PyTorch's {@code nn.Conv1d}: {@code [N, C, L] → [N, O, L']}, weight {@code [O, C/groups, K]}, bias {@code [O]};
 * computed as {@link Convolution#conv2d} on {@code [N, C, 1, L]} with a {@code 1 × K} kernel. Padding {@code p}
 * on both ends, or {@code SAME} ({@code -1}).
 */
public final class Conv1d extends Layer {
    /** Padding that keeps L at stride 1. */
    public static final int SAME = -1;

    private final int in;
    private final int out;
    private final int stride;
    private final int[] padding;
    private final int dilation;
    private final int groups;

    public Conv1d(Device device, int in, int out, int kernel, int stride, int padding, int dilation, int groups,
                  boolean bias, Init init, long seed) {
        String what = "Conv1d(" + in + " -> " + out + ", kernel " + kernel + ")";
        if (in < 1 || out < 1 || kernel < 1 || stride < 1 || dilation < 1 || groups < 1 || in % groups != 0
                || out % groups != 0 || padding < SAME) {
            throw new IllegalArgumentException(what + ": sizes must be positive, padding 0 or more (or SAME), and the"
                    + " channels divide by the groups (" + groups + ")");
        }
        if (padding == SAME && stride != 1) {
            throw new IllegalArgumentException(what + ": SAME padding needs stride 1 (as in PyTorch), got " + stride);
        }
        this.in = in;
        this.out = out;
        this.stride = stride;
        this.dilation = dilation;
        this.groups = groups;
        int[] same = Conv2d.samePadding(new int[] {1, kernel}, new int[] {1, dilation});
        this.padding = padding == SAME ? same : new int[] {0, 0, padding, padding};
        int fanIn = in / groups * kernel;
        register("weight", init.weight(device, seed, fanIn, out * kernel, out, in / groups, kernel));
        if (bias) {
            register("bias", init.bias(device, seed ^ 0x5DEECE66DL, fanIn, out));
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() != 3 || x.size(1) != in) {
            throw new IllegalArgumentException("Conv1d(" + in + " -> " + out + "): input of shape "
                    + Shape.format(x.shape()) + " is not [N, " + in + ", L]");
        }
        Tensor w = param("weight");
        Tensor y = Convolution.conv2d(x.reshape(x.size(0), in, 1, x.size(2)), w.reshape(w.size(0), w.size(1), 1,
                w.size(2)), param("bias"), new int[] {1, stride}, padding, new int[] {1, dilation}, groups);
        return y.reshape(y.size(0), out, y.size(3));
    }
}
