package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class TensorTest {
    private static final Device CPU = new CpuDevice(2);
    private final Random rnd = new Random();

    @AfterAll
    static void close() {
        CPU.close();
    }

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 4 - 2);
        }
        return x;
    }

    @Test
    void creationFromArraysAndFills() {
        try (Tensor t = Tensor.of(CPU, new float[][] {{1, 2, 3}, {4, 5, 6}});
             Tensor z = Tensor.zeros(CPU, 2, 2); Tensor o = Tensor.ones(CPU, 3); Tensor f = Tensor.full(CPU, 7.5f, 1, 2)) {
            assertArrayEquals(new int[] {2, 3}, t.shape());
            assertEquals(6f, t.get(1, 2));
            assertArrayEquals(new float[] {0, 0, 0, 0}, z.toArray());
            assertArrayEquals(new float[] {1, 1, 1}, o.toArray());
            assertArrayEquals(new float[] {7.5f, 7.5f}, f.toArray());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.of(CPU, new float[5], 2, 3));
        assertTrue(e.getMessage().contains("5 values") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void seededRandomIsReproducibleAndHasTheRightMoments() {
        try (Tensor a = Tensor.randn(CPU, 42, 100_000); Tensor b = Tensor.randn(CPU, 42, 100_000);
             Tensor c = Tensor.randn(CPU, 43, 100_000); Tensor u = Tensor.uniform(CPU, 7, -1, 3, 100_000)) {
            assertArrayEquals(a.toArray(), b.toArray());
            assertFalse(java.util.Arrays.equals(a.toArray(), c.toArray()));
            double mean = 0;
            double sq = 0;
            for (float v : a.toArray()) {
                mean += v;
                sq += v * v;
            }
            mean /= 100_000;
            double var = sq / 100_000 - mean * mean;
            assertEquals(0, mean, 0.02);
            assertEquals(1, var, 0.03);
            for (float v : u.toArray()) {
                assertTrue(v >= -1 && v < 3, "uniform value " + v + " outside [-1, 3)");
            }
        }
    }

    @Test
    void viewsShareMemory() {
        float[] data = random(24);
        try (Tensor t = Tensor.of(CPU, data, 2, 3, 4); Tensor r = t.reshape(6, -1); Tensor tr = t.transpose(0, 2);
             Tensor s = r.slice(2, 5); Tensor e = Tensor.of(CPU, new float[] {1, 2, 3}, 3).expand(4, 3)) {
            assertSame(t.storage, r.storage);
            assertSame(t.storage, tr.storage);
            assertSame(t.storage, s.storage);
            assertArrayEquals(new int[] {6, 4}, r.shape());
            assertArrayEquals(new int[] {4, 3, 2}, tr.shape());
            assertFalse(tr.isContiguous());
            // transpose(0, 2)[i][j][k] == t[k][j][i]
            assertEquals(data[1 * 12 + 2 * 4 + 3], tr.get(3, 2, 1));
            float[] rows = s.toArray();
            for (int i = 0; i < 12; i++) {
                assertEquals(data[8 + i], rows[i]);
            }
            assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}, e.toArray());
            // A view survives its source being closed; memory goes with the last reference.
            t.close();
            assertEquals(data[23], r.get(5, 3));
        }
    }

    @Test
    void reshapeOfANonContiguousViewCopies() {
        float[] data = random(6);
        try (Tensor t = Tensor.of(CPU, data, 2, 3); Tensor tr = t.transpose(); Tensor flat = tr.reshape(-1)) {
            assertFalse(flat.storage == t.storage);
            assertArrayEquals(new float[] {data[0], data[3], data[1], data[4], data[2], data[5]}, flat.toArray());
        }
    }

    @Test
    void broadcastingMatchesNumpyRules() {
        float[] a = random(5 * 1 * 3);
        float[] b = random(4 * 3);
        try (Tensor ta = Tensor.of(CPU, a, 5, 1, 3); Tensor tb = Tensor.of(CPU, b, 4, 3);
             Tensor sum = ta.add(tb); Tensor prod = tb.mul(ta); Tensor q = ta.div(tb); Tensor d = tb.sub(ta)) {
            assertArrayEquals(new int[] {5, 4, 3}, sum.shape());
            float[] s = sum.toArray();
            float[] p = prod.toArray();
            float[] qq = q.toArray();
            float[] dd = d.toArray();
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 4; j++) {
                    for (int k = 0; k < 3; k++) {
                        double x = a[i * 3 + k];
                        double y = b[j * 3 + k];
                        int at = (i * 4 + j) * 3 + k;
                        assertEquals(x + y, s[at], 1e-6);
                        assertEquals(x * y, p[at], 1e-6);
                        assertEquals(x / y, qq[at], 1e-5 * Math.abs(x / y) + 1e-6);
                        assertEquals(y - x, dd[at], 1e-6);
                    }
                }
            }
        }
        try (Tensor x = Tensor.zeros(CPU, 2, 3); Tensor y = Tensor.zeros(CPU, 4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.add(y));
            assertTrue(e.getMessage().startsWith("add: shapes [2, 3] and [4] cannot be broadcast"), e.getMessage());
        }
    }

    @Test
    void scalarOpsAndMath() {
        float[] a = {0.5f, 1f, 2f, 4f};
        try (Tensor t = Tensor.of(CPU, a, 4); Tensor r = t.mul(3f).add(1f).pow(2f).sqrt().log()) {
            float[] out = r.toArray();
            for (int i = 0; i < 4; i++) {
                assertEquals(Math.log(Math.sqrt(Math.pow(3.0 * a[i] + 1, 2))), out[i], 1e-6);
            }
        }
    }

    @Test
    void matmulAgainstFloat64UsesTransposedViewsWithoutCopies() {
        int m = 33;
        int k = 17;
        int n = 7;
        float[] x = random(m * k);
        float[] w = random(n * k); // stored as [n, k], used as its transpose
        try (Tensor tx = Tensor.of(CPU, x, m, k); Tensor tw = Tensor.of(CPU, w, n, k); Tensor wt = tw.transpose();
             Tensor y = tx.matmul(wt)) {
            assertSame(tw.storage, wt.storage);
            assertArrayEquals(new int[] {m, n}, y.shape());
            float[] out = y.toArray();
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += (double) x[i * k + p] * w[j * k + p];
                    }
                    assertEquals(s, out[i * n + j], 1e-5);
                }
            }
        }
    }

    @Test
    void matmulPromotesVectorsAndBroadcastsBatches() {
        float[] a = random(2 * 3 * 4);
        float[] b = random(4 * 5);
        float[] v = random(4);
        try (Tensor ta = Tensor.of(CPU, a, 2, 3, 4); Tensor tb = Tensor.of(CPU, b, 4, 5); Tensor tv = Tensor.of(CPU, v, 4);
             Tensor batch = ta.matmul(tb); Tensor mv = ta.matmul(tv); Tensor vm = tv.matmul(tb); Tensor dot = tv.matmul(tv)) {
            assertArrayEquals(new int[] {2, 3, 5}, batch.shape());
            assertArrayEquals(new int[] {2, 3}, mv.shape());
            assertArrayEquals(new int[] {5}, vm.shape());
            assertArrayEquals(new int[] {}, dot.shape());
            double d = 0;
            for (float e : v) {
                d += e * e;
            }
            assertEquals(d, dot.item(), 1e-5);
            for (int bi = 0; bi < 2; bi++) {
                for (int i = 0; i < 3; i++) {
                    double s = 0;
                    for (int p = 0; p < 4; p++) {
                        s += (double) a[(bi * 3 + i) * 4 + p] * v[p];
                    }
                    assertEquals(s, mv.get(bi, i), 1e-5);
                    for (int j = 0; j < 5; j++) {
                        double t = 0;
                        for (int p = 0; p < 4; p++) {
                            t += (double) a[(bi * 3 + i) * 4 + p] * b[p * 5 + j];
                        }
                        assertEquals(t, batch.get(bi, i, j), 1e-5);
                    }
                }
            }
        }
        try (Tensor p = Tensor.zeros(CPU, 2, 3); Tensor q = Tensor.zeros(CPU, 4, 5)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.matmul(q));
            assertTrue(e.getMessage().startsWith("matmul: shapes [2, 3] and [4, 5] are not aligned"), e.getMessage());
        }
    }

    @Test
    void reductionsAlongAxes() {
        float[] a = random(2 * 3 * 4);
        try (Tensor t = Tensor.of(CPU, a, 2, 3, 4); Tensor s1 = t.sum(1, false); Tensor s1k = t.sum(1, true);
             Tensor all = t.sum(); Tensor mean = t.mean(-1, false); Tensor mx = t.max(0, false); Tensor am = t.argmax(2)) {
            assertArrayEquals(new int[] {2, 4}, s1.shape());
            assertArrayEquals(new int[] {2, 1, 4}, s1k.shape());
            assertArrayEquals(new int[] {}, all.shape());
            double total = 0;
            for (float v : a) {
                total += v;
            }
            assertEquals(total, all.item(), 1e-5);
            for (int i = 0; i < 2; i++) {
                for (int k = 0; k < 4; k++) {
                    double s = 0;
                    for (int j = 0; j < 3; j++) {
                        s += a[(i * 3 + j) * 4 + k];
                    }
                    assertEquals(s, s1.get(i, k), 1e-5);
                }
                for (int j = 0; j < 3; j++) {
                    double s = 0;
                    int best = 0;
                    for (int k = 0; k < 4; k++) {
                        s += a[(i * 3 + j) * 4 + k];
                        if (a[(i * 3 + j) * 4 + k] > a[(i * 3 + j) * 4 + best]) {
                            best = k;
                        }
                    }
                    assertEquals(s / 4, mean.get(i, j), 1e-6);
                    assertEquals(best, am.get(i, j));
                    for (int k = 0; k < 4; k++) {
                        assertEquals(Math.max(a[j * 4 + k], a[(3 + j) * 4 + k]), mx.get(j, k));
                    }
                }
            }
        }
        try (Tensor t = Tensor.zeros(CPU, 2, 3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.sum(2, false));
            assertTrue(e.getMessage().contains("sum: axis 2 is out of range"), e.getMessage());
        }
    }

    @Test
    void crossEntropyIsStableForLargeLogits() {
        float[][] logits = {{1000f, 0f, -1000f}, {0f, 0f, 0f}};
        try (Tensor x = Tensor.of(CPU, logits); Tensor t = Tensor.of(CPU, new float[] {1, 2}, 2);
             Tensor loss = x.crossEntropy(t)) {
            // Row 0: logsumexp = 1000, minus x[1] = 0 -> 1000. Row 1: log 3.
            assertEquals((1000 + Math.log(3)) / 2, loss.item(), 1e-3);
        }
        try (Tensor x = Tensor.zeros(CPU, 2, 3); Tensor t = Tensor.of(CPU, new float[] {0, 3}, 2)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.crossEntropy(t));
            assertTrue(e.getMessage().contains("target of row 1 is 3.0"), e.getMessage());
        }
    }

    @Test
    void scopesCloseWhatTheyDoNotKeep() {
        Tensor kept;
        Tensor temp;
        try (Tensor x = Tensor.ones(CPU, 3)) {
            try (Scope scope = Scope.open()) {
                temp = x.add(1f);
                kept = scope.keep(temp.mul(2f));
            }
            assertTrue(temp.isClosed());
            assertFalse(kept.isClosed());
            assertArrayEquals(new float[] {4, 4, 4}, kept.toArray());
            kept.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, kept::toArray);
            assertTrue(e.getMessage().contains("used after close"), e.getMessage());
        }
    }

    @Test
    void toStringShowsShapeDeviceAndAbbreviatedValues() {
        try (Tensor small = Tensor.of(CPU, new float[] {1, 2, 3, 4}, 2, 2); Tensor big = Tensor.zeros(CPU, 100, 100)) {
            assertEquals("Tensor[2, 2] on cpu\n[[1.0000, 2.0000],\n [3.0000, 4.0000]]", small.toString());
            String s = big.toString();
            assertTrue(s.startsWith("Tensor[100, 100] on cpu\n[[0.0000, 0.0000, 0.0000, ..., 0.0000"), s);
            assertTrue(s.length() < 2000, "abbreviated: " + s.length() + " characters");
        }
    }
}
