package dev.adjoint.data;

import static dev.adjoint.data.NpyFiles.concat;
import static dev.adjoint.data.NpyFiles.data;
import static dev.adjoint.data.NpyFiles.dict;
import static dev.adjoint.data.NpyFiles.header;
import static dev.adjoint.data.NpyFiles.npy;
import static dev.adjoint.data.NpyFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.data.DataLoader.LastBatch;
import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.ChildJvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedDatasetTest {
    @TempDir
    Path dir;

    /** Sample i has features [i, -i, i/8] and label 10 + 5·(i mod 3). */
    private static double[][] indexed(int n) {
        double[] x = new double[3 * n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[3 * i] = i;
            x[3 * i + 1] = -i;
            x[3 * i + 2] = i / 8.0;
            y[i] = 10 + 5 * (i % 3);
        }
        return new double[][] {x, y};
    }

    /** Every batch of {@code epochs} epochs as host arrays, x then y. */
    static List<float[]> batches(DataLoader loader, int epochs) {
        List<float[]> out = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            for (Batch b : loader.epoch()) {
                try (b) {
                    out.add(b.x().toArray());
                    out.add(b.y().toArray());
                }
            }
        }
        return out;
    }

    @Test
    void sameSeedGivesTheSameBatchesAsTheSameDataInMemory() throws IOException {
        int n = 103;
        double[][] d = indexed(n);
        Path x = write(dir.resolve("x.npy"), npy("<f4", new long[] {n, 3}, d[0]));
        Path y = write(dir.resolve("y.npy"), npy("<i8", new long[] {n}, d[1]));
        Split<Dataset> inMemory = Datasets.npy(x, y, x, y);
        Normalization norm = Normalization.of(inMemory.train());
        try (Device cpu = new CpuDevice(1); MappedDataset mapped = MappedDataset.open(x, y)) {
            assertEquals(n, mapped.size());
            assertEquals(3, mapped.dims());
            assertArrayEquals(new int[] {10, 15, 20}, mapped.labelValues());
            for (boolean prefetch : new boolean[] {true, false}) {
                try (DataLoader a = new DataLoader(inMemory.train(), cpu, 10, true, 42, LastBatch.KEEP, norm, prefetch);
                     DataLoader b = new DataLoader(mapped, cpu, 10, true, 42, LastBatch.KEEP, norm, prefetch)) {
                    List<float[]> ba = batches(a, 3);
                    List<float[]> bb = batches(b, 3);
                    assertEquals(ba.size(), bb.size());
                    for (int i = 0; i < ba.size(); i++) {
                        assertArrayEquals(ba.get(i), bb.get(i), "batch array " + i + ", prefetch " + prefetch);
                    }
                }
            }
        }
    }

    @Test
    void onlyLittleEndianFloat32InCOrderIsMapped() throws IOException {
        Path y = write(dir.resolve("y.npy"), npy("<i4", new long[] {2}, 0, 1));
        for (String descr : new String[] {"<f8", ">f4", "<i4"}) {
            Path x = write(dir.resolve("x.npy"), npy(descr, new long[] {2, 1}, 1, 2));
            DatasetException e = assertThrows(DatasetException.class, () -> MappedDataset.open(x, y));
            assertTrue(e.getMessage().contains("a memory-mapped file must be little-endian float32"), e.getMessage());
        }
        Path f = write(dir.resolve("f.npy"), header(1, dict("<f4", true, 2, 2)), data("<f4", 1, 2, 3, 4));
        assertThrows(DatasetException.class, () -> MappedDataset.open(f, y));
    }

    @Test
    void truncatedFileAndLabelCountAreCheckedWhenMapping() throws IOException {
        byte[] b = npy("<f4", new long[] {2, 2}, 1, 2, 3, 4);
        Path x = write(dir.resolve("x.npy"), Arrays.copyOf(b, b.length - 1));
        Path y = write(dir.resolve("y.npy"), npy("<i4", new long[] {2}, 0, 1));
        DatasetException e = assertThrows(DatasetException.class, () -> MappedDataset.open(x, y));
        assertEquals(b.length - 1, e.offset(), e.getMessage());
        Path x2 = write(dir.resolve("x2.npy"), b);
        Path y3 = write(dir.resolve("y3.npy"), npy("<i4", new long[] {3}, 0, 1, 1));
        e = assertThrows(DatasetException.class, () -> MappedDataset.open(x2, y3));
        assertTrue(e.getMessage().contains("3 labels, but x2.npy has 2 samples"), e.getMessage());
    }

    @Test
    void aNaNInAMappedRowFailsTheBatchNamingItsOffset() throws IOException {
        Path x = write(dir.resolve("x.npy"), npy("<f4", new long[] {3, 2}, 1, 2, 3, Double.NaN, 5, 6));
        Path y = write(dir.resolve("y.npy"), npy("<i4", new long[] {3}, 0, 1, 0));
        long start = header(1, dict("<f4", false, 3, 2)).length;
        try (Device cpu = new CpuDevice(1); MappedDataset m = MappedDataset.open(x, y);
             DataLoader loader = new DataLoader(m, cpu, 3, false, 0, LastBatch.KEEP, Normalization.NONE)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, loader::next);
            DatasetException cause = assertInstanceOf(DatasetException.class, e.getCause());
            assertEquals(start + 12, cause.offset(), cause.getMessage());
            assertTrue(cause.getMessage().contains("value 1 of sample 1 is NaN"), cause.getMessage());
        }
    }

    // ------------------------------------------------------------------ bigger than the heap

    static final int BIG_DIMS = 1024;
    static final int BIG_ROWS = 65_536;                 // 256 MiB of float32
    static final int[] KNOWN_ROWS = {0, 1, 4097, 40_000, BIG_ROWS - 1};

    static boolean known(int i) {
        return Arrays.binarySearch(KNOWN_ROWS, i) >= 0;
    }

    /**
     * A 256 MiB float32 file mapped by a child JVM whose heap is 64 MiB: a sparse file (zeros)
     * except for a few known rows whose first and last values are {@code row + 1}; the child
     * serves one shuffled epoch and checks every value and label of every batch.
     */
    @Test
    void aFileBiggerThanTheHeapIsMappedAndServedInShuffledBatches() throws Exception {
        Path x = dir.resolve("big.npy");
        byte[] head = header(1, dict("<f4", false, BIG_ROWS, BIG_DIMS));
        long length = head.length + (long) BIG_ROWS * BIG_DIMS * Float.BYTES;
        assertTrue(Files.getFileStore(dir).getUsableSpace() > 2 * length, "not enough disk for the test file");
        try (RandomAccessFile f = new RandomAccessFile(x.toFile(), "rw")) {
            f.write(head);
            f.setLength(length);
            for (int r : KNOWN_ROWS) {
                ByteBuffer v = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(r + 1f);
                long row = head.length + (long) r * BIG_DIMS * Float.BYTES;
                f.seek(row);
                f.write(v.array());
                f.seek(row + (BIG_DIMS - 1) * Float.BYTES);
                f.write(v.array());
            }
        }
        double[] labels = new double[BIG_ROWS];
        for (int i = 0; i < BIG_ROWS; i++) {
            labels[i] = i % 10;
        }
        Path y = write(dir.resolve("big-labels.npy"), npy("<i8", new long[] {BIG_ROWS}, labels));
        List<String> jvm = new ArrayList<>(ChildJvm.ADJOINT_OPTIONS);
        jvm.add("-Xmx64m");
        ChildJvm.Result r = ChildJvm.start(dir, "", env -> { }, ChildJvm.java(jvm, Child.class.getName(), x.toString(),
                y.toString())).await(60);
        assertFalse(r.timedOut(), "the child timed out: " + r.err());
        assertEquals(0, r.code(), "child: " + r.out() + r.err());
        assertTrue(r.out().contains("served " + BIG_ROWS + " samples"), r.out());
    }

    /** The child JVM: maps the file and checks one shuffled epoch against {@link DataLoader#order}. */
    public static final class Child {
        public static void main(String[] args) {
            Path x = Path.of(args[0]);
            long heap = Runtime.getRuntime().maxMemory();
            long file;
            try {
                file = Files.size(x);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            if (heap >= file) {
                throw new AssertionError("the heap (" + heap + " bytes) is not smaller than the file (" + file + ")");
            }
            int batch = 512;
            int[] order = DataLoader.order(BIG_ROWS, true, 3, 0);
            int served = 0;
            try (Device cpu = new CpuDevice(1); MappedDataset m = MappedDataset.open(x, Path.of(args[1]));
                 DataLoader loader = new DataLoader(m, cpu, batch, true, 3, LastBatch.KEEP, Normalization.NONE)) {
                for (Batch b : loader.epoch()) {
                    try (b) {
                        float[] xs = b.x().toArray();
                        float[] ys = b.y().toArray();
                        for (int r = 0; r < b.size(); r++, served++) {
                            int i = order[served];
                            float v = known(i) ? i + 1 : 0;
                            for (int k = 0; k < BIG_DIMS; k++) {
                                float want = k == 0 || k == BIG_DIMS - 1 ? v : 0;
                                if (xs[r * BIG_DIMS + k] != want) {
                                    throw new AssertionError("sample " + i + " value " + k + ": " + xs[r * BIG_DIMS + k]);
                                }
                            }
                            if (ys[r] != i % 10) {
                                throw new AssertionError("sample " + i + " label " + ys[r]);
                            }
                        }
                    }
                }
            }
            System.out.println("served " + served + " samples from a " + file + "-byte file with a " + heap + "-byte heap");
        }
    }
}
