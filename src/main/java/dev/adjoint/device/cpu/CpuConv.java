package dev.adjoint.device.cpu;

import dev.adjoint.device.Window;
import dev.adjoint.device.cpu.gemm.ImplicitConv;

/**
 * The CPU's convolutions ({@link dev.adjoint.device.Device#conv}) where {@link ImplicitConv} applies: stride 1,
 * padding at most the dilated kernel's reach ({@code (k−1)·d}, so the input gradient is itself a stride-1
 * convolution), and the Vector API in use. The input gradient is the convolution of the output gradient, padded
 * by {@code (k−1)·d − pad}, with the weight turned round: {@code w'[ci, o, ki, kj] = w[o, ci, kh−1−ki, kw−1−kj]}.
 * Elsewhere the device takes {@link dev.adjoint.device.Device}'s im2col and GEMM path. Calls are serialized by
 * the device.
 */
final class CpuConv {
    private final ImplicitConv implicit;
    private float[] turned = new float[0];

    /** Null where the Vector API is not in use. */
    static CpuConv create(Parallel pool) {
        return CpuVectors.available() ? new CpuConv(new ImplicitConv(pool)) : null;
    }

    private CpuConv(ImplicitConv implicit) {
        this.implicit = implicit;
    }

    /**
     * Whether these windows take the implicit path (else the im2col path, with its workspace): stride 1, padding
     * within the kernel's reach, and padded planes (of the image, and of the {@code out} channels of the output
     * gradient for the input gradient) whose elements an int counts with room to spare.
     */
    static boolean suits(Window v, int out) {
        long reachH = (long) (v.kh() - 1) * v.dilationH();
        long reachW = (long) (v.kw() - 1) * v.dilationW();
        return v.strideH() == 1 && v.strideW() == 1 && v.padTop() <= reachH && v.padLeft() <= reachW
                && Math.max(reachH, reachW) < Integer.MAX_VALUE / 2
                && Math.max(geometry(v).paddedFloats(), turned(v, out).paddedFloats()) < Integer.MAX_VALUE / 2;
    }

    void forward(Window v, int out, float[] w, int wOff, float[] x, int xOff, float[] bias, int biasOff, float[] y,
                 int yOff) {
        implicit.forward(w, wOff, out, geometry(v), x, xOff, bias, biasOff, y, yOff);
    }

    void weightGradient(Window v, int out, float[] gy, int gyOff, float[] x, int xOff, float[] gw, int gwOff) {
        implicit.weightGradient(gy, gyOff, out, geometry(v), x, xOff, gw, gwOff);
    }

    void inputGradient(Window v, int out, float[] w, int wOff, float[] gy, int gyOff, float[] gx, int gxOff) {
        int c = v.c();
        int kh = v.kh();
        int kw = v.kw();
        int taps = kh * kw;
        int size = Math.multiplyExact(Math.multiplyExact(out, c), taps);
        if (turned.length < size) {
            turned = new float[size];
        }
        for (int ci = 0; ci < c; ci++) {
            for (int o = 0; o < out; o++) {
                int src = wOff + (o * c + ci) * taps;
                int dst = (ci * out + o) * taps;
                for (int t = 0; t < taps; t++) {
                    turned[dst + t] = w[src + taps - 1 - t];     // (ki, kj) -> (kh-1-ki, kw-1-kj)
                }
            }
        }
        implicit.forward(turned, 0, c, turned(v, out), gy, gyOff, null, 0, gx, gxOff);
    }

    /** The input gradient's windows: over the {@code out} channels of the output gradient, padded by {@code (k−1)·d − pad}. */
    private static ImplicitConv.Geometry turned(Window v, int out) {
        return new ImplicitConv.Geometry(v.n(), out, v.outH(), v.outW(), v.kh(), v.kw(), v.dilationH(), v.dilationW(),
                (v.kh() - 1) * v.dilationH() - v.padTop(), (v.kw() - 1) * v.dilationW() - v.padLeft(), v.h(), v.w());
    }

    private static ImplicitConv.Geometry geometry(Window v) {
        return new ImplicitConv.Geometry(v.n(), v.c(), v.h(), v.w(), v.kh(), v.kw(), v.dilationH(), v.dilationW(),
                v.padTop(), v.padLeft(), v.outH(), v.outW());
    }
}
