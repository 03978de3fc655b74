package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import dev.adjoint.testing.Backends;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * #25 Deliver 1 and 2 at the tensor level, on every backend: {@code to(dtype)} rounds as
 * {@link DType} does; matmul of 16-bit tensors sums exact float32 products into F32; its gradients
 * are F32 and follow PyTorch's autocast backward (the upstream gradient meets the 16-bit operands in
 * their dtype), checked against float64 sums of the rounded values; {@link Autocast} converts F32
 * matmul operands and nothing else; other ops refuse 16-bit tensors at the call, naming themselves.
 */
class DTypeTensorTest {
    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * 3);
        }
        return x;
    }

    private static float[] rounded(float[] x, DType t) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = t.round(x[i]);
        }
        return y;
    }

    /** a [m, k] · b [k, n] in float64. */
    private static double[] product(float[] a, float[] b, int m, int k, int n) {
        double[] c = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                c[i * n + j] = s;
            }
        }
        return c;
    }

    private static void close(String what, double[] want, float[] got, int k) {
        for (int i = 0; i < want.length; i++) {
            double tol = 1e-5 * Math.sqrt(k) * Math.max(1, Math.abs(want[i]));
            if (Math.abs(want[i] - got[i]) > tol) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", expected " + want[i]);
            }
        }
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = x[i * cols + j];
            }
        }
        return t;
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void toRoundsAsDTypeAndBack(String backend) {
        Device d = Backends.open(backend);
        Random r = new Random(3);
        float[] x = random(r, 1000);
        x[0] = 65520f;
        x[1] = Float.NaN;
        x[2] = 1f + 0x1p-8f;     // a BF16 tie: to even, 1
        try (Scope s = Scope.open()) {
            Tensor t = Tensor.of(d, x, 10, 100);
            for (DType dt : new DType[] {DType.BF16, DType.F16}) {
                Tensor h = t.to(dt);
                assertEquals(dt, h.dtype());
                assertArrayEquals(rounded(x, dt), h.toArray(), dt + " values, NaN included");
                assertEquals(dt.round(x[57]), h.get(0, 57));
                Tensor back = h.to(DType.F32);
                assertEquals(DType.F32, back.dtype());
                assertArrayEquals(rounded(x, dt), back.toArray());
                // a strided F32 view is copied, then converted
                assertArrayEquals(rounded(transpose(x, 10, 100), dt), t.transpose().to(dt).toArray());
                assertEquals(dt, h.transpose().dtype(), "views keep the dtype");
            }
            assertEquals(1f, Tensor.of(d, x, 10, 100).to(DType.BF16).get(0, 2));
            assertTrue(Float.isInfinite(t.to(DType.F16).get(0, 0)), "65520 overflows F16");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void matmulOf16BitTensorsAndItsF32Gradients(String backend) {
        Device d = Backends.open(backend);
        Random r = new Random(5);
        int m = 17;
        int k = 70;
        int n = 9;
        float[] xa = random(r, m * k);
        float[] wa = random(r, k * n);
        float[] ga = random(r, m * n);
        for (DType dt : new DType[] {DType.BF16, DType.F16}) {
            try (Scope s = Scope.open()) {
                Tensor x = Tensor.of(d, xa, m, k).requiresGrad(true);
                Tensor w = Tensor.of(d, wa, k, n).requiresGrad(true);
                Tensor y = x.to(dt).matmul(w.to(dt));
                assertEquals(DType.F32, y.dtype(), "the product is F32");
                float[] xr = rounded(xa, dt);
                float[] wr = rounded(wa, dt);
                close(dt + " forward", product(xr, wr, m, k, n), y.toArray(), k);
                y.backward(Tensor.of(d, ga, m, n));
                assertEquals(DType.F32, x.grad().dtype());
                // dL/dx = g·Wᵀ and dL/dW = xᵀ·g with g rounded to the operands' dtype, summed in F32
                float[] gr = rounded(ga, dt);
                close(dt + " dL/dx", product(gr, transpose(wr, k, n), m, n, k), x.grad().toArray(), n);
                close(dt + " dL/dW", product(transpose(xr, m, k), gr, k, m, n), w.grad().toArray(), m);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void autocastConvertsMatmulOperandsAndNothingElse(String backend) {
        Device d = Backends.open(backend);
        Random r = new Random(7);
        float[] xa = random(r, 6 * 40);
        float[] wa = random(r, 5 * 40);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, xa, 6, 40).requiresGrad(true);
            Tensor w = Tensor.of(d, wa, 5, 40).requiresGrad(true);
            Tensor y;
            Tensor z;
            try (Autocast.Scope on = Autocast.to(DType.BF16)) {
                assertEquals(DType.BF16, Autocast.dtype());
                y = x.matmul(w.transpose());          // as a Linear layer does: no copy of W's transpose
                z = x.relu().add(1f);
            }
            assertEquals(DType.F32, Autocast.dtype(), "closed: off again");
            assertEquals(DType.F32, z.dtype(), "elementwise ops stay F32 under autocast");
            assertArrayEquals(x.relu().add(1f).toArray(), z.toArray());
            float[] xr = rounded(xa, DType.BF16);
            float[] wr = rounded(wa, DType.BF16);
            close("autocast matmul", product(xr, transpose(wr, 5, 40), 6, 40, 5), y.toArray(), 40);
            y.sum().backward();
            // the upstream gradient is ones: exact in BF16, so dL/dx[i][p] = Σ_j W[j][p] (rounded), in F32
            double[] dx = new double[6 * 40];
            for (int i = 0; i < 6; i++) {
                for (int p = 0; p < 40; p++) {
                    for (int j = 0; j < 5; j++) {
                        dx[i * 40 + p] += wr[j * 40 + p];
                    }
                }
            }
            close("autocast dL/dx, to the F32 master", dx, x.grad().toArray(), 5);
            assertEquals(DType.F32, w.grad().dtype());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void otherOpsRefuse16BitTensorsNamingThemselves(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open()) {
            Tensor x = Tensor.of(d, new float[] {1, -2, 3, -4}, 2, 2);
            Tensor h = x.to(DType.BF16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, h::relu);
            assertTrue(e.getMessage().startsWith("relu: its input [2, 2] is BF16, and relu computes in F32"),
                    e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.add(h));
            assertTrue(e.getMessage().contains("input 1 [2, 2] is BF16"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.matmul(h));
            assertTrue(e.getMessage().contains("are F32 and BF16; GEMM takes one dtype"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> x.to(DType.F16).matmul(h));
            assertTrue(e.getMessage().contains("are F16 and BF16"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> h.requiresGrad(true));
            assertTrue(e.getMessage().contains("gradients are F32"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> h.transpose().to(DType.F32));
            assertTrue(e.getMessage().contains("is a BF16 view that is not contiguous"), e.getMessage());
            assertArrayEquals(new float[] {1, -2, 3, -4}, h.reshape(4).toArray(), "views of 16-bit tensors work");
        }
    }
}
