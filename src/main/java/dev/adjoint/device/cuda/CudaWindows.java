package dev.adjoint.device.cuda;

import dev.adjoint.device.Window;

/** Launchers of {@code windows.cu}: im2col, col2im and max pooling, grid-stride over the elements written. */
final class CudaWindows {
    private final CudaKernels kernels;

    CudaWindows(CudaKernels kernels) {
        this.kernels = kernels;
    }

    void im2col(Window v, float fill, long x, long cols) {
        long count = v.columns();
        if (count > 0) {
            kernels.launch("windows", "im2col_forward", kernels.gridFor(count), fields(v), fill, x, cols);
        }
    }

    void col2im(Window v, long cols, long x) {
        long count = v.imageSize();
        if (count > 0) {
            kernels.launch("windows", "im2col_backward", kernels.gridFor(count), fields(v), cols, x);
        }
    }

    void maxPool(Window v, long x, long out, long arg) {
        long count = v.pooledSize();
        if (count > 0) {
            kernels.launch("windows", "max_pool_forward", kernels.gridFor(count), fields(v), x, out, arg);
        }
    }

    void maxPoolBackward(Window v, long gy, long arg, long gx) {
        long count = v.imageSize();
        if (count > 0) {
            kernels.launch("windows", "max_pool_backward", kernels.gridFor(count), fields(v), gy, arg, gx);
        }
    }

    /** The kernels' {@code struct Window}, field by field. */
    private static int[] fields(Window v) {
        return new int[] {v.n(), v.c(), v.h(), v.w(), v.kh(), v.kw(), v.strideH(), v.strideW(), v.padTop(), v.padLeft(),
                v.dilationH(), v.dilationW(), v.outH(), v.outW()};
    }
}
