package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gather, scatterAdd and select called directly on each backend with a size negative, an index view or
 * a range outside its buffer: each throws IllegalArgumentException naming the primitive and what is
 * wrong, and leaves every buffer as it was (as {@link DeviceChecksTest} for the other primitives).
 * Arguments that fit exactly are accepted and computed.
 */
class IndexingChecksTest {
    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gatherAndScatterAdd(String backend) {
        try (DeviceChecksTest.Bufs t = new DeviceChecksTest.Bufs(backend)) {
            Device d = t.d;
            Buffer x = t.of(10, 11, 20, 21, 30, 31);           // [1][3][2]
            Buffer idx = t.of(2, 0, 0, 1);                     // [1][2][2], contiguous
            Buffer out = t.of(-1, -1, -1, -1);
            long[] s = {4, 2, 1};
            t.rejects("gather", () -> d.gather(1, 3, 2, 2, x, 1, idx, 0, s, out, 0), "input x needs 6 floats from offset 1");
            t.rejects("gather", () -> d.gather(1, 3, 2, 2, x, 0, idx, 1, s, out, 0), "index view", "holds 4");
            t.rejects("gather", () -> d.gather(1, 3, 2, 2, x, 0, idx, 0, new long[] {4, 2}, out, 0), "2 strides");
            t.rejects("gather", () -> d.gather(1, 3, 2, 2, x, 0, idx, 0, s, out, 2), "output needs 4 floats from offset 2");
            t.rejects("gather", () -> d.gather(1, -3, 2, 2, x, 0, idx, 0, s, out, 0), "n=-3");
            d.gather(1, 3, 2, 2, x, 0, idx, 0, s, out, 0);
            assertArrayEquals(new float[] {30, 11, 10, 21}, t.read(out), backend);
            d.gather(1, 3, 2, 2, x, 0, idx, 0, new long[] {0, 1, 0}, out, 0);    // slices: rows 2 and 0
            assertArrayEquals(new float[] {30, 31, 10, 11}, t.read(out), backend);

            Buffer src = t.of(1, 2, 3, 4);
            Buffer acc = t.of(0, 0, 0, 0, 0, 0);
            t.rejects("scatterAdd", () -> d.scatterAdd(1, 3, 2, 2, idx, 0, s, src, 1, acc, 0), "source needs 4 floats");
            t.rejects("scatterAdd", () -> d.scatterAdd(1, 3, 2, 2, idx, 0, s, src, 0, acc, 1), "output needs 6 floats");
            t.rejects("scatterAdd", () -> d.scatterAdd(1, 3, 2, 2, idx, 0, new long[] {4, 2, 3}, src, 0, acc, 0),
                    "index view");
            t.rejects("scatterAdd", () -> d.scatterAdd(1, 3, 2, -1, idx, 0, s, src, 0, acc, 0), "m=-1");
            d.scatterAdd(1, 3, 2, 2, idx, 0, s, src, 0, acc, 0);
            assertArrayEquals(new float[] {3, 2, 0, 4, 1, 0}, t.read(acc), backend);
            d.scatterAdd(1, 3, 2, 2, idx, 0, new long[] {0, 1, 0}, src, 0, acc, 0);   // rows 2 and 0 again, summed in
            assertArrayEquals(new float[] {6, 6, 0, 4, 2, 2}, t.read(acc), backend);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void select(String backend) {
        try (DeviceChecksTest.Bufs t = new DeviceChecksTest.Bufs(backend)) {
            Device d = t.d;
            Buffer c = t.of(1, 0, 0, 1, 1, 0);                 // [2, 3]
            Buffer a = t.of(5, 6, 7);                          // a row, broadcast
            Buffer b = t.of(-1, -2, -3, -4, -5, -6);
            Buffer out = t.of(0, 0, 0, 0, 0, 0);
            int[] shape = {2, 3};
            long[] rows = {3, 1};
            long[] row = {0, 1};
            t.rejects("select", () -> d.select(shape, c, 1, rows, a, 0, row, b, 0, rows, out, 0), "condition view");
            t.rejects("select", () -> d.select(shape, c, 0, rows, a, 0, rows, b, 0, rows, out, 0), "input a view");
            t.rejects("select", () -> d.select(shape, c, 0, rows, a, 0, row, b, 0, new long[] {3}, out, 0), "input b has 1 strides");
            t.rejects("select", () -> d.select(shape, c, 0, rows, a, 0, row, b, 0, rows, out, 1), "output needs 6 floats");
            t.rejects("select", () -> d.select(new int[] {2, -3}, c, 0, rows, a, 0, row, b, 0, rows, out, 0), "negative");
            d.select(shape, c, 0, rows, a, 0, row, b, 0, rows, out, 0);
            assertArrayEquals(new float[] {5, -2, -3, 5, 6, -6}, t.read(out), backend);
        }
    }
}
