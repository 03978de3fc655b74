package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adjoint.device.Device;
import dev.adjoint.testing.Backends;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * cat, stack, permute and slicing with a step on any axis, on every backend, against index arithmetic
 * written out here (row-major offsets), with odd sizes, inputs that are views (transposed, sliced), and
 * their gradients: exactly where the values came from, and by finite differences through a composition.
 */
class JoinAndStrideTest {
    /** Values 0, 1, 2, ... (each element its own row-major index, plus {@code base}). */
    private static Tensor iota(Device d, float base, int... shape) {
        float[] v = new float[(int) Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = base + i;
        }
        return Tensor.of(d, v, shape);
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void catAlongEachAxisPlacesEveryInputWhole(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            // a [2,3,5] and b [2,4,5] on axis 1; c is a [2,3,7] viewed through a transpose and a strided slice
            Tensor a = iota(d, 0, 2, 3, 5);
            Tensor b = iota(d, 100, 2, 4, 5);
            float[] ab = Tensor.cat(List.of(a, b), 1).toArray();
            float[] expected = new float[2 * 7 * 5];
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 7; j++) {
                    for (int k = 0; k < 5; k++) {
                        expected[(i * 7 + j) * 5 + k] = j < 3 ? (i * 3 + j) * 5 + k : 100 + (i * 4 + j - 3) * 5 + k;
                    }
                }
            }
            assertArrayEquals(expected, ab);

            Tensor wide = iota(d, 0, 2, 9, 3).transpose(1, 2);         // [2, 3, 9], strides (27, 1, 3)
            Tensor c = wide.slice(2, 1, 9, 3);                          // [2, 3, 3]: columns 1, 4, 7
            Tensor e = iota(d, -50, 2, 3, 2);
            float[] ce = Tensor.cat(List.of(c, e), -1).toArray();       // [2, 3, 5]
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < 5; k++) {
                        float want = k < 3 ? i * 27 + (1 + 3 * k) * 3 + j : -50 + (i * 3 + j) * 2 + (k - 3);
                        assertEquals(want, ce[(i * 3 + j) * 5 + k], backend + " at " + i + "," + j + "," + k);
                    }
                }
            }
            float[] rows = Tensor.cat(List.of(a.slice(1, 2), iota(d, 7, 0, 3, 5), a), 0).toArray();   // an empty part
            for (int i = 0; i < 45; i++) {
                assertEquals(i < 15 ? 15 + i : i - 15, rows[i], "axis 0 at " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void stackPermuteAndStepSlices(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor a = iota(d, 0, 3, 4);
            Tensor b = iota(d, 20, 3, 4);
            float[] mid = Tensor.stack(List.of(a, b), 1).toArray();      // [3, 2, 4]
            float[] last = Tensor.stack(List.of(a, b), -1).toArray();    // [3, 4, 2]
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    for (int t = 0; t < 2; t++) {
                        float want = (t == 0 ? 0 : 20) + i * 4 + j;
                        assertEquals(want, mid[(i * 2 + t) * 4 + j]);
                        assertEquals(want, last[(i * 4 + j) * 2 + t]);
                    }
                }
            }
            assertArrayEquals(new int[] {2, 3, 4}, Tensor.stack(List.of(a, b), 0).shape());

            Tensor x = iota(d, 0, 2, 3, 4);
            Tensor p = x.permute(1, 2, 0);                                 // [3, 4, 2]: p[i][j][k] = x[k][i][j]
            assertArrayEquals(new int[] {3, 4, 2}, p.shape());
            float[] pv = p.toArray();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    for (int k = 0; k < 2; k++) {
                        assertEquals((k * 3 + i) * 4 + j, pv[(i * 4 + j) * 2 + k]);
                    }
                }
            }
            Tensor v = iota(d, 0, 4, 11);
            float[] stepped = v.slice(1, 2, 11, 4).toArray();             // columns 2, 6, 10
            float[] sparse = v.slice(0, 1, 4, 2).toArray();               // rows 1, 3
            for (int r = 0; r < 4; r++) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(r * 11 + 2 + 4 * k, stepped[r * 3 + k]);
                }
            }
            for (int k = 0; k < 11; k++) {
                assertEquals(11 + k, sparse[k]);
                assertEquals(33 + k, sparse[11 + k]);
            }
            assertArrayEquals(new int[] {4, 0}, v.slice(1, 5, 5, 3).shape());
        }
    }

    /** A step slice's gradient lands exactly where its values came from; cat's splits back to its inputs. */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gradientsGoBackWhereTheValuesCameFrom(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor v = iota(d, 0, 3, 10).requiresGrad(true);
            Tensor w = iota(d, 1, 3, 3);                                   // weights 1..9 on columns 1, 4, 7
            v.slice(1, 1, 8, 3).mul(w).sum().backward();
            float[] g = v.grad().toArray();
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 10; c++) {
                    float want = c % 3 == 1 && c < 8 ? 1 + r * 3 + (c - 1) / 3 : 0;
                    assertEquals(want, g[r * 10 + c], backend + " at " + r + "," + c);
                }
            }
            Tensor a = Tensor.ones(d, 2, 3).requiresGrad(true);
            Tensor b = Tensor.ones(d, 2, 1).requiresGrad(true);
            Tensor.cat(List.of(a, b), 1).mul(iota(d, 0, 2, 4)).sum().backward();
            assertArrayEquals(new float[] {0, 1, 2, 4, 5, 6}, a.grad().toArray());
            assertArrayEquals(new float[] {3, 7}, b.grad().toArray());
        }
    }

    /** A composition of all four, against central differences in float64 (Gradcheck). */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void aCompositionPassesGradcheck(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.normal(d, 5, 0f, 1f, 3, 4, 7);
            Tensor y = Tensor.normal(d, 6, 0f, 1f, 4, 3, 3);
            Gradcheck.check("cat/stack/permute/slice", in -> {
                Tensor picked = in[0].slice(2, 1, 7, 2);                   // [3, 4, 3]
                Tensor turned = in[1].permute(1, 0, 2);                    // [3, 4, 3]
                Tensor both = Tensor.cat(List.of(picked, turned.tanh()), 2);   // [3, 4, 6]
                Tensor stacked = Tensor.stack(List.of(both, both.square()), 0);
                return stacked.slice(3, 0, 6, 5).sum();
            }, 1e-3, 2e-2, x, y);
        }
    }

    /** Each padding mode against the index it copies; the gradient sums every copy back into its element. */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void padEachModeAndItsGradient(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = iota(d, 1, 2, 4).requiresGrad(true);            // rows 1 2 3 4 and 5 6 7 8
            assertArrayEquals(new float[] {0, 0, 1, 2, 3, 4, 0, 0, 0, 5, 6, 7, 8, 0},
                    x.pad(1, 2, 1, Padding.ZEROS).toArray());
            assertArrayEquals(new float[] {1, 1, 1, 2, 3, 4, 4, 5, 5, 5, 6, 7, 8, 8},
                    x.pad(-1, 2, 1, Padding.REPLICATE).toArray());
            Tensor r = x.pad(1, 3, 2, Padding.REFLECT);                  // d c b | a b c d | c b
            assertArrayEquals(new float[] {4, 3, 2, 1, 2, 3, 4, 3, 2, 8, 7, 6, 5, 6, 7, 8, 7, 6}, r.toArray());
            r.sum().backward();
            // a once; b three times (its own, left, right); c three times; d twice
            assertArrayEquals(new float[] {1, 3, 3, 2, 1, 3, 3, 2}, x.grad().toArray());
            assertArrayEquals(new float[] {0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0},
                    x.pad(0, 1, 1, Padding.ZEROS).toArray());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void clampLimitsAndPassesTheGradientInside(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, new float[] {-3f, -0.5f, 0.2f, 0.9f, 4f}, 5).requiresGrad(true);
            assertArrayEquals(new float[] {-1f, -0.5f, 0.2f, 0.5f, 0.5f}, x.clamp(-1f, 0.5f).toArray());
            x.clamp(-1f, 0.5f).sum().backward();
            assertArrayEquals(new float[] {0, 1, 1, 0, 0}, x.grad().toArray());
        }
    }

    /**
     * Every tensor these ops make, forward and backward, belongs to the scope around them: after it closes,
     * the device holds only the inputs (a composite that handed its result to no scope leaked it).
     */
    @org.junit.jupiter.api.Test
    void theCompositesLeaveNothingBehindTheirScope() {
        try (dev.adjoint.device.cpu.CpuDevice cpu = new dev.adjoint.device.cpu.CpuDevice(1)) {
            dev.adjoint.testing.CountingDevice d = new dev.adjoint.testing.CountingDevice(cpu);
            Tensor x = iota(d, 0, 2, 3, 6).requiresGrad(true);
            long held = d.liveBytes();
            try (Scope s = Scope.open()) {
                Tensor y = Tensor.stack(List.of(x.slice(2, 1, 6, 2), x.slice(2, 0, 5, 2)), 1).pad(-1, 1, 1, Padding.REFLECT);
                y.clamp(-3f, 20f).sum().backward();
                Tensor.cat(List.of(x, x.permute(0, 2, 1).reshape(2, 3, 6)), 1).sum().backward();
            }
            assertEquals(held + x.grad().numel() * Float.BYTES, d.liveBytes(),
                    "bytes still allocated beyond the input and its gradient");
            x.close();
        }
    }
}
