package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.testing.Backends;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every primitive, called directly on each backend with a leading dimension too small, an offset
 * out of range or a length too long, throws {@link IllegalArgumentException} naming the primitive,
 * and leaves every buffer (and the Java array of a download) as it was. Arguments that fit
 * exactly are accepted and computed.
 */
class DeviceChecksTest {

    /** Buffers of one test, filled with known values, closed at the end (also {@link IndexingChecksTest}'s). */
    static final class Bufs implements AutoCloseable {
        final Device d;
        final List<Buffer> all = new ArrayList<>();

        Bufs(String backend) {
            this.d = Backends.open(backend);
        }

        /** A buffer of n floats holding base, base+1, ... */
        Buffer known(int n, float base) {
            Buffer b = d.allocate(n);
            all.add(b);
            d.upload(ramp(n, base), 0, b, 0, n);
            return b;
        }

        Buffer of(float... values) {
            Buffer b = d.allocate(values.length);
            all.add(b);
            d.upload(values, 0, b, 0, values.length);
            return b;
        }

        float[] read(Buffer b) {
            float[] x = new float[(int) b.length()];
            d.download(b, 0, x, 0, x.length);
            return x;
        }

        /**
         * Asserts that {@code call} throws IllegalArgumentException whose message starts with
         * {@code primitive} and contains each of {@code fragments}, and that no buffer changed.
         */
        void rejects(String primitive, Executable call, String... fragments) {
            float[][] before = new float[all.size()][];
            for (int i = 0; i < before.length; i++) {
                before[i] = read(all.get(i));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call,
                    d.name() + ": " + primitive + " accepted bad arguments");
            String m = e.getMessage();
            assertTrue(m.startsWith(primitive), d.name() + ": message does not name " + primitive + ": " + m);
            for (String f : fragments) {
                assertTrue(m.contains(f), d.name() + ": message lacks '" + f + "': " + m);
            }
            for (int i = 0; i < before.length; i++) {
                assertArrayEquals(before[i], read(all.get(i)), d.name() + ": " + primitive + " changed buffer " + i
                        + " although it rejected the call (" + m + ")");
            }
        }

        @Override
        public void close() {
            for (Buffer b : all) {
                b.close();
            }
        }
    }

    private static float[] ramp(int n, float base) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = base + i;
        }
        return x;
    }

    private static float[] slice(float[] x, int from, int to) {
        return java.util.Arrays.copyOfRange(x, from, to);
    }

    // ------------------------------------------------------------------ memory

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void upload(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer dst = t.known(10, 100);
            float[] src = ramp(6, -1);
            t.rejects("upload", () -> d.upload(src, 0, dst, 8, 3), "3 floats from offset 8", "holds 10");
            t.rejects("upload", () -> d.upload(src, 0, dst, -1, 3), "offset -1");
            t.rejects("upload", () -> d.upload(src, 4, dst, 0, 3), "[4, 7)", "array of 6");
            t.rejects("upload", () -> d.upload(src, -1, dst, 0, 3), "[-1, 2)");
            t.rejects("upload", () -> d.upload(src, 0, dst, 0, -2), "length -2");
            t.rejects("upload", () -> d.upload(src, 0, null, 0, 1), "null");
            d.upload(src, 3, dst, 7, 3);                                   // both ranges end exactly at the end
            float[] got = t.read(dst);
            assertArrayEquals(new float[] {2, 3, 4}, slice(got, 7, 10), backend);
            assertArrayEquals(slice(ramp(10, 100), 0, 7), slice(got, 0, 7), backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void download(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer src = t.known(10, 100);
            float[] dst = ramp(6, -50);
            float[] before = dst.clone();
            t.rejects("download", () -> d.download(src, 8, dst, 0, 3), "3 floats from offset 8", "holds 10");
            t.rejects("download", () -> d.download(src, 0, dst, 4, 3), "[4, 7)", "array of 6");
            t.rejects("download", () -> d.download(src, -2, dst, 0, 1), "offset -2");
            assertArrayEquals(before, dst, backend + ": a rejected download wrote into the array");
            d.download(src, 7, dst, 3, 3);
            assertArrayEquals(new float[] {-50, -49, -48, 107, 108, 109}, dst, backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void fillCopyRandom(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer a = t.known(10, 100);
            Buffer b = t.known(10, 200);
            t.rejects("fill", () -> d.fill(a, 5, 6, 0f), "6 floats from offset 5", "holds 10");
            t.rejects("fill", () -> d.fill(a, -1, 1, 0f), "offset -1");
            t.rejects("fill", () -> d.fill(a, 0, -1, 0f), "length -1");
            t.rejects("copy", () -> d.copy(a, 8, b, 0, 3), "source", "from offset 8");
            t.rejects("copy", () -> d.copy(a, 0, b, 8, 3), "destination", "from offset 8");
            t.rejects("copy", () -> d.copy(a, 0, b, 0, 11), "11 floats");
            t.rejects("random", () -> d.random(a, 9, 2, Distribution.UNIFORM, 0f, 1f, 7L), "2 floats from offset 9");
            t.rejects("random", () -> d.random(a, -3, 2, Distribution.UNIFORM, 0f, 1f, 7L), "offset -3");

            d.fill(a, 5, 5, -1f);
            assertArrayEquals(new float[] {100, 101, 102, 103, 104, -1, -1, -1, -1, -1}, t.read(a), backend);
            d.copy(a, 0, b, 7, 3);
            assertArrayEquals(new float[] {200, 201, 202, 203, 204, 205, 206, 100, 101, 102}, t.read(b), backend);
            d.random(b, 8, 2, Distribution.UNIFORM, 5f, 6f, 7L);
            float[] r = t.read(b);
            assertEquals(206f, r[6], backend);
            for (int i = 8; i < 10; i++) {
                assertTrue(r[i] >= 5f && r[i] < 6f, backend + ": random value " + r[i]);
            }
        }
    }

    // ------------------------------------------------------------------ gemm

    /** C (m×n, ldc) = A·B for the stored layouts the flags say, in float64, from the uploaded values. */
    private static float[] product(boolean ta, boolean tb, int m, int n, int k, float[] a, int aOff, int lda,
                                   float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        float[] out = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) (ta ? a[aOff + p * lda + i] : a[aOff + i * lda + p])
                            * (tb ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j]);
                }
                out[cOff + i * ldc + j] = (float) s;
            }
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gemm(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            int m = 3;
            int n = 2;
            int k = 5;
            float[] av = ramp(15, 0.5f);
            float[] bv = ramp(10, -3f);
            Buffer a = t.of(av);                           // A m×k, lda 5: exactly 15 floats
            Buffer b = t.of(bv);                           // B k×n, ldb 2: exactly 10
            Buffer c = t.known(6, 100);                    // C m×n, ldc 2: exactly 6
            Buffer small = t.known(14, 300);               // one float short for A
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, 4, b, 0, n, 0f, c, 0, n),
                    "lda 4 < k 5 for A stored m×k (transA false)");
            t.rejects("gemm", () -> d.gemm(true, false, m, n, k, 1f, a, 0, 2, b, 0, n, 0f, c, 0, n),
                    "lda 2 < m 3 for A stored k×m (transA true)");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, 1, 0f, c, 0, n), "ldb 1 < n 2");
            t.rejects("gemm", () -> d.gemm(false, true, m, n, k, 1f, a, 0, k, b, 0, 4, 0f, c, 0, n),
                    "ldb 4 < k 5 for B stored n×k");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, 1), "ldc 1 < n 2");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 1, k, b, 0, n, 0f, c, 0, n),
                    "A needs 15 floats from offset 1 but its buffer holds 15");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, small, 0, k, b, 0, n, 0f, c, 0, n),
                    "A needs 15 floats from offset 0 but its buffer holds 14");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, 6, b, 0, n, 0f, c, 0, n),
                    "A needs 17 floats");                  // a wider lda reaches further
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, k, b, 1, n, 0f, c, 0, n),
                    "B needs 10 floats from offset 1");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 1, n),
                    "C needs 6 floats from offset 1");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 1f, c, 0, 3),
                    "C needs 8 floats");                   // ldc 3: (3-1)·3 + 2
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, -1, k, b, 0, n, 0f, c, 0, n),
                    "A offset -1");
            t.rejects("gemm", () -> d.gemm(false, false, -1, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n), "m=-1");
            t.rejects("gemm", () -> d.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, null, 0, n), "C");

            // Exactly fitting: every operand ends on its buffer's last float.
            d.gemm(false, false, m, n, k, 1f, a, 0, k, b, 0, n, 0f, c, 0, n);
            assertArrayEquals(product(false, false, m, n, k, av, 0, k, bv, 0, n, new float[6], 0, n), t.read(c), 1e-3f,
                    backend);
            // Transposed and offset, still exact: A stored k×m (5×2, lda 3) from 1 ends on float 14 of 15,
            // B stored n×k (2×5, ldb 5) fills its 10, C 2×2 (ldc 2) from 2 ends on float 5 of 6.
            float[] c0 = t.read(c);
            d.gemm(true, true, 2, 2, 5, 1f, a, 1, 3, b, 0, 5, 0f, c, 2, 2);
            assertArrayEquals(product(true, true, 2, 2, 5, av, 1, 3, bv, 0, 5, c0, 2, 2), t.read(c), 1e-3f, backend);
            t.rejects("gemm", () -> d.gemm(true, true, 2, 2, 5, 1f, a, 2, 3, b, 0, 5, 0f, c, 2, 2),
                    "A needs 14 floats from offset 2 but its buffer holds 15");
            // k == 0: A and B are empty, so their offsets may point anywhere from 0 on.
            d.gemm(false, false, m, n, 0, 1f, a, 40, 0, b, 40, n, 0f, c, 0, n);
            assertArrayEquals(new float[6], t.read(c), backend);
        }
    }

    // ------------------------------------------------------------------ elementwise

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void unary(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            int[] shape = {2, 3};
            Buffer x = t.known(6, 1);
            Buffer out = t.known(6, 100);
            t.rejects("unary NEG", () -> d.unary(UnaryOp.NEG, 0f, shape, x, 1, new long[] {3, 1}, out, 0),
                    "reads floats 1 to 6", "holds 6");
            t.rejects("unary NEG", () -> d.unary(UnaryOp.NEG, 0f, shape, x, 2, new long[] {-3, 1}, out, 0),
                    "reads floats -1 to 4");
            t.rejects("unary NEG", () -> d.unary(UnaryOp.NEG, 0f, shape, x, 0, new long[] {1, 3}, out, 0),
                    "reads floats 0 to 7");
            t.rejects("unary NEG", () -> d.unary(UnaryOp.NEG, 0f, shape, x, 0, new long[] {3, 1}, out, 1),
                    "output needs 6 floats from offset 1");
            t.rejects("unary NEG", () -> d.unary(UnaryOp.NEG, 0f, shape, x, 0, new long[] {3}, out, 0), "1 strides");
            t.rejects("unary NEG", () -> d.unary(UnaryOp.NEG, 0f, new int[] {2, -3}, x, 0, new long[] {3, 1}, out, 0),
                    "negative");
            t.rejects("unary NEG", () -> d.unary(UnaryOp.NEG, 0f, shape, x, -1, new long[] {0, 0}, out, 0),
                    "offset -1");

            // Exact fits: a transposed view, a reversed one (negative stride) and a broadcast one.
            d.unary(UnaryOp.NEG, 0f, new int[] {3, 2}, x, 0, new long[] {1, 3}, out, 0);
            assertArrayEquals(new float[] {-1, -4, -2, -5, -3, -6}, t.read(out), backend);
            d.unary(UnaryOp.NEG, 0f, shape, x, 3, new long[] {-3, 1}, out, 0);
            assertArrayEquals(new float[] {-4, -5, -6, -1, -2, -3}, t.read(out), backend);
            d.unary(UnaryOp.COPY, 0f, shape, x, 3, new long[] {0, 1}, out, 0);
            assertArrayEquals(new float[] {4, 5, 6, 4, 5, 6}, t.read(out), backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void binary(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            int[] shape = {2, 3};
            long[] rows = {3, 1};
            long[] bias = {0, 1};
            Buffer a = t.known(6, 1);
            Buffer b = t.known(3, 10);
            Buffer out = t.known(6, 100);
            t.rejects("binary ADD", () -> d.binary(BinaryOp.ADD, 0f, shape, a, 0, rows, b, 1, bias, out, 0),
                    "input b", "reads floats 1 to 3", "holds 3");
            t.rejects("binary ADD", () -> d.binary(BinaryOp.ADD, 0f, shape, a, 0, rows, b, 0, rows, out, 0),
                    "input b", "reads floats 0 to 5");
            t.rejects("binary ADD", () -> d.binary(BinaryOp.ADD, 0f, shape, a, 1, rows, b, 0, bias, out, 0),
                    "input a");
            t.rejects("binary ADD", () -> d.binary(BinaryOp.ADD, 0f, shape, a, 0, rows, b, 0, bias, out, 3),
                    "output needs 6 floats from offset 3");
            t.rejects("binary ADD", () -> d.binary(BinaryOp.ADD, 0f, shape, a, 0, rows, b, 0, new long[] {1}, out, 0),
                    "1 strides");

            d.binary(BinaryOp.ADD, 0f, shape, a, 0, rows, b, 0, bias, out, 0);
            assertArrayEquals(new float[] {11, 13, 15, 14, 16, 18}, t.read(out), backend);
        }
    }

    // ------------------------------------------------------------------ reductions, softmax, losses

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void reduce(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer x = t.known(12, 1);                     // [2][3][2]
            Buffer shortX = t.known(11, 1);
            Buffer out = t.known(4, 100);
            t.rejects("reduce SUM", () -> d.reduce(ReduceOp.SUM, 2, 3, 2, shortX, 0, out, 0),
                    "input needs 12 floats from offset 0 but its buffer holds 11");
            t.rejects("reduce SUM", () -> d.reduce(ReduceOp.SUM, 2, 3, 2, x, 1, out, 0), "from offset 1");
            t.rejects("reduce SUM", () -> d.reduce(ReduceOp.SUM, 2, 3, 2, x, 0, out, 1),
                    "output needs 4 floats from offset 1");
            t.rejects("reduce SUM", () -> d.reduce(ReduceOp.SUM, 2, 0, 2, x, 0, out, 0), "n=0");
            t.rejects("reduce MAX", () -> d.reduce(ReduceOp.MAX, -1, 3, 2, x, 0, out, 0), "outer=-1");

            d.reduce(ReduceOp.SUM, 2, 3, 2, x, 0, out, 0);
            assertArrayEquals(new float[] {9, 12, 27, 30}, t.read(out), backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void softmaxAndBackward(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer x = t.of(0, 0, 0, 1, 1, 1);             // 2×3
            Buffer y = t.known(6, 100);
            Buffer g = t.known(6, 200);
            Buffer five = t.known(5, 300);
            t.rejects("softmax", () -> d.softmax(false, 2, 3, five, 0, y, 0), "input needs 6 floats", "holds 5");
            t.rejects("softmax", () -> d.softmax(false, 2, 3, x, 0, y, 1), "output needs 6 floats from offset 1");
            t.rejects("softmax", () -> d.softmax(true, 2, -3, x, 0, y, 0), "cols=-3");
            t.rejects("softmaxBackward", () -> d.softmaxBackward(false, 2, 3, five, 0, x, 0, g, 0), "output y");
            t.rejects("softmaxBackward", () -> d.softmaxBackward(false, 2, 3, y, 0, x, 1, g, 0),
                    "upstream gradient gy needs 6 floats from offset 1");
            t.rejects("softmaxBackward", () -> d.softmaxBackward(false, 2, 3, y, 0, x, 0, five, 0), "gradient gx");

            d.softmax(false, 2, 3, x, 0, y, 0);
            float third = 1f / 3;
            assertArrayEquals(new float[] {third, third, third, third, third, third}, t.read(y), 1e-6f, backend);
            d.softmaxBackward(false, 2, 3, y, 0, x, 0, g, 0);  // gy constant per row: gx = 0
            assertArrayEquals(new float[6], t.read(g), 1e-6f, backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void crossEntropyAndBackward(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer logits = t.of(0, 0, 0, 0, 0, 0);        // 2×3
            Buffer targets = t.of(2, 0);
            Buffer loss = t.known(2, 100);
            Buffer probs = t.known(6, 200);
            Buffer gLoss = t.of(1, 1);
            Buffer gx = t.known(6, 300);
            Buffer one = t.known(1, 400);
            t.rejects("crossEntropy", () -> d.crossEntropy(2, 3, logits, 1, targets, 0, loss, 0, probs, 0),
                    "logits needs 6 floats from offset 1");
            t.rejects("crossEntropy", () -> d.crossEntropy(2, 3, logits, 0, one, 0, loss, 0, probs, 0),
                    "targets needs 2 floats");
            t.rejects("crossEntropy", () -> d.crossEntropy(2, 3, logits, 0, targets, 0, loss, 1, probs, 0),
                    "loss needs 2 floats from offset 1");
            t.rejects("crossEntropy", () -> d.crossEntropy(2, 3, logits, 0, targets, 0, loss, 0, gLoss, 0),
                    "probabilities needs 6 floats", "holds 2");

            d.crossEntropy(2, 3, logits, 0, targets, 0, loss, 0, probs, 0);
            float ln3 = (float) Math.log(3);
            assertArrayEquals(new float[] {ln3, ln3}, t.read(loss), 1e-6f, backend);

            t.rejects("crossEntropyBackward", () -> d.crossEntropyBackward(2, 3, probs, 0, targets, 0, gLoss, 1, 1,
                    gx, 0), "upstream gradient needs 2 floats from offset 1");
            t.rejects("crossEntropyBackward", () -> d.crossEntropyBackward(2, 3, probs, 0, targets, 0, one, 0, 1,
                    gx, 0), "upstream gradient needs 2 floats");
            t.rejects("crossEntropyBackward", () -> d.crossEntropyBackward(2, 3, probs, 0, targets, 0, gLoss, 0, -1,
                    gx, 0), "stride -1");
            t.rejects("crossEntropyBackward", () -> d.crossEntropyBackward(2, 3, probs, 0, targets, 1, gLoss, 0, 1,
                    gx, 0), "targets needs 2 floats from offset 1");
            t.rejects("crossEntropyBackward", () -> d.crossEntropyBackward(2, 3, probs, 0, targets, 0, gLoss, 0, 1,
                    gx, 2), "gradient gx needs 6 floats from offset 2");

            // Stride 0 reads one float for every row: a one-float buffer fits exactly.
            d.upload(new float[] {0.5f}, 0, one, 0, 1);
            d.crossEntropyBackward(2, 3, probs, 0, targets, 0, one, 0, 0, gx, 0);
            float p = 0.5f / 3;
            assertArrayEquals(new float[] {p, p, p - 0.5f, p - 0.5f, p, p}, t.read(gx), 1e-6f, backend);
        }
    }

    // ------------------------------------------------------------------ optimizers

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void sgdStep(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer param = t.known(8, 10);
            Buffer grad = t.of(1, 1, 1, 1, 1, 1, 1, 1);
            Buffer velocity = t.known(8, 0);
            Buffer six = t.known(6, 50);
            t.rejects("sgdStep", () -> d.sgdStep(param, grad, velocity, 4, 5, 0.1f, 0.9f, 0f, 0f, false, true),
                    "param needs 5 floats from offset 4", "holds 8");
            t.rejects("sgdStep", () -> d.sgdStep(param, six, velocity, 2, 6, 0.1f, 0.9f, 0f, 0f, false, true),
                    "grad needs 6 floats from offset 2");
            t.rejects("sgdStep", () -> d.sgdStep(param, grad, six, 2, 6, 0.1f, 0.9f, 0f, 0f, false, true),
                    "velocity needs 6 floats from offset 2");
            t.rejects("sgdStep", () -> d.sgdStep(param, grad, velocity, 0, -1, 0.1f, 0f, 0f, 0f, false, true),
                    "length -1");

            // Momentum 0: the velocity is not used, so it may be null (or short).
            d.sgdStep(param, grad, null, 4, 4, 0.5f, 0f, 0f, 0f, false, true);
            assertArrayEquals(new float[] {10, 11, 12, 13, 13.5f, 14.5f, 15.5f, 16.5f}, t.read(param), backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void adamStep(String backend) {
        try (Bufs t = new Bufs(backend)) {
            Device d = t.d;
            Buffer param = t.known(6, 10);
            Buffer grad = t.of(1, 1, 1, 1, 1, 1);
            Buffer m = t.of(0, 0, 0, 0, 0, 0);
            Buffer v = t.of(0, 0, 0, 0, 0, 0);
            Buffer five = t.of(0, 0, 0, 0, 0);
            for (String role : List.of("param", "grad", "m", "v")) {
                Buffer p = role.equals("param") ? five : param;
                Buffer g = role.equals("grad") ? five : grad;
                Buffer mm = role.equals("m") ? five : m;
                Buffer vv = role.equals("v") ? five : v;
                t.rejects("adamStep", () -> d.adamStep(p, g, mm, vv, 0, 6, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false, 1),
                        role + " needs 6 floats from offset 0 but its buffer holds 5");
            }
            t.rejects("adamStep", () -> d.adamStep(param, grad, m, v, 1, 6, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false, 1),
                    "from offset 1");

            // Step 1 with a constant gradient moves each parameter by lr (bias correction makes m̂/√v̂ = 1).
            d.adamStep(param, grad, m, v, 0, 6, 0.1f, 0.9f, 0.999f, 1e-8f, 0f, false, 1);
            assertArrayEquals(new float[] {9.9f, 10.9f, 11.9f, 12.9f, 13.9f, 14.9f}, t.read(param), 1e-5f, backend);
        }
    }

    // ------------------------------------------------------------------ cost

    /** A buffer that is only a length: the checks read nothing else. */
    private record Sized(long length) implements Buffer {
        @Override
        public Device device() {
            return null;
        }

        @Override
        public boolean isClosed() {
            return false;
        }

        @Override
        public void close() {}
    }

    /** The checks run on every call of a replayed step, which must allocate nothing: they allocate nothing. */
    @Test
    void checksThatPassAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Buffer big = new Sized(1 << 20);
        int[] shape = {4, 8, 16};
        long[] strides = {0, 16, 1};
        long[] contiguous = {128, 16, 1};
        float[] host = new float[64];
        Runnable calls = () -> {
            DeviceChecks.upload(host, 1, big, 7, 63);
            DeviceChecks.download(big, 7, host, 0, 64);
            DeviceChecks.fill(big, 3, 100);
            DeviceChecks.copy(big, 0, big, 500, 100);
            DeviceChecks.random(big, 3, 100);
            DeviceChecks.softmax(32, 10, big, 0, big, 320);
            DeviceChecks.softmaxBackward(32, 10, big, 0, big, 320, big, 640);
            DeviceChecks.crossEntropy(32, 10, big, 0, big, 320, big, 352, big, 384);
            DeviceChecks.sgdStep(big, big, null, 5, 1000, 0f);
            DeviceChecks.gemm(true, false, 64, 32, 16, big, 3, 64, big, 5, 40, big, 7, 33);
            DeviceChecks.binary(BinaryOp.ADD, shape, big, 0, contiguous, big, 9, strides, big, 11);
            DeviceChecks.unary(UnaryOp.RELU, shape, big, 0, contiguous, big, 1);
            DeviceChecks.reduce(ReduceOp.SUM, 4, 8, 16, big, 0, big, 0);
            DeviceChecks.crossEntropyBackward(32, 10, big, 0, big, 0, big, 0, 0, big, 0);
            DeviceChecks.adamStep(big, big, big, big, 100, 1000);
        };
        for (int i = 0; i < 20_000; i++) {
            calls.run();
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            calls.run();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 10_000, "1,500,000 passing checks allocated " + allocated + " bytes");
    }

    /** A window whose columns would overflow a long is refused when it is made, naming its sizes. */
    @Test
    void aWindowTooLargeToCountIsRefused() {
        int big = 1 << 30;
        String m = assertThrows(IllegalArgumentException.class,
                () -> new Window(big, big, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, big, 1)).getMessage();
        assertTrue(m.contains("n=" + big) && m.contains("more elements than a long counts"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> new Window(1, 1, 4, 4, 0, 3, 1, 1, 0, 0, 1, 1, 2, 2)).getMessage();
        assertTrue(m.contains("kernel 0x3") && m.contains("kernel, stride and dilation 1 or more"), m);
        assertEquals(2L * 3 * 4 * 5, new Window(2, 3, 9, 9, 3, 3, 2, 2, 0, 0, 1, 1, 4, 5).pooledSize());
    }
}
