package dev.adjoint.nn;

import dev.adjoint.tensor.Shape;
import dev.adjoint.tensor.Tensor;
import java.util.Arrays;

/**
 * PyTorch's {@code nn.MaxPool2d} and {@code nn.AvgPool2d} (and, on {@code [N, C, L]}, {@code MaxPool1d} and
 * {@code AvgPool1d}): a window of {@code kernel}, {@code stride} (default: the kernel), zero or −∞ padding of at
 * most half the window, ceil mode, and for max pooling dilation; {@link Convolution} states the boundary
 * rules. No parameters.
 */
public final class Pool2d extends Layer {
    private final boolean max;
    private final boolean oneD;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final boolean ceil;

    private Pool2d(boolean max, boolean oneD, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceil) {
        for (int[] pair : new int[][] {kernel, stride, dilation}) {
            if (pair[0] < 1 || pair[1] < 1) {
                throw new IllegalArgumentException(name(max, oneD) + ": kernel, stride and dilation must be 1 or more,"
                        + " got " + Arrays.toString(pair));
            }
        }
        if (padding[0] < 0 || padding[1] < 0) {
            throw new IllegalArgumentException(name(max, oneD) + ": padding must be 0 or more, got "
                    + Arrays.toString(padding));
        }
        this.max = max;
        this.oneD = oneD;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = new int[] {padding[0], padding[0], padding[1], padding[1]};
        this.dilation = dilation;
        this.ceil = ceil;
    }

    /** MaxPool2d(kernel, stride, padding, dilation, ceil mode). */
    public static Pool2d max2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceil) {
        return new Pool2d(true, false, kernel.clone(), stride.clone(), padding.clone(), dilation.clone(), ceil);
    }

    /**
     * AvgPool2d(kernel, stride, padding, ceil mode): padded zeros count in the mean (count_include_pad); a ceil
     * window's overhang past the padded input does not.
     */
    public static Pool2d avg2d(int[] kernel, int[] stride, int[] padding, boolean ceil) {
        return new Pool2d(false, false, kernel.clone(), stride.clone(), padding.clone(), new int[] {1, 1}, ceil);
    }

    /** MaxPool1d(kernel, stride, padding, dilation, ceil mode) on [N, C, L]. */
    public static Pool2d max1d(int kernel, int stride, int padding, int dilation, boolean ceil) {
        return new Pool2d(true, true, new int[] {1, kernel}, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, dilation}, ceil);
    }

    /** AvgPool1d(kernel, stride, padding, ceil mode) on [N, C, L]. */
    public static Pool2d avg1d(int kernel, int stride, int padding, boolean ceil) {
        return new Pool2d(false, true, new int[] {1, kernel}, new int[] {1, stride}, new int[] {0, padding},
                new int[] {1, 1}, ceil);
    }

    private static String name(boolean max, boolean oneD) {
        return (max ? "MaxPool" : "AvgPool") + (oneD ? "1d" : "2d");
    }

    @Override
    public Tensor forward(Tensor x) {
        String name = name(max, oneD);
        if (oneD) {
            if (x.dim() != 3) {
                throw new IllegalArgumentException(name + ": input " + Shape.format(x.shape()) + " is not [N, C, L]");
            }
            Tensor y = Convolution.pool2d(name, x.reshape(x.size(0), x.size(1), 1, x.size(2)), max, kernel, stride,
                    padding, dilation, ceil);
            return y.reshape(y.size(0), y.size(1), y.size(3));
        }
        return Convolution.pool2d(name, x, max, kernel, stride, padding, dilation, ceil);
    }
}
