package dev.adjoint.data;

import dev.adjoint.io.InputFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Samples whose features stay in a float32 {@code .npy} file, memory-mapped with
 * {@code java.lang.foreign} rather than read onto the heap: the file may be far larger than the
 * heap (and than the 2^31-1 floats of a {@link Dataset}), and the operating system pages rows in
 * as a {@link DataLoader} gathers them. The labels (a separate 1-D {@code .npy}, one per sample)
 * are read into memory and checked at once, like {@link Datasets#npy}'s.
 *
 * <p>The file must be little-endian float32 ({@code '<f4'}) in C order, of shape
 * {@code [samples, ...]} (each sample's features are the rest, row-major), and exactly as long as
 * its header says. The values are not scanned when the file is opened (that would read all of it):
 * each row is checked as it is copied, and a NaN or infinite value is a {@link DatasetException}
 * naming the file and the value's byte offset, which the loader reports as the batch's failure.
 *
 * <p>The mapping is owned by a shared {@link Arena}: close the loaders that read this dataset
 * before closing it; a row read after {@link #close()} throws {@link IllegalStateException}.
 */
public final class MappedDataset implements Samples, AutoCloseable {
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final Path labelFile;
    private final String name;
    private final Arena arena;
    private final MemorySegment data;
    private final long dataOffset;
    private final int size;
    private final int dims;
    private final float[] labels;
    private final int[] labelValues;

    private MappedDataset(Path file, Path labelFile, String name, Arena arena, MemorySegment data, long dataOffset, int size, int dims,
                          float[] labels, int[] labelValues) {
        this.file = file;
        this.labelFile = labelFile;
        this.name = name;
        this.arena = arena;
        this.data = data;
        this.dataOffset = dataOffset;
        this.size = size;
        this.dims = dims;
        this.labels = labels;
        this.labelValues = labelValues;
    }

    /** Maps {@code features} with the labels of {@code labels}; the classes are its distinct labels, ascending. */
    public static MappedDataset open(Path features, Path labels) {
        return open(features, labels, null, null);
    }

    /**
     * Maps {@code features} with the labels of {@code labels}, whose classes are {@code labelValues}
     * (ascending, distinct; null: the distinct labels of the file) that came from {@code classesFrom}.
     */
    public static MappedDataset open(Path features, Path labels, int[] labelValues, String classesFrom) {
        NpyReader.Header h = NpyReader.header(features);
        NpyReader.Where w = new NpyReader.Where(features, null);
        if (h.dtype() != NpyReader.DType.FLOAT32 || h.order() != ByteOrder.LITTLE_ENDIAN) {
            throw w.fail(8, "dtype " + h.dtype() + " " + h.order() + "; a memory-mapped file must be little-endian float32"
                    + " ('<f4'): convert it with numpy, a.astype('<f4'), or read it into memory");
        }
        if (h.fortranOrder() && h.shape().length > 1) {
            throw w.fail(8, "a Fortran-order array cannot be mapped row by row; save it in C order");
        }
        if (h.shape().length == 0 || h.shape()[0] > Integer.MAX_VALUE || h.rowLength() > Integer.MAX_VALUE - 8
                || h.rowLength() == 0) {
            throw w.fail(8, "shape " + Arrays.toString(h.shape()) + ": a mapped dataset needs 1..2^31-1 samples of"
                    + " 1..2^31-9 features");
        }
        int n = (int) h.shape()[0];
        int[] y = NpyReader.labels(labels);
        if (y.length != n) {
            throw new DatasetException(labels, -1, y.length + " labels, but " + features.getFileName() + " has " + n
                    + " samples");
        }
        ClassIndex classes = ClassIndex.of(labels, y, labelValues, classesFrom);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = InputFile.newChannel(features, "NPY file")) {
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            return new MappedDataset(features, labels, features.getFileName().toString(), arena,
                    all.asSlice(h.dataOffset(), h.dataBytes()), h.dataOffset(), n, (int) h.rowLength(),
                    classes.indices(), classes.labelValues());
        } catch (IOException | RuntimeException e) {
            arena.close();
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new UncheckedIOException("mapping NPY file " + features + ": " + e, (IOException) e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int dims() {
        return dims;
    }

    @Override
    public int classes() {
        return labelValues.length;
    }

    @Override
    public int[] labelValues() {
        return labelValues.clone();
    }

    @Override
    public Dataset.Source source() {
        return new Dataset.Source("npy-mapped", List.of(file.toString(), labelFile.toString()), null, 1f);
    }

    @Override
    public void copyRow(int i, float[] dst, int offset) {
        java.util.Objects.checkIndex(i, size);
        long at = (long) i * dims * Float.BYTES;
        MemorySegment.copy(data, FLOAT_LE, at, dst, offset, dims);
        for (int k = 0; k < dims; k++) {
            if (!Float.isFinite(dst[offset + k])) {
                throw new DatasetException(file, dataOffset + at + (long) k * Float.BYTES, "value " + k + " of sample "
                        + i + " is " + dst[offset + k] + "; features must be finite float32 values");
            }
        }
    }

    @Override
    public float label(int i) {
        return labels[i];
    }

    /** Unmaps the file. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "MappedDataset[" + name + ": " + size + " samples, " + dims + " dims, " + classes() + " classes]";
    }
}
