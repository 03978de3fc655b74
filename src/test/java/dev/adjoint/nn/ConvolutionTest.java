package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Gradcheck;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conv1d/Conv2d and max/average pooling on every backend: small cases computed by hand (the boundaries:
 * zero padding, stride, dilation, ceil mode, the max gate's gradient), larger ones against direct float64
 * loops over the definition (stride, asymmetric SAME padding, dilation, groups, bias), and gradients by
 * finite differences.
 */
class ConvolutionTest {
    private static Tensor t(Device d, float[] v, int... shape) {
        return Tensor.of(d, v, shape);
    }

    private static float[] random(long seed, int n) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** conv2d by its definition, in float64: pad = {top, bottom, left, right}. */
    private static double[] reference(float[] x, int n, int c, int h, int w, float[] wt, int o, int kh, int kw,
                                      float[] bias, int[] s, int[] pad, int[] dl, int groups, int oh, int ow) {
        double[] y = new double[n * o * oh * ow];
        int cg = c / groups;
        int og = o / groups;
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < o; oc++) {
                int g = oc / og;
                for (int i = 0; i < oh; i++) {
                    for (int j = 0; j < ow; j++) {
                        double sum = bias == null ? 0 : bias[oc];
                        for (int ic = 0; ic < cg; ic++) {
                            for (int u = 0; u < kh; u++) {
                                for (int v = 0; v < kw; v++) {
                                    int r = i * s[0] - pad[0] + u * dl[0];
                                    int q = j * s[1] - pad[2] + v * dl[1];
                                    if (r >= 0 && r < h && q >= 0 && q < w) {
                                        sum += (double) x[((b * c + g * cg + ic) * h + r) * w + q]
                                                * wt[((oc * cg + ic) * kh + u) * kw + v];
                                    }
                                }
                            }
                        }
                        y[((b * o + oc) * oh + i) * ow + j] = sum;
                    }
                }
            }
        }
        return y;
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void conv1dByHand(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = t(d, new float[] {1, 2, 3, 4, 5}, 1, 1, 5);
            Tensor w = t(d, new float[] {1, 0, -1}, 1, 1, 1, 3);
            Tensor b = t(d, new float[] {0.5f}, 1);
            Tensor x2 = x.reshape(1, 1, 1, 5);
            // y[i] = x[i] - x[i+2] + 0.5 where the window fits
            assertArrayEquals(new float[] {-1.5f, -1.5f, -1.5f}, conv(x2, w, b, 1, 0, 1).toArray());
            // padded by a zero each side: x[-1] = x[5] = 0
            assertArrayEquals(new float[] {-1.5f, -1.5f, -1.5f, -1.5f, 4.5f}, conv(x2, w, b, 1, 1, 1).toArray());
            // stride 2 over that: positions 0, 2, 4
            assertArrayEquals(new float[] {-1.5f, -1.5f, 4.5f}, conv(x2, w, b, 2, 1, 1).toArray());
            // dilation 2: taps 0, 2, 4: one window, x0 - x4
            assertArrayEquals(new float[] {-3.5f}, conv(x2, w, b, 1, 0, 2).toArray());

            Conv1d layer = new Conv1d(d, 1, 1, 3, 1, Conv1d.SAME, 1, 1, true, Init.PYTORCH, 1);
            assertArrayEquals(new int[] {1, 1, 5}, layer.forward(x).shape(), "SAME keeps the length");
            layer.close();
        }
    }

    private static Tensor conv(Tensor x, Tensor w, Tensor b, int stride, int pad, int dilation) {
        return Convolution.conv2d(x, w, b, new int[] {1, stride}, new int[] {0, 0, pad, pad}, new int[] {1, dilation}, 1);
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void conv2dMatchesTheDefinition(String backend) {
        Device d = Backends.open(backend);
        int n = 2;
        int c = 4;
        int h = 7;
        int w = 6;
        int o = 6;
        int groups = 2;
        record Case(int kh, int kw, int[] stride, int[] pad, int[] dil) {}
        for (Case k : new Case[] {
                new Case(3, 2, new int[] {2, 1}, new int[] {1, 1, 0, 0}, new int[] {1, 2}),
                new Case(4, 3, new int[] {1, 1}, new int[] {1, 2, 1, 1}, new int[] {1, 1}),    // SAME for 4 x 3
                new Case(1, 1, new int[] {3, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1})}) {
            try (Scope s = Scope.open()) {
                float[] xv = random(1, n * c * h * w);
                float[] wv = random(2, o * (c / groups) * k.kh() * k.kw());
                float[] bv = random(3, o);
                Tensor y = Convolution.conv2d(t(d, xv, n, c, h, w), t(d, wv, o, c / groups, k.kh(), k.kw()),
                        t(d, bv, o), k.stride(), k.pad(), k.dil(), groups);
                int oh = (h + k.pad()[0] + k.pad()[1] - k.dil()[0] * (k.kh() - 1) - 1) / k.stride()[0] + 1;
                int ow = (w + k.pad()[2] + k.pad()[3] - k.dil()[1] * (k.kw() - 1) - 1) / k.stride()[1] + 1;
                assertArrayEquals(new int[] {n, o, oh, ow}, y.shape());
                double[] ref = reference(xv, n, c, h, w, wv, o, k.kh(), k.kw(), bv, k.stride(), k.pad(), k.dil(),
                        groups, oh, ow);
                float[] got = y.toArray();
                for (int i = 0; i < ref.length; i++) {
                    assertEquals(ref[i], got[i], 1e-4 * Math.max(1, Math.abs(ref[i])), backend + " " + k + " at " + i);
                }
            }
        }
        try (Scope s = Scope.open()) {
            Conv2d same = new Conv2d(d, 4, 6, new int[] {4, 3}, new int[] {1, 1}, Conv2d.SAME, new int[] {1, 1}, 2,
                    true, Init.HE_UNIFORM, 5);
            assertArrayEquals(new int[] {2, 6, 7, 6}, same.forward(Tensor.ones(d, 2, 4, 7, 6)).shape());
            assertArrayEquals(new int[] {6, 2, 4, 3}, same.parameters().get("weight").shape(), "PyTorch's layout");
            same.close();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void poolingByHandAndTheMaxGate(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = t(d, new float[] {1, 3, 2, 5, 4}, 1, 1, 5).requiresGrad(true);
            assertArrayEquals(new float[] {3, 5}, Pool2d.max1d(2, 2, 0, 1, false).forward(x).toArray());
            Tensor ceil = Pool2d.max1d(2, 2, 0, 1, true).forward(x);       // the last window [4, overhang]
            assertArrayEquals(new float[] {3, 5, 4}, ceil.toArray());
            ceil.sum().backward();
            assertArrayEquals(new float[] {0, 1, 0, 1, 1}, x.grad().toArray(), "each window's gradient to its arg-max");
            // padded by -inf: windows [-inf 1 3], [3 2 5], [5 4 -inf]; 5 wins twice and gets both gradients
            Tensor padded = Pool2d.max1d(3, 2, 1, 1, false).forward(x);
            assertArrayEquals(new float[] {3, 5, 5}, padded.toArray());
            x.zeroGrad();
            padded.sum().backward();
            assertArrayEquals(new float[] {0, 1, 0, 2, 0}, x.grad().toArray());
            // ties: of equal taps the first gets the gradient, as PyTorch's max_pool (windows [2 2] [7 7] [1 1])
            Tensor tied = t(d, new float[] {2, 2, 7, 7, 1, 1}, 1, 1, 6).requiresGrad(true);
            Pool2d.max1d(2, 2, 0, 1, false).forward(tied).sum().backward();
            assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0}, tied.grad().toArray(), "the first of equal taps");
            // average with zero padding counted: [0 1 3] [3 2 5] [5 4 0] / 3
            assertArrayEquals(new float[] {4 / 3f, 10 / 3f, 3}, Pool2d.avg1d(3, 2, 1, false).forward(x).toArray(), 1e-6f);
            // ceil mode (x = [1 3 2 5 4], as above): windows [1 3] [2 5] [4], the last past the end: divided by 1, not 2
            Tensor ceiled = Pool2d.avg1d(2, 2, 0, true).forward(x);
            assertArrayEquals(new float[] {2, 3.5f, 4}, ceiled.toArray(), 1e-6f);
            x.zeroGrad();
            ceiled.sum().backward();
            assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 1}, x.grad().toArray(), 1e-6f);

            float[] v = random(9, 2 * 3 * 5 * 6);
            Tensor img = t(d, v, 2, 3, 5, 6);
            float[] avg = Pool2d.avg2d(new int[] {2, 3}, new int[] {2, 2}, new int[] {1, 1}, false).forward(img).toArray();
            // 3 x 3 outputs per channel: rows from -1 step 2, columns from -1 step 2, zeros outside
            for (int ch = 0; ch < 6; ch++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        double sum = 0;
                        for (int u = 0; u < 2; u++) {
                            for (int q = 0; q < 3; q++) {
                                int r = 2 * i - 1 + u;
                                int col = 2 * j - 1 + q;
                                if (r >= 0 && r < 5 && col >= 0 && col < 6) {
                                    sum += v[(ch * 5 + r) * 6 + col];
                                }
                            }
                        }
                        assertEquals(sum / 6, avg[(ch * 3 + i) * 3 + j], 1e-5, backend + " avg at " + ch + "," + i + "," + j);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gradientsMatchFiniteDifferences(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = t(d, random(11, 2 * 4 * 6 * 5), 2, 4, 6, 5);
            Tensor w = t(d, random(12, 4 * 2 * 3 * 2), 4, 2, 3, 2);
            Tensor b = t(d, random(13, 4), 4);
            Gradcheck.check("conv2d (stride, padding, dilation, groups) then max pool", in -> {
                Tensor y = Convolution.conv2d(in[0], in[1], in[2], new int[] {1, 2}, new int[] {1, 0, 1, 1},
                        new int[] {2, 1}, 2);
                return Convolution.pool2d("MaxPool2d", y.tanh(), true, new int[] {2, 2}, new int[] {1, 1},
                        new int[] {0, 0, 0, 0}, new int[] {1, 1}, false).square().sum();
            }, 1e-3, 3e-2, x, w, b);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void badShapesAreRefusedNamingTheLayer(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Conv2d conv = new Conv2d(d, 3, 4, 5, 1);
            String m = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.ones(d, 1, 3, 4, 9)))
                    .getMessage();
            assertTrue(m.contains("Conv2d") && m.contains("does not fit an input of 4"), m);
            m = assertThrows(IllegalArgumentException.class, () -> conv.forward(Tensor.ones(d, 1, 2, 9, 9))).getMessage();
            assertTrue(m.contains("[1, 2, 9, 9] is not [N, 3, H, W]"), m);
            m = assertThrows(IllegalArgumentException.class, () -> new Conv2d(d, 3, 4, new int[] {3, 3},
                    new int[] {1, 1}, Conv2d.VALID, new int[] {1, 1}, 2, true, Init.PYTORCH, 1)).getMessage();
            assertTrue(m.contains("divide by the groups (2)"), m);
            m = assertThrows(IllegalArgumentException.class, () -> Pool2d.max2d(new int[] {2, 2}, new int[] {2, 2},
                    new int[] {2, 0}, new int[] {1, 1}, false).forward(Tensor.ones(d, 1, 1, 4, 4))).getMessage();
            assertTrue(m.contains("MaxPool2d: padding 2 is more than half the window 2"), m);
            conv.close();
        }
    }
}
