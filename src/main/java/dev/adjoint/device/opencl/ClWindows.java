package dev.adjoint.device.opencl;

import dev.adjoint.device.Window;

/** Launchers of {@code windows.cl}: im2col, col2im and max pooling, one work-item per element written. Callers hold the device's lock. */
final class ClWindows {
    private final OpenClDevice device;
    private final int local;

    ClWindows(OpenClDevice device, int local) {
        this.device = device;
        this.local = local;
    }

    void im2col(Window v, float fill, OpenClBuffer x, long xOff, OpenClBuffer cols, long cOff) {
        long count = v.columns();
        if (count == 0) {
            return;
        }
        args(device.launch("im2col_forward", () -> "im2col " + v), v)
                .f(fill).mem(x).l(xOff).mem(cols).l(cOff).run1d(count, local);
    }

    void col2im(Window v, OpenClBuffer cols, long cOff, OpenClBuffer x, long xOff) {
        long count = v.imageSize();
        if (count == 0) {
            return;
        }
        args(device.launch("im2col_backward", () -> "col2im " + v), v)
                .mem(cols).l(cOff).mem(x).l(xOff).run1d(count, local);
    }

    void maxPool(Window v, OpenClBuffer x, long xOff, OpenClBuffer out, long oOff, OpenClBuffer arg, long aOff) {
        long count = v.pooledSize();
        if (count == 0) {
            return;
        }
        args(device.launch("max_pool_forward", () -> "maxPool " + v), v)
                .mem(x).l(xOff).mem(out).l(oOff).mem(arg).l(aOff).run1d(count, local);
    }

    void maxPoolBackward(Window v, OpenClBuffer gy, long gyOff, OpenClBuffer arg, long aOff, OpenClBuffer gx, long gxOff) {
        long count = v.imageSize();
        if (count == 0) {
            return;
        }
        args(device.launch("max_pool_backward", () -> "maxPoolBackward " + v), v)
                .mem(gy).l(gyOff).mem(arg).l(aOff).mem(gx).l(gxOff).run1d(count, local);
    }

    private static Launch args(Launch launch, Window v) {
        return launch.i(v.n()).i(v.c()).i(v.h()).i(v.w()).i(v.kh()).i(v.kw()).i(v.strideH()).i(v.strideW())
                .i(v.padTop()).i(v.padLeft()).i(v.dilationH()).i(v.dilationW()).i(v.outH()).i(v.outW());
    }
}
