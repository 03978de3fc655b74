package dev.adjoint.data;

/**
 * Labelled samples that a {@link DataLoader} gathers batches from and a trainer fits on, wherever
 * their features live: a {@link Dataset} holds them in one float array, a {@link MappedDataset}
 * reads them from a memory-mapped file larger than the heap, and a view ({@link #rows},
 * {@link #withLabels}) reads another's. Everything above the data layer reads samples one row at
 * a time through {@link #copyRow}, so the same seed gives the same batches and the same fitted
 * statistics from any of them.
 */
public interface Samples {
    /** What the data is, for messages. */
    String name();

    /** Number of samples. */
    int size();

    /** Features per sample. */
    int dims();

    /** Number of classes; 0 when the labels are regression targets. */
    int classes();

    /** The label each class stands for, ascending (class {@code i} is label {@code labelValues()[i]}). */
    int[] labelValues();

    /** Where the numbers came from, as a checkpoint records it. */
    Dataset.Source source();

    /** Copies sample {@code i}'s {@link #dims()} features into {@code dst} from {@code offset}. */
    void copyRow(int i, float[] dst, int offset);

    /** Sample {@code i}'s class index, as a float (what cross-entropy takes), or its regression target. */
    float label(int i);

    /** Whether the labels are regression targets (classes 0) rather than class indices. */
    default boolean isRegression() {
        return classes() == 0;
    }

    /** Every sample's label, in order (a new array, except a {@link Dataset}'s own, which must not be changed). */
    default float[] labels() {
        float[] y = new float[size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = label(i);
        }
        return y;
    }

    /** How many samples each class has. */
    default int[] classCounts() {
        int[] counts = new int[classes()];
        for (int i = 0, n = size(); i < n; i++) {
            counts[(int) label(i)]++;
        }
        return counts;
    }

    /**
     * The samples {@code indices} (each in [0, size), in that order) of these, named {@code name}: a
     * view that copies no features (the rows of a mapped file stay in the file).
     */
    default Samples rows(int[] indices, String name) {
        return new SampleView(this, name, indices.clone(), null, classes());
    }

    /**
     * These samples with other labels, one per sample: regression targets ({@code classes} 0,
     * finite) or class indices in [0, classes()) of the same classes. A view; no features are copied.
     */
    default Samples withLabels(float[] labels) {
        return new SampleView(this, name(), null, labels.clone(), classes());
    }
}
