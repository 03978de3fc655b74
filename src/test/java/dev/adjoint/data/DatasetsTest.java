package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir
    Path dir;

    @Test
    void spiralIsDeterministicBalancedAndShapedLikeCs231n() {
        Dataset a = Datasets.spiral(3, 100, 42, "s");
        Dataset b = Datasets.spiral(3, 100, 42, "s");
        Dataset c = Datasets.spiral(3, 100, 43, "s");
        assertArrayEquals(a.features(), b.features());
        assertFalse(Arrays.equals(a.features(), c.features()));
        assertEquals(300, a.size());
        assertEquals(2, a.dims());
        assertEquals(3, a.classes());
        assertArrayEquals(new int[] {100, 100, 100}, a.classCounts());
        for (int i = 0; i < a.size(); i++) {
            int k = i / 100;
            double r = (i % 100) / 99.0;
            float x = a.features()[2 * i];
            float y = a.features()[2 * i + 1];
            assertEquals(r, Math.hypot(x, y), 1e-6, "radius of point " + i);
            assertEquals(k, (int) a.labels()[i]);
            if (r > 0.05) {
                double theta = Math.atan2(x, y);
                double expected = 4 * k + 4 * r;
                double diff = Math.IEEEremainder(theta - expected, 2 * Math.PI);
                assertTrue(Math.abs(diff) < 1.2, "angle of point " + i + " is within 6 sigma of the arm: " + diff);
            }
        }
        Split<Dataset> s = Datasets.spiral(4, 50, 7);
        assertEquals(200, s.train().size());
        assertEquals(200, s.test().size());
        assertFalse(Arrays.equals(s.train().features(), s.test().features()), "train and test use different seeds");
        assertArrayEquals(s.train().features(), Datasets.spiral(4, 50, 7).train().features());
        assertThrows(IllegalArgumentException.class, () -> Datasets.spiral(0, 10, 1, "x"));
    }

    @Test
    void datasetValidatesLengthsAndLabels() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Dataset("toy", new float[5], new float[2], 2, 3, 2));
        assertTrue(e.getMessage().contains("'toy'") && e.getMessage().contains("5 feature values"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Dataset("toy", new float[6], new float[3], 2, 3, 2));
        assertTrue(e.getMessage().contains("3 labels for 2 samples"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Dataset("toy", new float[6], new float[] {0, 2}, 2, 3, 2));
        assertTrue(e.getMessage().contains("label 2.0 of sample 1") && e.getMessage().contains("0..1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Dataset("toy", new float[6], new float[] {0, 0.5f}, 2, 3, 2));
        assertThrows(IllegalArgumentException.class, () -> new Dataset("toy", new float[6], new float[] {0, Float.NaN}, 2, 3, 2));
        Dataset ok = new Dataset("toy", new float[] {1, 2, 3, 4, 5, 6}, new float[] {1, 0}, 2, 3, 2);
        assertArrayEquals(new float[] {4, 5, 6}, ok.row(1));
        assertEquals("Dataset[toy: 2 samples, 3 dims, 2 classes]", ok.toString());
    }

    @Test
    void normalizationIsComputedOverTheWholeSet() {
        Dataset d = new Dataset("n", new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new float[] {0, 1}, 2, 4, 2);
        Normalization n = Normalization.of(d);
        assertEquals(4.5f, n.mean());
        assertEquals((float) Math.sqrt(5.25), n.std(), 1e-6f);
        assertEquals((1 - 4.5f) / n.std(), n.apply(1f));
        assertEquals(1f, Normalization.of(new Dataset("c", new float[] {3, 3}, new float[] {0, 0}, 2, 1, 1)).std());
        assertTrue(Normalization.NONE.isIdentity());
        assertThrows(IllegalArgumentException.class, () -> new Normalization(0, 0));
    }

    @Test
    void fashionMnistFilesAreFoundGzippedOrNot() throws Exception {
        assertFalse(Datasets.fashionMnistAvailable(dir));
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.fashionMnist(dir));
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), IdxReaderTest.gzip(IdxReaderTest.idx(IdxReader.IMAGES, 2, 28, 28)));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), IdxReaderTest.idx(IdxReader.LABELS, 2));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), IdxReaderTest.idx(IdxReader.IMAGES, 2, 28, 28));
        byte[] labels = IdxReaderTest.idx(IdxReader.LABELS, 2);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxReaderTest.gzip(labels));
        assertTrue(Datasets.fashionMnistAvailable(dir));
        Split<Dataset> s = Datasets.fashionMnist(dir);
        assertEquals(2, s.train().size());
        assertEquals(784, s.train().dims());
        assertEquals(10, s.test().classes());
        assertArrayEquals(new float[] {0, 7}, s.test().labels());
        // a label outside 0..9 names the label file and the byte
        labels[9] = 10;
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"), IdxReaderTest.gzip(labels));
        e = assertThrows(DatasetException.class, () -> Datasets.fashionMnist(dir));
        assertTrue(e.getMessage().contains("t10k-labels") && e.offset() == 9, e.getMessage());
    }

    /** An IDX label file of {@code n} labels 0. */
    private static byte[] zeroLabels(int n) {
        return java.nio.ByteBuffer.allocate(8 + n).putInt(IdxReader.LABELS).putInt(n).array();
    }

    private void fashionFiles(Path d, int trainN, int trainSide, int trainLabels, int testN, int testSide) throws Exception {
        Files.createDirectories(d);
        Files.write(d.resolve("train-images-idx3-ubyte"), IdxReaderTest.idx(IdxReader.IMAGES, trainN, trainSide, trainSide));
        Files.write(d.resolve("train-labels-idx1-ubyte"), zeroLabels(trainLabels));
        Files.write(d.resolve("t10k-images-idx3-ubyte"), IdxReaderTest.idx(IdxReader.IMAGES, testN, testSide, testSide));
        Files.write(d.resolve("t10k-labels-idx1-ubyte"), zeroLabels(testN));
    }

    /**
     * Train images of 28×28 and test images of 27×27 reached Split as an IllegalArgumentException
     * (exit 2, as if the command line were wrong); it is the files' fault, so it names both.
     */
    @Test
    void trainAndTestImagesOfDifferentSizesNameBothFiles() throws Exception {
        Path d = dir.resolve("sizes");
        fashionFiles(d, 4, 28, 4, 3, 27);
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.fashionMnist(d));
        assertEquals(d.resolve("t10k-images-idx3-ubyte") + ": at byte offset 8: its images are 27×27 pixels but those of "
                + "the training set " + d.resolve("train-images-idx3-ubyte") + " are 28×28; a model takes one image size",
                e.getMessage());
        Path c = dir.resolve("counts");
        fashionFiles(c, 4, 28, 5, 3, 28);
        e = assertThrows(DatasetException.class, () -> Datasets.fashionMnist(c));
        assertEquals(c.resolve("train-labels-idx1-ubyte") + ": 5 labels, but train-images-idx3-ubyte has 4 images",
                e.getMessage());
    }

    /** An IDX file of 0 images failed later, in Normalization, without naming the file (and exited 2). */
    @Test
    void anIdxFileWithoutImagesIsRefused() throws Exception {
        Path d = dir.resolve("empty");
        fashionFiles(d, 0, 28, 0, 3, 28);
        DatasetException e = assertThrows(DatasetException.class, () -> Datasets.fashionMnist(d));
        assertEquals(d.resolve("train-images-idx3-ubyte") + ": at byte offset 4: has no samples: its header announces 0 images",
                e.getMessage());
        Path z = dir.resolve("zero");
        fashionFiles(z, 2, 0, 2, 2, 0);
        e = assertThrows(DatasetException.class, () -> Datasets.fashionMnist(z));
        assertTrue(e.getMessage().endsWith("at byte offset 8: its images are 0×0 pixels: an image needs at least one"),
                e.getMessage());
    }

    @Test
    void classesStandForLabelValues() {
        Dataset d = new Dataset("toy", new float[4], new float[] {1, 0}, 2, 2, 2);
        assertArrayEquals(new int[] {0, 1}, d.labelValues(), "by default class i is label i");
        Dataset v = new Dataset("toy", new float[4], new float[] {1, 0}, 2, 2, 2, new int[] {3, 8});
        assertArrayEquals(new int[] {3, 8}, v.labelValues());
        assertThrows(IllegalArgumentException.class, () -> new Dataset("toy", new float[4], new float[2], 2, 2, 2, new int[] {3}));
        assertThrows(IllegalArgumentException.class, () -> new Dataset("toy", new float[4], new float[2], 2, 2, 2, new int[] {8, 3}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Split(d, v));
        assertTrue(e.getMessage().contains("[0, 1]") && e.getMessage().contains("[3, 8]"), e.getMessage());
        assertArrayEquals(new int[] {0, 1, 2}, Datasets.spiral(3, 5, 1).test().labelValues());
    }

    @Test
    void realFashionMnistLoadsWhenInstalled() {
        Path d = Datasets.DEFAULT_FASHION_MNIST;
        Assumptions.assumeTrue(Datasets.fashionMnistAvailable(d),
                () -> "Fashion-MNIST is not installed: " + d + " lacks the four IDX files (apt install dataset-fashion-mnist)");
        Split<Dataset> s = Datasets.fashionMnist(d);
        assertEquals(60_000, s.train().size());
        assertEquals(10_000, s.test().size());
        assertEquals(784, s.train().dims());
        assertArrayEquals(new int[] {6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000}, s.train().classCounts());
        assertArrayEquals(new int[] {1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000}, s.test().classCounts());
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : s.test().features()) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(0f, min);
        assertEquals(1f, max);
        Normalization n = Normalization.of(s.train());
        assertEquals(0.286, n.mean(), 0.01, "the well-known Fashion-MNIST pixel mean");
        assertEquals(0.353, n.std(), 0.01, "the well-known Fashion-MNIST pixel std");
    }
}
