package dev.adjoint.data;

import java.util.Objects;

/**
 * Some rows of other {@link Samples}, and optionally other labels for them: what
 * {@link Samples#rows} and {@link Samples#withLabels} return. Features are read from the base
 * samples as they are copied, so a view of a {@link MappedDataset} keeps them in the file.
 */
final class SampleView implements Samples {
    private final Samples base;
    private final String name;
    /** Which of the base's rows, in order; null: all of them. */
    private final int[] indices;
    /** This view's labels, one per row of it; null: the base's. */
    private final float[] labels;
    private final int classes;

    SampleView(Samples base, String name, int[] indices, float[] labels, int classes) {
        this.base = Objects.requireNonNull(base, "base");
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a view of '" + base.name() + "' needs a name");
        }
        this.name = name;
        this.indices = indices;
        this.labels = labels;
        this.classes = classes;
        if (indices != null) {
            for (int k = 0; k < indices.length; k++) {
                if (indices[k] < 0 || indices[k] >= base.size()) {
                    throw new IllegalArgumentException("rows of '" + base.name() + "': index " + indices[k] + " at "
                            + k + " is outside [0, " + base.size() + ")");
                }
            }
        }
        if (labels != null) {
            int n = indices == null ? base.size() : indices.length;
            if (labels.length != n) {
                throw new IllegalArgumentException("'" + base.name() + "': " + labels.length + " labels for " + n
                        + " samples");
            }
            for (int i = 0; i < n; i++) {
                float y = labels[i];
                if (classes == 0 ? !Float.isFinite(y) : !(y >= 0 && y < classes) || y != Math.rint(y)) {
                    throw new IllegalArgumentException("'" + base.name() + "': label " + y + " of sample " + i + " is not "
                            + (classes == 0 ? "a finite number" : "a class index 0.." + (classes - 1)));
                }
            }
        }
    }

    private int at(int i) {
        return indices == null ? Objects.checkIndex(i, base.size()) : indices[i];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return indices == null ? base.size() : indices.length;
    }

    @Override
    public int dims() {
        return base.dims();
    }

    @Override
    public int classes() {
        return classes;
    }

    @Override
    public int[] labelValues() {
        return base.labelValues();
    }

    @Override
    public Dataset.Source source() {
        return base.source();
    }

    @Override
    public void copyRow(int i, float[] dst, int offset) {
        base.copyRow(at(i), dst, offset);
    }

    @Override
    public float label(int i) {
        return labels != null ? labels[Objects.checkIndex(i, size())] : base.label(at(i));
    }

    @Override
    public Samples rows(int[] rows, String viewName) {
        int[] picked = new int[rows.length];
        float[] y = labels == null ? null : new float[rows.length];
        for (int k = 0; k < rows.length; k++) {
            int r = Objects.checkIndex(rows[k], size());
            picked[k] = at(r);
            if (y != null) {
                y[k] = labels[r];
            }
        }
        return new SampleView(base, viewName, picked, y, classes);
    }

    @Override
    public String toString() {
        return "SampleView[" + name + " of " + base.name() + ": " + size() + " samples, " + dims() + " dims, " + classes
                + " classes]";
    }
}
