package dev.adjoint.graph;

import dev.adjoint.device.BinaryOp;
import dev.adjoint.device.Buffer;
import dev.adjoint.device.Device;
import dev.adjoint.device.ReduceOp;
import dev.adjoint.device.UnaryOp;
import dev.adjoint.device.Window;

/**
 * One recorded device call of a {@link Plan}: the primitive and its arguments, over buffers of the
 * device underneath (never arena handles), with shapes and strides copied at capture. Host
 * transfers, random fills and optimizer updates are never recorded (see {@link CapturingDevice}).
 */
public sealed interface Call {
    /** Issues the call on {@code device}, the device the plan was captured over. */
    void run(Device device);

    record Fill(Buffer dst, long offset, long length, float value) implements Call {
        @Override
        public void run(Device d) {
            d.fill(dst, offset, length, value);
        }
    }

    record Copy(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) implements Call {
        @Override
        public void run(Device d) {
            d.copy(src, srcOffset, dst, dstOffset, length);
        }
    }

    record Convert(Buffer src, long srcOffset, Buffer dst, long dstOffset, long length) implements Call {
        @Override
        public void run(Device d) {
            d.convert(src, srcOffset, dst, dstOffset, length);
        }
    }

    record Gemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Buffer a, long aOffset, int lda,
                Buffer b, long bOffset, int ldb, float beta, Buffer c, long cOffset, int ldc) implements Call {
        @Override
        public void run(Device d) {
            d.gemm(transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
        }
    }

    record Unary(UnaryOp op, float p, int[] shape, Buffer x, long xOffset, long[] xStrides, Buffer out,
                 long outOffset) implements Call {
        @Override
        public void run(Device d) {
            d.unary(op, p, shape, x, xOffset, xStrides, out, outOffset);
        }
    }

    record Binary(BinaryOp op, float p, int[] shape, Buffer a, long aOffset, long[] aStrides, Buffer b, long bOffset,
                  long[] bStrides, Buffer out, long outOffset) implements Call {
        @Override
        public void run(Device d) {
            d.binary(op, p, shape, a, aOffset, aStrides, b, bOffset, bStrides, out, outOffset);
        }
    }

    record Reduce(ReduceOp op, int outer, int n, int inner, Buffer x, long xOffset, Buffer out, long outOffset)
            implements Call {
        @Override
        public void run(Device d) {
            d.reduce(op, outer, n, inner, x, xOffset, out, outOffset);
        }
    }

    record Softmax(boolean log, int rows, int cols, Buffer x, long xOffset, Buffer out, long outOffset)
            implements Call {
        @Override
        public void run(Device d) {
            d.softmax(log, rows, cols, x, xOffset, out, outOffset);
        }
    }

    record Im2col(Window window, float fill, Buffer x, long xOffset, Buffer cols, long colsOffset) implements Call {
        @Override
        public void run(Device d) {
            d.im2col(window, fill, x, xOffset, cols, colsOffset);
        }
    }

    record Conv(Window window, int out, Buffer weight, long weightOffset, Buffer x, long xOffset, Buffer bias,
                long biasOffset, Buffer y, long yOffset, Buffer work, long workOffset) implements Call {
        @Override
        public void run(Device d) {
            d.conv(window, out, weight, weightOffset, x, xOffset, bias, biasOffset, y, yOffset, work, workOffset);
        }
    }

    record ConvBackwardInput(Window window, int out, Buffer weight, long weightOffset, Buffer gy, long gyOffset,
                             Buffer gx, long gxOffset, Buffer work, long workOffset) implements Call {
        @Override
        public void run(Device d) {
            d.convBackwardInput(window, out, weight, weightOffset, gy, gyOffset, gx, gxOffset, work, workOffset);
        }
    }

    record ConvBackwardWeight(Window window, int out, Buffer gy, long gyOffset, Buffer x, long xOffset, Buffer gw,
                              long gwOffset, Buffer work, long workOffset) implements Call {
        @Override
        public void run(Device d) {
            d.convBackwardWeight(window, out, gy, gyOffset, x, xOffset, gw, gwOffset, work, workOffset);
        }
    }

    record MaxPool(Window window, Buffer x, long xOffset, Buffer out, long outOffset, Buffer argmax, long argmaxOffset)
            implements Call {
        @Override
        public void run(Device d) {
            d.maxPool(window, x, xOffset, out, outOffset, argmax, argmaxOffset);
        }
    }

    record MaxPoolBackward(Window window, Buffer gy, long gyOffset, Buffer argmax, long argmaxOffset, Buffer gx,
                           long gxOffset) implements Call {
        @Override
        public void run(Device d) {
            d.maxPoolBackward(window, gy, gyOffset, argmax, argmaxOffset, gx, gxOffset);
        }
    }

    record Col2im(Window window, Buffer cols, long colsOffset, Buffer x, long xOffset) implements Call {
        @Override
        public void run(Device d) {
            d.col2im(window, cols, colsOffset, x, xOffset);
        }
    }

    record SoftmaxBackward(boolean log, int rows, int cols, Buffer y, long yOffset, Buffer gy, long gyOffset,
                           Buffer gx, long gxOffset) implements Call {
        @Override
        public void run(Device d) {
            d.softmaxBackward(log, rows, cols, y, yOffset, gy, gyOffset, gx, gxOffset);
        }
    }

    record CrossEntropy(int rows, int cols, Buffer logits, long logitsOffset, Buffer targets, long targetsOffset,
                        Buffer loss, long lossOffset, Buffer probs, long probsOffset) implements Call {
        @Override
        public void run(Device d) {
            d.crossEntropy(rows, cols, logits, logitsOffset, targets, targetsOffset, loss, lossOffset, probs, probsOffset);
        }
    }

    record CrossEntropyBackward(int rows, int cols, Buffer probs, long probsOffset, Buffer targets, long targetsOffset,
                                Buffer gLoss, long gLossOffset, long gLossStride, Buffer gx, long gxOffset)
            implements Call {
        @Override
        public void run(Device d) {
            d.crossEntropyBackward(rows, cols, probs, probsOffset, targets, targetsOffset, gLoss, gLossOffset,
                    gLossStride, gx, gxOffset);
        }
    }

    record Gather(int outer, int n, int inner, int m, Buffer x, long xOffset, Buffer index, long indexOffset,
                  long[] indexStrides, Buffer out, long outOffset) implements Call {
        @Override
        public void run(Device d) {
            d.gather(outer, n, inner, m, x, xOffset, index, indexOffset, indexStrides, out, outOffset);
        }
    }

    record ScatterAdd(int outer, int n, int inner, int m, Buffer index, long indexOffset, long[] indexStrides,
                      Buffer src, long srcOffset, Buffer out, long outOffset) implements Call {
        @Override
        public void run(Device d) {
            d.scatterAdd(outer, n, inner, m, index, indexOffset, indexStrides, src, srcOffset, out, outOffset);
        }
    }

    record Select(int[] shape, Buffer cond, long condOffset, long[] condStrides, Buffer a, long aOffset,
                  long[] aStrides, Buffer b, long bOffset, long[] bStrides, Buffer out, long outOffset) implements Call {
        @Override
        public void run(Device d) {
            d.select(shape, cond, condOffset, condStrides, a, aOffset, aStrides, b, bOffset, bStrides, out, outOffset);
        }
    }
}
