package dev.adjoint.data;

import static dev.adjoint.data.NpyFiles.concat;
import static dev.adjoint.data.NpyFiles.data;
import static dev.adjoint.data.NpyFiles.dict;
import static dev.adjoint.data.NpyFiles.header;
import static dev.adjoint.data.NpyFiles.npy;
import static dev.adjoint.data.NpyFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyReaderTest {
    @TempDir
    Path dir;

    private static final long[] SHAPE = {2, 3};
    /** Where the data start in the files these tests write (numpy pads headers to 64 bytes). */
    private static final int DATA = header(1, dict("<f4", false, SHAPE)).length;

    @ParameterizedTest
    @ValueSource(strings = {"<f4", "<f8", "|i1", "<i2", "<i4", "<i8", "|u1", "<u2", "<u4", "<u8",
        ">f4", ">f8", ">i2", ">i4", ">i8", ">u2", ">u4", ">u8"})
    void everyTypeAndByteOrderReadsAsFloat32(String descr) throws IOException {
        boolean signed = descr.charAt(1) != 'u';
        double[] v = {0, 1, signed ? -2 : 2, 100, 127, descr.charAt(1) == 'f' ? 0.25 : 3};
        Path f = write(dir.resolve("a.npy"), npy(descr, SHAPE, v));
        NpyReader.Header[] h = new NpyReader.Header[1];
        float[] x = NpyReader.features(f, h);
        assertArrayEquals(new float[] {0, 1, signed ? -2 : 2, 100, 127, descr.charAt(1) == 'f' ? 0.25f : 3}, x, descr);
        assertArrayEquals(SHAPE, h[0].shape());
        assertEquals(descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN, h[0].order());
        NpyReader.Header again = NpyReader.header(f);
        assertEquals(h[0].dtype(), again.dtype());
        assertArrayEquals(h[0].shape(), again.shape());
        assertEquals(h[0].dataOffset(), again.dataOffset());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void versionOneTwoAndThreeHeaders(int major) throws IOException {
        Path f = write(dir.resolve("v.npy"), npy(major, "<f4", new long[] {3}, 1.5, -2, 7));
        NpyReader.Header[] h = new NpyReader.Header[1];
        assertArrayEquals(new float[] {1.5f, -2, 7}, NpyReader.features(f, h));
        assertEquals(0, h[0].dataOffset() % 64, "numpy pads the header to 64 bytes");
    }

    @Test
    void float64IsRoundedToFloat32AndLabelsMayBeWholeFloats() throws IOException {
        Path x = write(dir.resolve("x.npy"), npy("<f8", new long[] {2}, 0.1, 1e-3));
        assertArrayEquals(new float[] {0.1f, 1e-3f}, NpyReader.features(x, null));
        Path y = write(dir.resolve("y.npy"), npy("<f8", new long[] {3}, 0, 2, 16777215));
        assertArrayEquals(new int[] {0, 2, 16777215}, NpyReader.labels(y));
    }

    @Test
    void fortranOrderIsReadWhenOnlyOneDimensionIsLarge() throws IOException {
        Path f = write(dir.resolve("f.npy"), header(1, dict("<i4", true, 3, 1)), data("<i4", 4, 5, 6));
        assertArrayEquals(new float[] {4, 5, 6}, NpyReader.features(f, null));
    }

    @Test
    void headerWithDoubleQuotesAndKeysInAnyOrderIsRead() throws IOException {
        Path f = write(dir.resolve("q.npy"), header(1, "{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \"<u2\"}"),
                data("<u2", 9, 65535));
        assertArrayEquals(new float[] {9, 65535}, NpyReader.features(f, null));
    }

    // ------------------------------------------------------------------ npz and datasets

    private static Map<String, byte[]> arrays(double... extraTestLabel) {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put("x_train", npy("<f4", new long[] {4, 2, 1}, 0, 1, 2, 3, 4, 5, 6, 7));
        m.put("y_train", npy("<i8", new long[] {4}, 3, 7, 3, 7));
        m.put("x_test", npy("|u1", new long[] {2, 2, 1}, 9, 8, 7, 6));
        m.put("y_test", npy("<i8", new long[] {2}, extraTestLabel.length > 0 ? extraTestLabel[0] : 7, 3));
        return m;
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void npzStoredOrDeflatedIsATrainAndTestSplit(boolean deflate) throws IOException {
        Path f = NpyFiles.npz(dir.resolve("d.npz"), deflate, arrays());
        Split<Dataset> s = Datasets.npz(f);
        assertEquals(4, s.train().size());
        assertEquals(2, s.train().dims());
        assertEquals(2, s.train().classes());
        assertArrayEquals(new int[] {3, 7}, s.train().labelValues(), "classes are the distinct training labels");
        assertArrayEquals(new float[] {0, 1, 0, 1}, s.train().labels());
        assertArrayEquals(new float[] {1, 0}, s.test().labels());
        assertArrayEquals(new float[] {9, 8, 7, 6}, s.test().features());
        assertEquals("npz", s.train().source().format());
    }

    @Test
    void fourNpyFilesAreATrainAndTestSplit() throws IOException {
        Map<String, byte[]> a = arrays();
        Path[] p = new Path[4];
        int i = 0;
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            p[i++] = write(dir.resolve(e.getKey() + ".npy"), e.getValue());
        }
        Split<Dataset> s = Datasets.npy(p[0], p[1], p[2], p[3]);
        assertEquals(4, s.train().size());
        assertArrayEquals(new float[] {1, 0}, s.test().labels());
    }

    @Test
    void npzWithoutAnEntryNamesWhatItHas() throws IOException {
        Map<String, byte[]> m = arrays();
        m.remove("y_test");
        Path f = NpyFiles.npz(dir.resolve("m.npz"), true, m);
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.npz(f));
        assertTrue(e.getMessage().contains("no entry y_test.npy") && e.getMessage().contains("x_test"), e.getMessage());
        assertNull(NpyReader.features(f, "nothing", null));
    }

    @Test
    void npzTestLabelOutsideTheTrainingClassesIsRefused() throws IOException {
        Path f = NpyFiles.npz(dir.resolve("c.npz"), false, arrays(5));
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.npz(f));
        assertTrue(e.getMessage().contains("label 5 of sample 0 is not one of the class labels [3, 7]"), e.getMessage());
    }

    @Test
    void npzEntryErrorsNameTheEntryAndItsOffset() throws IOException {
        Map<String, byte[]> m = arrays();
        byte[] x = m.get("x_train");
        m.put("x_train", Arrays.copyOf(x, x.length - 3));
        Path f = NpyFiles.npz(dir.resolve("t.npz"), true, m);
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.npz(f));
        assertTrue(e.getMessage().startsWith(f + ": entry x_train.npy, at byte offset " + (DATA + 29) + " of the entry's"
                + " uncompressed bytes: the data ends early"), e.getMessage());
    }

    @Test
    void aFileThatIsNotAZipIsRefused() throws IOException {
        Path f = write(dir.resolve("z.npz"), "not a zip".getBytes());
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.npz(f));
        assertTrue(e.getMessage().contains("not a readable zip archive"), e.getMessage());
    }

    @Test
    void shapeMismatchesAreRefused() throws IOException {
        Path x = write(dir.resolve("x.npy"), npy("<f4", new long[] {3, 1}, 1, 2, 3));
        Path y = write(dir.resolve("y.npy"), npy("<i4", new long[] {2}, 0, 1));
        Path x2 = write(dir.resolve("x2.npy"), npy("<f4", new long[] {2, 2}, 1, 2, 3, 4));
        Path y3 = write(dir.resolve("y3.npy"), npy("<i4", new long[] {3}, 0, 1, 1));
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.npy(x, y, x, y));
        assertTrue(e.getMessage().startsWith(y + ": 2 labels, but the features " + x + " have 3 samples"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> Datasets.npy(x, y3, x2, y));
        assertTrue(e.getMessage().contains("its samples have shape [2] but those of the training features"), e.getMessage());
        Path y2d = write(dir.resolve("y2d.npy"), npy("<i4", new long[] {3, 1}, 0, 1, 1));
        e = assertThrows(DatasetException.class, () -> NpyReader.labels(y2d));
        assertTrue(e.getMessage().contains("labels must be a 1-D array"), e.getMessage());
    }

    // ------------------------------------------------------------------ bad files

    private DatasetException refusedFeatures(byte[] bytes) throws IOException {
        Path f = write(dir.resolve("bad.npy"), bytes);
        return assertThrows(DatasetException.class, () -> NpyReader.features(f, null));
    }

    private static void assertAt(DatasetException e, long offset, String what) {
        assertEquals(offset, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("bad.npy: at byte offset " + offset + ": ") && e.getMessage().contains(what),
                e.getMessage());
    }

    @Test
    void wrongMagicIsRefusedAtItsOffset() throws IOException {
        byte[] b = npy("<f4", SHAPE, 1, 2, 3, 4, 5, 6);
        b[3] = 'X';
        assertAt(refusedFeatures(b), 3, "not an NPY array");
        assertAt(refusedFeatures(new byte[] {(byte) 0x93, 'N'}), 2, "ends inside the 8-byte magic");
    }

    @Test
    void aKeyGivenTwiceIsRefusedAtItsSecondOccurrence() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'descr': '<f8', 'shape': (2, 3), }";
        byte[] b = concat(header(1, dict), data("<f4", 1, 2, 3, 4, 5, 6));
        assertAt(refusedFeatures(b), 10 + dict.lastIndexOf("'descr'"), "has the key 'descr' twice");
    }

    @Test
    void unknownVersionIsRefused() throws IOException {
        byte[] b = npy("<f4", SHAPE, 1, 2, 3, 4, 5, 6);
        b[6] = 4;
        assertAt(refusedFeatures(b), 6, "NPY format version 4.0");
    }

    @Test
    void truncatedFilesAreRefusedWhereTheyEnd() throws IOException {
        byte[] b = npy("<f4", SHAPE, 1, 2, 3, 4, 5, 6);
        assertAt(refusedFeatures(Arrays.copyOf(b, DATA + 10)), DATA + 10, "the data ends early");
        assertAt(refusedFeatures(Arrays.copyOf(b, 30)), 30, "ends inside the " + (DATA - 10) + "-byte header");
        Path f = write(dir.resolve("bad.npy"), Arrays.copyOf(b, DATA + 10));
        DatasetException e = assertThrows(DatasetException.class, () -> NpyReader.header(f));
        assertAt(e, DATA + 10, "14 bytes are missing");
    }

    @Test
    void bytesAfterTheDataAreRefused() throws IOException {
        assertAt(refusedFeatures(concat(npy("<f4", SHAPE, 1, 2, 3, 4, 5, 6), new byte[] {0})), DATA + 24, "unexpected bytes");
    }

    @Test
    void fortranOrderIsRefused() throws IOException {
        DatasetException e = refusedFeatures(concat(header(1, dict("<f4", true, 2, 3)), data("<f4", 1, 2, 3, 4, 5, 6)));
        assertTrue(e.getMessage().contains("Fortran-order (column-major) array of shape [2, 3] is refused"), e.getMessage());
    }

    @Test
    void unsupportedTypesAreRefusedNamingThem() throws IOException {
        for (String descr : new String[] {"<f2", "|b1", "<c8", "<U3", "|f4", "<i3"}) {
            DatasetException e = refusedFeatures(concat(header(1, dict(descr, false, 1)), new byte[4]));
            assertTrue(e.getMessage().contains("dtype '" + descr + "' is not read"), e.getMessage());
        }
        DatasetException e = refusedFeatures(concat(header(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"),
                new byte[4]));
        assertTrue(e.getMessage().contains("structured dtype"), e.getMessage());
    }

    @Test
    void malformedHeadersAreRefusedAtTheirOffset() throws IOException {
        assertAt(refusedFeatures(concat(header(1, "{'descr': '<f4', 'shape': (1,), }"), new byte[4])), 10,
                "has no 'fortran_order'");
        String bad = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }";
        assertAt(refusedFeatures(concat(header(1, bad), new byte[4])), 10 + bad.indexOf('x'), "expected a size");
        assertAt(refusedFeatures(concat(header(1, "['descr']"), new byte[4])), 10, "expected '{'");
    }

    @Test
    void nonFiniteFeaturesAndFloat64BeyondFloat32AreRefused() throws IOException {
        assertAt(refusedFeatures(npy("<f4", new long[] {3}, 1, Double.NaN, 3)), DATA + 4, "value 1 is NaN");
        assertAt(refusedFeatures(npy("<f8", new long[] {2}, 1, 1e300)), DATA + 8, "beyond float32's range");
        assertAt(refusedFeatures(npy("<i8", new long[] {2}, 16777217L, 0)), DATA, "beyond ±2^24");
    }

    @Test
    void badLabelsAreRefusedAtTheirOffset() throws IOException {
        for (Object[] c : new Object[][] {{"<f4", Double.NaN, "is NaN"}, {"<f8", 1.5, "is 1.5"}, {"<i4", -1.0, "is -1;"},
            {"<i8", 16777216.0, "is 16777216;"}, {"<f4", Double.POSITIVE_INFINITY, "is Infinity"}}) {
            Path f = write(dir.resolve("bad.npy"), npy((String) c[0], new long[] {2}, 0, (Double) c[1]));
            DatasetException e = assertThrows(DatasetException.class, () -> NpyReader.labels(f));
            assertAt(e, DATA + Integer.parseInt(((String) c[0]).substring(2)), "label 1 " + c[2]);
        }
    }

    @Test
    void anEmptyFileIsRefused() throws IOException {
        assertAt(refusedFeatures(new byte[0]), 0, "ends inside the 8-byte magic");
        Files.delete(dir.resolve("bad.npy"));
    }
}
