package dev.adjoint.device.cpu;

import dev.adjoint.device.Window;

/**
 * im2col, col2im and max pooling with its gradient ({@link dev.adjoint.device.Device#im2col}). Both walk one tap's run of output positions per
 * output row, which with stride 1 is one stretch of an image row: a copy for im2col, an add for col2im. im2col
 * splits (tap, image) blocks of the columns across the pool; col2im gives each task whole channel planes, so no
 * two threads write one element: a plane is zeroed, then every tap adds into it, in tap order, whatever the
 * thread count. One instance per calling thread (see {@link RowTask}).
 */
final class CpuWindows {
    /** Whether max pooling's 2×2 windows run as {@link VectorElementwise} (a constant the JIT folds). */
    private static final boolean VECTOR = CpuVectors.available();
    final Im2col im2col = new Im2col();
    final Col2im col2im = new Col2im();
    final MaxPool maxPool = new MaxPool();
    final MaxPoolBackward maxPoolBackward = new MaxPoolBackward();

    private abstract static class WindowTask extends RowTask {
        Window win;
        float[] x;
        int xOff;
        float[] cols;
        int colsOff;

        void set(Window win, float[] x, int xOff, float[] cols, int colsOff) {
            this.win = win;
            this.x = x;
            this.xOff = xOff;
            this.cols = cols;
            this.colsOff = colsOff;
        }

        @Override
        void clear() {
            win = null;
            x = null;
            cols = null;
        }

        /** The first output column whose tap at column offset {@code shift} lands inside the image row. */
        static int firstInside(Window v, int shift) {
            int need = v.padLeft() - shift;                 // oj·strideW ≥ padLeft − shift
            return need <= 0 ? 0 : Math.min(v.outW(), (need + v.strideW() - 1) / v.strideW());
        }

        /** One past the last output column whose tap at column offset {@code shift} lands inside the image row. */
        static int endInside(Window v, int shift) {
            int room = v.w() + v.padLeft() - shift;         // oj·strideW < w + padLeft − shift
            return room <= 0 ? 0 : Math.min(v.outW(), (room + v.strideW() - 1) / v.strideW());
        }
    }

    static final class Im2col extends WindowTask {
        private float fill;

        void run(Parallel pool, Window win, float fill, float[] x, int xOff, float[] cols, int colsOff) {
            set(win, x, xOff, cols, colsOff);
            this.fill = fill;
            split(pool, (int) win.taps() * win.n(), win.outH() * win.outW());
        }

        /** Blocks {@code b = tap·n + image}: one tap's positions in one image, {@code outH·outW} in order. */
        @Override
        void rows(int b0, int b1, int worker) {
            Window v = win;
            int per = v.outH() * v.outW();
            int kk = v.kh() * v.kw();
            for (int b = b0; b < b1; b++) {
                int tap = b / v.n();
                int image = b % v.n();
                int ci = tap / kk;
                int ki = tap % kk / v.kw();
                int kj = tap % v.kw();
                int plane = xOff + (image * v.c() + ci) * v.h() * v.w();
                int shift = kj * v.dilationW();
                int lo = firstInside(v, shift);
                int hi = Math.max(lo, endInside(v, shift));
                int o = colsOff + b * per;
                for (int oi = 0; oi < v.outH(); oi++, o += v.outW()) {
                    int i = oi * v.strideH() - v.padTop() + ki * v.dilationH();
                    if (i < 0 || i >= v.h()) {
                        java.util.Arrays.fill(cols, o, o + v.outW(), fill);
                        continue;
                    }
                    java.util.Arrays.fill(cols, o, o + lo, fill);
                    int src = plane + i * v.w() + lo * v.strideW() - v.padLeft() + shift;
                    if (v.strideW() == 1) {
                        System.arraycopy(x, src, cols, o + lo, hi - lo);
                    } else {
                        for (int oj = lo; oj < hi; oj++, src += v.strideW()) {
                            cols[o + oj] = x[src];
                        }
                    }
                    java.util.Arrays.fill(cols, o + hi, o + v.outW(), fill);
                }
            }
        }
    }

    static final class Col2im extends WindowTask {
        void run(Parallel pool, Window win, float[] cols, int colsOff, float[] x, int xOff) {
            set(win, x, xOff, cols, colsOff);
            split(pool, win.n() * win.c(), (int) Math.min(Integer.MAX_VALUE, (long) win.kh() * win.kw()
                    * win.outH() * win.outW()));
        }

        /** Planes {@code p = image·c + ci}: one channel of one image. */
        @Override
        void rows(int p0, int p1, int worker) {
            Window v = win;
            int per = v.outH() * v.outW();
            int positions = per * v.n();
            for (int p = p0; p < p1; p++) {
                int image = p / v.c();
                int ci = p % v.c();
                int plane = xOff + p * v.h() * v.w();
                java.util.Arrays.fill(x, plane, plane + v.h() * v.w(), 0f);
                for (int ki = 0; ki < v.kh(); ki++) {
                    for (int kj = 0; kj < v.kw(); kj++) {
                        int tap = (ci * v.kh() + ki) * v.kw() + kj;
                        int shift = kj * v.dilationW();
                        int lo = firstInside(v, shift);
                        int hi = endInside(v, shift);
                        int o = colsOff + tap * positions + image * per;
                        for (int oi = 0; oi < v.outH(); oi++, o += v.outW()) {
                            int i = oi * v.strideH() - v.padTop() + ki * v.dilationH();
                            if (i < 0 || i >= v.h()) {
                                continue;
                            }
                            int dst = plane + i * v.w() - v.padLeft() + shift;
                            if (v.strideW() == 1) {
                                for (int oj = lo; oj < hi; oj++) {
                                    x[dst + oj] += cols[o + oj];
                                }
                            } else {
                                for (int oj = lo; oj < hi; oj++) {
                                    x[dst + oj * v.strideW()] += cols[o + oj];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * A pooling task: a window task that also reads or writes the arg-max of each window. Windows whose taps all lie
     * inside the image (every window of the usual unpadded pooling) take the taps at {@link #taps}' offsets from
     * the window's corner, with no bounds checks.
     */
    private abstract static class PoolTask extends WindowTask {
        float[] arg;
        int argOff;
        /** Tap t's element, {@code ki·dilationH·w + kj·dilationW}, from the element of the window's tap (0, 0). */
        int[] taps = new int[0];
        /** The output columns [lo, hi) whose windows have all their columns inside the image. */
        int lo;
        int hi;

        /** The arg-max of the call, and for {@link #win} the tap offsets and the columns of inside windows. */
        void setArgmax(float[] arg, int argOff) {
            this.arg = arg;
            this.argOff = argOff;
            Window v = win;
            int kk = v.kh() * v.kw();
            if (taps.length < kk) {
                taps = new int[kk];
            }
            for (int t = 0; t < kk; t++) {
                taps[t] = t / v.kw() * v.dilationH() * v.w() + t % v.kw() * v.dilationW();
            }
            lo = firstInside(v, 0);
            hi = Math.max(lo, endInside(v, (v.kw() - 1) * v.dilationW()));
        }

        /** Whether the windows of output row {@code oi} have all their rows inside the image. */
        static boolean rowsInside(Window v, int oi) {
            int top = oi * v.strideH() - v.padTop();
            return top >= 0 && top + (v.kh() - 1) * v.dilationH() < v.h();
        }

        @Override
        void clear() {
            super.clear();
            arg = null;
        }
    }

    /**
     * Planes {@code p = image·c + ci}: each window's largest tap and its index, PyTorch's rule (the first of equals;
     * a NaN wins, the last NaN if several), written as selects rather than branches on the data.
     */
    static final class MaxPool extends PoolTask {
        void run(Parallel pool, Window win, float[] x, int xOff, float[] out, int outOff, float[] arg, int argOff) {
            set(win, x, xOff, out, outOff);
            setArgmax(arg, argOff);
            split(pool, win.n() * win.c(), win.outH() * win.outW() * win.kh() * win.kw());
        }

        @Override
        void rows(int p0, int p1, int worker) {
            Window v = win;
            int kk = v.kh() * v.kw();
            int[] off = taps;
            boolean pair = kk == 4 && off[1] == 1 && off[2] == v.w() && off[3] == v.w() + 1;
            for (int p = p0; p < p1; p++) {
                int plane = xOff + p * v.h() * v.w();
                int o = p * v.outH() * v.outW();
                for (int oi = 0; oi < v.outH(); oi++, o += v.outW()) {
                    if (!rowsInside(v, oi)) {
                        edge(v, plane, oi, 0, v.outW(), o);
                        continue;
                    }
                    edge(v, plane, oi, 0, lo, o);
                    int corner = plane + (oi * v.strideH() - v.padTop()) * v.w() - v.padLeft();
                    if (pair) {
                        pairs(corner, v.strideW(), v.w(), o);
                    } else {
                        inside(corner, v.strideW(), kk, o);
                    }
                    edge(v, plane, oi, hi, v.outW(), o);
                }
            }
        }

        /** Windows [lo, hi) of a row, inside the image: taps at their offsets from the window's corner. */
        private void inside(int corner, int stride, int kk, int o) {
            int[] off = taps;
            for (int oj = lo; oj < hi; oj++) {
                int at0 = corner + oj * stride;
                float best = x[at0];
                int at = 0;
                for (int t = 1; t < kk; t++) {
                    float e = x[at0 + off[t]];
                    boolean take = e > best || e != e;
                    best = take ? e : best;
                    at = take ? t : at;
                }
                cols[colsOff + o + oj] = best;
                arg[argOff + o + oj] = at;
            }
        }

        /**
         * Windows [lo, hi) of a row of 2×2 windows inside the image, the taps written out (the usual pooling); with
         * stride 2 and the Vector API, a vector of windows at a time ({@link VectorElementwise#maxPool2x2}): the
         * selects here compile to branches, and on activations they were mispredicted (3.1 ms against 0.6 for
         * 2048 planes of 28×28 whose maxima were predictable; by hand, Zen 4).
         */
        private void pairs(int corner, int stride, int w, int o) {
            float[] x = this.x;
            if (stride == 2 && VECTOR) {
                VectorElementwise.maxPool2x2(x, corner, w, lo, hi, cols, colsOff + o, arg, argOff + o);
                return;
            }
            for (int oj = lo, e = corner + lo * stride; oj < hi; oj++, e += stride) {
                float best = x[e];
                int at = 0;
                float t = x[e + 1];
                boolean take = t > best || t != t;
                best = take ? t : best;
                at = take ? 1 : at;
                t = x[e + w];
                take = t > best || t != t;
                best = take ? t : best;
                at = take ? 2 : at;
                t = x[e + w + 1];
                take = t > best || t != t;
                best = take ? t : best;
                at = take ? 3 : at;
                cols[colsOff + o + oj] = best;
                arg[argOff + o + oj] = at;
            }
        }

        /** Windows [oj0, oj1) of output row oi, some of whose taps may fall outside the image. */
        private void edge(Window v, int plane, int oi, int oj0, int oj1, int o) {
            for (int oj = oj0; oj < oj1; oj++) {
                float best = Float.NEGATIVE_INFINITY;
                int at = -1;
                for (int ki = 0; ki < v.kh(); ki++) {
                    int i = oi * v.strideH() - v.padTop() + ki * v.dilationH();
                    if (i < 0 || i >= v.h()) {
                        continue;
                    }
                    int line = plane + i * v.w();
                    for (int kj = 0; kj < v.kw(); kj++) {
                        int j = oj * v.strideW() - v.padLeft() + kj * v.dilationW();
                        if (j < 0 || j >= v.w()) {
                            continue;
                        }
                        float t = x[line + j];
                        boolean take = at < 0 || t > best || t != t;
                        best = take ? t : best;
                        at = take ? ki * v.kw() + kj : at;
                    }
                }
                cols[colsOff + o + oj] = best;
                arg[argOff + o + oj] = Math.max(at, 0);
            }
        }
    }

    /**
     * Planes {@code p = image·c + ci}: zeroed, then each window adds its gy to the element its arg-max tap read. The
     * windows go last to first, so each element receives its terms in the order of the GPU kernels' gather (taps
     * ascending is windows descending): the same sums on every backend. Where 2×2 windows with stride 2 tile the
     * image, each element has one window, and a vector of windows at a time writes it once instead ({@link
     * VectorElementwise#maxPool2x2Backward}).
     */
    static final class MaxPoolBackward extends PoolTask {
        void run(Parallel pool, Window win, float[] gy, int gyOff, float[] arg, int argOff, float[] gx, int gxOff) {
            set(win, gx, gxOff, gy, gyOff);
            setArgmax(arg, argOff);
            split(pool, win.n() * win.c(), win.h() * win.w() + win.outH() * win.outW());
        }

        @Override
        void rows(int p0, int p1, int worker) {
            Window v = win;
            int kk = v.kh() * v.kw();
            int[] off = taps;
            if (VECTOR && tiles2x2(v)) {
                for (int p = p0; p < p1; p++) {
                    int plane = xOff + p * v.h() * v.w();
                    int first = p * v.outH() * v.outW();
                    for (int oi = 0; oi < v.outH(); oi++) {
                        int o = first + oi * v.outW();
                        VectorElementwise.maxPool2x2Backward(cols, colsOff + o, arg, argOff + o, v.outW(), x,
                                plane + 2 * oi * v.w(), v.w());
                    }
                }
                return;
            }
            for (int p = p0; p < p1; p++) {
                int plane = xOff + p * v.h() * v.w();
                java.util.Arrays.fill(x, plane, plane + v.h() * v.w(), 0f);
                int first = p * v.outH() * v.outW();
                for (int oi = v.outH() - 1; oi >= 0; oi--) {
                    int o = first + oi * v.outW();
                    if (!rowsInside(v, oi)) {
                        edge(v, plane, oi, 0, v.outW(), o);
                        continue;
                    }
                    edge(v, plane, oi, hi, v.outW(), o);
                    int corner = plane + (oi * v.strideH() - v.padTop()) * v.w() - v.padLeft();
                    for (int oj = hi - 1; oj >= lo; oj--) {
                        float a = arg[argOff + o + oj];
                        int tap = (int) a;
                        if (tap == a && tap >= 0 && tap < kk) {     // else not a tap: no element gets it
                            x[corner + oj * v.strideW() + off[tap]] += cols[colsOff + o + oj];
                        }
                    }
                    edge(v, plane, oi, 0, lo, o);
                }
            }
        }

        /**
         * Whether the windows are 2×2 with stride 2 and tile the image exactly (no padding, even sides): then each
         * element belongs to one window, and {@link VectorElementwise#maxPool2x2Backward} writes it once.
         */
        private static boolean tiles2x2(Window v) {
            return v.kh() == 2 && v.kw() == 2 && v.strideH() == 2 && v.strideW() == 2 && v.dilationH() == 1
                    && v.dilationW() == 1 && v.padTop() == 0 && v.padLeft() == 0 && v.h() == 2 * v.outH()
                    && v.w() == 2 * v.outW();
        }

        /** Windows [oj0, oj1) of output row oi, last to first, some of whose taps may fall outside the image. */
        private void edge(Window v, int plane, int oi, int oj0, int oj1, int o) {
            for (int oj = oj1 - 1; oj >= oj0; oj--) {
                float a = arg[argOff + o + oj];
                int tap = (int) a;
                if (!(a >= 0 && a < v.kh() * v.kw()) || tap != a) {
                    continue;       // not a tap: no element gets it (as the GPU kernels' match never does)
                }
                int ki = tap / v.kw();
                int i = oi * v.strideH() - v.padTop() + ki * v.dilationH();
                int j = oj * v.strideW() - v.padLeft() + (tap - ki * v.kw()) * v.dilationW();
                if (i >= 0 && i < v.h() && j >= 0 && j < v.w()) {
                    x[plane + i * v.w() + j] += cols[colsOff + o + oj];
                }
            }
        }
    }
}
