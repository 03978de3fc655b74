package dev.adjoint.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.tensor.Gradcheck;
import dev.adjoint.tensor.InPlace;
import dev.adjoint.tensor.Scope;
import dev.adjoint.tensor.Tensor;
import dev.adjoint.testing.Backends;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** LayerNorm against float64 and finite differences; Embedding's rows, gradient and refused indices; every backend. */
class NormAndEmbeddingTest {
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void layerNormMatchesItsDefinitionAndGradcheck(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open(); LayerNorm norm = new LayerNorm(d, 7, 1e-5f, true)) {
            Random r = new Random(4);
            float[] x = new float[3 * 5 * 7];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextGaussian() * 3 + 1);
            }
            float[] w = {0.5f, 1, 1.5f, 2, -1, 0.25f, 3};
            float[] b = {0, 1, -1, 2, 0.5f, 0, -2};
            InPlace.copy(norm.parameters().get("weight"), Tensor.of(d, w, 7));
            InPlace.copy(norm.parameters().get("bias"), Tensor.of(d, b, 7));
            float[] y = norm.forward(Tensor.of(d, x, 3, 5, 7)).toArray();
            for (int row = 0; row < 15; row++) {
                double mean = 0;
                for (int k = 0; k < 7; k++) {
                    mean += x[row * 7 + k];
                }
                mean /= 7;
                double var = 0;
                for (int k = 0; k < 7; k++) {
                    var += (x[row * 7 + k] - mean) * (x[row * 7 + k] - mean);
                }
                var /= 7;
                for (int k = 0; k < 7; k++) {
                    double want = (x[row * 7 + k] - mean) / Math.sqrt(var + 1e-5) * w[k] + b[k];
                    assertEquals(want, y[row * 7 + k], 1e-4 * Math.max(1, Math.abs(want)), backend + " at " + row + "," + k);
                }
            }
            Tensor in = Tensor.of(d, x, 3, 5, 7);
            Gradcheck.check("LayerNorm", t -> norm.forward(t[0]).mul(Tensor.of(d, x, 3, 5, 7)).sum(), 1e-3, 2e-2, in);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void embeddingLooksUpRowsAndSumsTheirGradients(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open(); Embedding e = new Embedding(d, 5, 3, 9)) {
            float[] table = e.parameters().get("weight").toArray();
            Tensor idx = Tensor.of(d, new float[] {1, 3, 1, 0}, 2, 2);
            Tensor y = e.forward(idx);
            assertArrayEquals(new int[] {2, 2, 3}, y.shape());
            float[] got = y.toArray();
            int[] rows = {1, 3, 1, 0};
            for (int p = 0; p < 4; p++) {
                for (int k = 0; k < 3; k++) {
                    assertEquals(table[rows[p] * 3 + k], got[p * 3 + k], 1e-6f, backend + " row of position " + p);
                }
            }
            // upstream gradient: position p, column k gets p + 1 → row 1 collects 1 + 3, row 3 gets 2, row 0 gets 4
            Tensor up = Tensor.of(d, new float[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4}, 2, 2, 3);
            y.mul(up).sum().backward();
            assertArrayEquals(new float[] {4, 4, 4, 4, 4, 4, 0, 0, 0, 2, 2, 2, 0, 0, 0},
                    e.parameters().get("weight").grad().toArray());
            for (float bad : new float[] {5, -1, 1.5f, Float.NaN}) {
                String m = assertThrows(IllegalArgumentException.class,
                        () -> e.forward(Tensor.of(d, new float[] {0, bad}, 2))).getMessage();
                assertTrue(m.startsWith("Embedding(5, 3): index ") && m.contains("at position 1")
                        && m.contains("not a whole number in [0, 5)"), m);
            }
        }
    }

    /**
     * The weight's gradient through the index-add backward, by hand: for ½·Σ y², position p's gradient row is
     * y_p = weight[idx_p], so row r collects count(r)·weight[r]: a row read three times gets three times itself,
     * a row never read gets exactly 0.
     */
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void embeddingGradientOfARepeatedIndexByHand(String backend) {
        Device d = Backends.open(backend);
        try (Scope s = Scope.open(); Embedding e = new Embedding(d, 6, 2, 3)) {
            float[] w = {0.5f, -1, 2, 3, -4, 5, 6, 7, 1.5f, -2.5f, 8, -9};
            InPlace.copy(e.parameters().get("weight"), Tensor.of(d, w, 6, 2));
            Tensor idx = Tensor.of(d, new float[] {4, 0, 4, 2, 4}, 5);     // row 4 three times, 0 and 2 once
            e.forward(idx).square().sum().mul(0.5f).backward();
            float[] want = new float[12];
            int[] count = {1, 0, 1, 0, 3, 0};
            for (int r = 0; r < 6; r++) {
                for (int k = 0; k < 2; k++) {
                    want[r * 2 + k] = count[r] * w[r * 2 + k];
                }
            }
            assertArrayEquals(want, e.parameters().get("weight").grad().toArray(), 0f, backend);   // exact; -0 == 0
            Gradcheck.check("Embedding with repeats", t -> t[0].indexSelect(0, idx).square(), 1e-3, 2e-2,
                    Tensor.of(d, w, 6, 2));
        }
    }
}
