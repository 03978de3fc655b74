package dev.adjoint.tensor;

import java.util.Locale;

/** {@link Tensor#toString}: shape, device and the values, abbreviated past 1000 elements as numpy does. */
final class TensorFormat {
    private static final int THRESHOLD = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        String head = "Tensor" + Shape.format(t.shape) + " on " + t.device().name();
        if (t.isClosed()) {
            return head + " (closed)";
        }
        float[] v = t.toArray();
        StringBuilder sb = new StringBuilder(head).append('\n');
        boolean abbreviate = v.length > THRESHOLD;
        values(sb, v, t.shape, 0, 0, abbreviate);
        return sb.toString();
    }

    private static void values(StringBuilder sb, float[] v, int[] shape, int axis, int base, boolean abbreviate) {
        if (shape.length == 0) {
            sb.append(number(v[0]));
            return;
        }
        int n = shape[axis];
        int stride = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            stride *= shape[d];
        }
        sb.append('[');
        for (int i = 0; i < n; i++) {
            if (abbreviate && n > 2 * EDGE && i == EDGE) {
                sb.append("...");
                i = n - EDGE - 1;
                separator(sb, shape, axis);
                continue;
            }
            if (axis == shape.length - 1) {
                sb.append(number(v[base + i]));
            } else {
                values(sb, v, shape, axis + 1, base + i * stride, abbreviate);
            }
            if (i < n - 1) {
                separator(sb, shape, axis);
            }
        }
        sb.append(']');
    }

    private static void separator(StringBuilder sb, int[] shape, int axis) {
        if (axis == shape.length - 1) {
            sb.append(", ");
        } else {
            sb.append(",\n").append(" ".repeat(axis + 1));
        }
    }

    private static String number(float x) {
        return String.format(Locale.ROOT, "%.4f", x);
    }
}
