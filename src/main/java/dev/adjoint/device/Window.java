package dev.adjoint.device;

/**
 * The sliding windows of {@link Device#im2col} and {@link Device#col2im} over an image block
 * {@code x [n, c, h, w]}: a {@code kh × kw} window, moved by {@code stride} and spread by {@code dilation},
 * at {@code outH × outW} positions. Position (oi, oj)'s tap (ki, kj) reads input row
 * {@code oi·strideH − padTop + ki·dilationH} and column {@code oj·strideW − padLeft + kj·dilationW}; a tap
 * outside the image reads padding. The padding after the image is whatever the output size implies.
 *
 * <p>The columns are {@code [c·kh·kw, n·outH·outW]}, row-major: one row per channel and tap
 * ({@code (ci·kh + ki)·kw + kj}), one column per window position ({@code (image·outH + oi)·outW + oj}), so a
 * convolution is one GEMM of the weight {@code [out, c, kh, kw]}, read as {@code [out, c·kh·kw]}, with them;
 * and each row holds, for one tap, a run of {@code outW} positions per output row, which is read or written
 * as one stretch of an image row when the stride is 1.
 */
public record Window(int n, int c, int h, int w, int kh, int kw, int strideH, int strideW,
                     int padTop, int padLeft, int dilationH, int dilationW, int outH, int outW) {

    public Window {
        String fields = "[n=" + n + ", c=" + c + ", h=" + h + ", w=" + w + ", kernel " + kh + "x" + kw + ", stride " + strideH
                + "x" + strideW + ", padding " + padTop + "," + padLeft + ", dilation " + dilationH + "x" + dilationW
                + ", out " + outH + "x" + outW + "]";
        if (n < 0 || c < 0 || h < 0 || w < 0 || outH < 0 || outW < 0 || kh < 1 || kw < 1 || strideH < 1
                || strideW < 1 || dilationH < 1 || dilationW < 1 || padTop < 0 || padLeft < 0) {
            throw new IllegalArgumentException("window " + fields + ": sizes are 0 or more; kernel, stride and dilation"
                    + " 1 or more; padding 0 or more");
        }
        // the fields are not set yet in a compact constructor: the sizes are checked from the parameters
        try {
            Math.multiplyExact(Math.multiplyExact((long) n * c, h), (long) w);
            long positions = Math.multiplyExact((long) n * outH, (long) outW);
            Math.multiplyExact((long) c, positions);
            Math.multiplyExact(positions, Math.multiplyExact((long) c, (long) kh * kw));
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("window " + fields + " has more elements than a long counts");
        }
    }

    /** Elements of the pooled block, {@code c·positions()} (n·c·outH·outW). */
    public long pooledSize() {
        return c * positions();
    }

    /** Elements of the image block, {@code n·c·h·w}. */
    public long imageSize() {
        return Math.multiplyExact(Math.multiplyExact((long) n * c, h), (long) w);
    }

    /** Columns per tap: window positions, {@code n·outH·outW}. */
    public long positions() {
        return Math.multiplyExact((long) n * outH, (long) outW);
    }

    /** Rows of the columns: channels times taps, {@code c·kh·kw}. */
    public long taps() {
        return Math.multiplyExact((long) c, (long) kh * kw);
    }

    /** Elements of the columns, {@code taps()·positions()}. */
    public long columns() {
        return positions() * taps();
    }
}
