package dev.adjoint.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.testing.Backends;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * gather, scatterAdd and select called directly on each backend with a size negative, an index view or
 * a range outside its buffer: each throws IllegalArgumentException naming the primitive and what is
 * wrong, and leaves every buffer as it was (as {@link DeviceChecksTest} for the other primitives).
 * Arguments that fit exactly are accepted and computed.
 */
class IndexingChecksTest {
    private final List<Buffer> all = new ArrayList<>();

    private Buffer of(Device d, float... v) {
        Buffer b = d.allocate(v.length);
        d.upload(v, 0, b, 0, v.length);
        all.add(b);
        return b;
    }

    private static float[] read(Device d, Buffer b) {
        float[] x = new float[(int) b.length()];
        d.download(b, 0, x, 0, x.length);
        return x;
    }

    private void rejects(Device d, String primitive, Executable call, String... fragments) {
        List<float[]> before = all.stream().map(b -> read(d, b)).toList();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call, d.name() + ": " + primitive);
        assertTrue(e.getMessage().startsWith(primitive), d.name() + ": " + e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), d.name() + ": '" + f + "' missing from " + e.getMessage());
        }
        for (int i = 0; i < all.size(); i++) {
            assertArrayEquals(before.get(i), read(d, all.get(i)), d.name() + ": " + primitive + " changed buffer " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void gatherAndScatterAdd(String backend) {
        Device d = Backends.open(backend);
        try {
            Buffer x = of(d, 10, 11, 20, 21, 30, 31);           // [1][3][2]
            Buffer idx = of(d, 2, 0, 0, 1);                     // [1][2][2], contiguous
            Buffer out = of(d, -1, -1, -1, -1);
            long[] s = {4, 2, 1};
            rejects(d, "gather", () -> d.gather(1, 3, 2, 2, x, 1, idx, 0, s, out, 0), "input x needs 6 floats from offset 1");
            rejects(d, "gather", () -> d.gather(1, 3, 2, 2, x, 0, idx, 1, s, out, 0), "index view", "holds 4");
            rejects(d, "gather", () -> d.gather(1, 3, 2, 2, x, 0, idx, 0, new long[] {4, 2}, out, 0), "2 strides");
            rejects(d, "gather", () -> d.gather(1, 3, 2, 2, x, 0, idx, 0, s, out, 2), "output needs 4 floats from offset 2");
            rejects(d, "gather", () -> d.gather(1, -3, 2, 2, x, 0, idx, 0, s, out, 0), "n=-3");
            d.gather(1, 3, 2, 2, x, 0, idx, 0, s, out, 0);
            assertArrayEquals(new float[] {30, 11, 10, 21}, read(d, out), backend);
            d.gather(1, 3, 2, 2, x, 0, idx, 0, new long[] {0, 1, 0}, out, 0);    // slices: rows 2 and 0
            assertArrayEquals(new float[] {30, 31, 10, 11}, read(d, out), backend);

            Buffer src = of(d, 1, 2, 3, 4);
            Buffer acc = of(d, 0, 0, 0, 0, 0, 0);
            rejects(d, "scatterAdd", () -> d.scatterAdd(1, 3, 2, 2, idx, 0, s, src, 1, acc, 0), "source needs 4 floats");
            rejects(d, "scatterAdd", () -> d.scatterAdd(1, 3, 2, 2, idx, 0, s, src, 0, acc, 1), "output needs 6 floats");
            rejects(d, "scatterAdd", () -> d.scatterAdd(1, 3, 2, 2, idx, 0, new long[] {4, 2, 3}, src, 0, acc, 0),
                    "index view");
            rejects(d, "scatterAdd", () -> d.scatterAdd(1, 3, 2, -1, idx, 0, s, src, 0, acc, 0), "m=-1");
            d.scatterAdd(1, 3, 2, 2, idx, 0, s, src, 0, acc, 0);
            assertArrayEquals(new float[] {3, 2, 0, 4, 1, 0}, read(d, acc), backend);
            d.scatterAdd(1, 3, 2, 2, idx, 0, new long[] {0, 1, 0}, src, 0, acc, 0);   // rows 2 and 0 again, summed in
            assertArrayEquals(new float[] {6, 6, 0, 4, 2, 2}, read(d, acc), backend);
        } finally {
            all.forEach(Buffer::close);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void select(String backend) {
        Device d = Backends.open(backend);
        try {
            Buffer c = of(d, 1, 0, 0, 1, 1, 0);                 // [2, 3]
            Buffer a = of(d, 5, 6, 7);                          // a row, broadcast
            Buffer b = of(d, -1, -2, -3, -4, -5, -6);
            Buffer out = of(d, 0, 0, 0, 0, 0, 0);
            int[] shape = {2, 3};
            long[] rows = {3, 1};
            long[] row = {0, 1};
            rejects(d, "select", () -> d.select(shape, c, 1, rows, a, 0, row, b, 0, rows, out, 0), "condition view");
            rejects(d, "select", () -> d.select(shape, c, 0, rows, a, 0, rows, b, 0, rows, out, 0), "input a view");
            rejects(d, "select", () -> d.select(shape, c, 0, rows, a, 0, row, b, 0, new long[] {3}, out, 0), "input b has 1 strides");
            rejects(d, "select", () -> d.select(shape, c, 0, rows, a, 0, row, b, 0, rows, out, 1), "output needs 6 floats");
            rejects(d, "select", () -> d.select(new int[] {2, -3}, c, 0, rows, a, 0, row, b, 0, rows, out, 0), "negative");
            d.select(shape, c, 0, rows, a, 0, row, b, 0, rows, out, 0);
            assertArrayEquals(new float[] {5, -2, -3, 5, 6, -6}, read(d, out), backend);
        } finally {
            all.forEach(Buffer::close);
        }
    }
}
