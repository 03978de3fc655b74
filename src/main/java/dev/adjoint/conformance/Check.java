package dev.adjoint.conformance;

import dev.adjoint.device.Buffer;
import dev.adjoint.device.DType;
import dev.adjoint.device.Device;
import java.util.Random;

/** Test plumbing shared by the cases: random data, device round trips and tolerant comparison. */
final class Check {
    private Check() {}

    static float[] random(Random rnd, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        }
        return x;
    }

    static Buffer put(Device d, float[] x) {
        Buffer b = d.allocate(Math.max(1, x.length));
        d.upload(x, 0, b, 0, x.length);
        return b;
    }

    /** {@code x} in a new buffer of {@code dtype}: uploaded as F32, then converted on the device. */
    static Buffer put(Device d, float[] x, DType dtype) {
        if (dtype == DType.F32) {
            return put(d, x);
        }
        Buffer b = d.allocate(Math.max(1, x.length), dtype);
        try (Buffer f = put(d, x)) {
            d.convert(f, 0, b, 0, x.length);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    static float[] get(Device d, Buffer b, int n) {
        float[] x = new float[n];
        d.download(b, 0, x, 0, n);
        return x;
    }

    /**
     * Asserts |actual − expected| ≤ atol + rtol·scale[i] for every element (scale defaults to
     * |expected|), naming the case, the first bad index and the values.
     */
    static void close(String what, float[] actual, double[] expected, double[] scale, double rtol, double atol) {
        if (actual.length < expected.length) {
            throw new AssertionError(what + ": got " + actual.length + " values, expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double s = scale == null ? Math.abs(e) : scale[i];
            double err = Math.abs(actual[i] - e);
            boolean ok = err <= atol + rtol * s || (Double.isNaN(e) && Float.isNaN(actual[i]))
                    || (Double.isInfinite(e) && actual[i] == e);
            if (!ok) {
                throw new AssertionError(String.format("%s: element %d is %s, expected %s (error %.3g, allowed %.3g)",
                        what, i, actual[i], e, err, atol + rtol * s));
            }
        }
    }

    static void close(String what, float[] actual, double[] expected, double rtol, double atol) {
        close(what, actual, expected, null, rtol, atol);
    }

    static void exact(String what, float[] actual, float[] expected) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToIntBits(actual[i]) != Float.floatToIntBits(expected[i])) {
                throw new AssertionError(what + ": element " + i + " is " + actual[i] + ", expected exactly " + expected[i]);
            }
        }
    }

    /** Asserts that {@code call} throws an IllegalArgumentException whose message contains {@code part}. */
    static void refused(String part, Runnable call) {
        try {
            call.run();
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().contains(part)) {
                throw new AssertionError("refused, but the message does not say '" + part + "': " + e.getMessage(), e);
            }
            return;
        }
        throw new AssertionError("not refused: expected an IllegalArgumentException saying '" + part + "'");
    }

    /** Contiguous row-major strides of a shape. */
    static long[] strides(int[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    static int numel(int[] shape) {
        int n = 1;
        for (int v : shape) {
            n *= v;
        }
        return n;
    }
}
