package dev.adjoint.data;

/**
 * Labelled samples that a {@link DataLoader} gathers batches from, wherever their features live:
 * a {@link Dataset} holds them in one float array, a {@link MappedDataset} reads them from a
 * memory-mapped file larger than the heap. The loader only copies rows and reads labels, so the
 * same seed gives the same batches from either.
 */
public interface Samples {
    /** What the data is, for messages. */
    String name();

    /** Number of samples. */
    int size();

    /** Features per sample. */
    int dims();

    /** Number of classes. */
    int classes();

    /** The label each class stands for, ascending (class {@code i} is label {@code labelValues()[i]}). */
    int[] labelValues();

    /** Copies sample {@code i}'s {@link #dims()} features into {@code dst} from {@code offset}. */
    void copyRow(int i, float[] dst, int offset);

    /** Sample {@code i}'s class index, as a float (what cross-entropy takes). */
    float label(int i);
}
