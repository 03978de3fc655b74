package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Fifo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes with this shape; values are (i * 7) mod 256. */
    static byte[] idx(int magic, int... shape) {
        int n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * shape.length + n);
        b.putInt(magic);
        for (int d : shape) {
            b.putInt(d);
        }
        for (int i = 0; i < n; i++) {
            b.put((byte) (i * 7));
        }
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void readsImagesAndLabelsRawAndGzipped() throws IOException {
        byte[] images = idx(IdxReader.IMAGES, 5, 3, 4);
        byte[] labels = idx(IdxReader.LABELS, 5);
        for (boolean gz : new boolean[] {false, true}) {
            // the name does not decide: gzip is recognised by its magic bytes
            Path img = write("img" + gz, gz ? gzip(images) : images);
            Path lab = write("lab" + gz, gz ? gzip(labels) : labels);
            int[] shape = new int[3];
            float[] x = IdxReader.images(img, shape);
            assertArrayEquals(new int[] {5, 3, 4}, shape);
            assertEquals(60, x.length);
            for (int i = 0; i < 60; i++) {
                assertEquals(((i * 7) & 0xFF) / 255f, x[i], "pixel " + i);
            }
            assertArrayEquals(new float[] {0, 7, 14, 21, 28}, IdxReader.labels(lab));
            IdxReader.Idx raw = IdxReader.read(img, IdxReader.IMAGES);
            assertEquals(((59 * 7) & 0xFF), raw.get(59));
        }
    }

    private static DatasetException rejected(Path f, long offset, String... words) {
        DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.read(f, IdxReader.IMAGES));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(f.toString()), msg);
        assertEquals(offset, e.offset(), msg);
        assertTrue(msg.contains("at byte offset " + offset), msg);
        for (String w : words) {
            assertTrue(msg.contains(w), "expected '" + w + "' in: " + msg);
        }
        return e;
    }

    @Test
    void truncatedFilesAreRejectedWholeWithTheOffset() throws IOException {
        byte[] full = idx(IdxReader.IMAGES, 4, 5, 5);
        for (int cut : new int[] {0, 2, 4, 9, 15, 16, 17, 50, full.length - 1}) {
            Path f = write("cut" + cut, Arrays.copyOf(full, cut));
            rejected(f, cut);
            Path g = write("cut" + cut + ".gz", gzip(Arrays.copyOf(full, cut)));
            DatasetException e = rejected(g, cut, "decompressed");
            assertTrue(e.getMessage().contains("decompressed"), e.getMessage());
        }
        rejected(write("short", Arrays.copyOf(full, full.length - 3)), full.length - 3, "3 bytes are missing",
                "[4, 5, 5]");
        byte[] gz = gzip(full);
        for (int cut : new int[] {5, gz.length / 2, gz.length - 4}) {
            Path f = write("gzcut" + cut, Arrays.copyOf(gz, cut));
            DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.read(f, IdxReader.IMAGES));
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("gzip")
                    && e.offset() >= 0 && e.offset() <= cut, e.getMessage());
        }
    }

    @Test
    void corruptFilesAreRejected() throws IOException {
        byte[] full = idx(IdxReader.IMAGES, 4, 5, 5);
        byte[] trailing = Arrays.copyOf(full, full.length + 2);
        rejected(write("trailing", trailing), full.length, "2 unexpected bytes");
        rejected(write("labels", idx(IdxReader.LABELS, 3)), 0, "0x00000801", "expected 0x00000803");
        byte[] text = "hello, world, not idx".getBytes();
        rejected(write("text", text), 0, "not an IDX file");
        byte[] negative = full.clone();
        negative[4] = (byte) 0x80;
        rejected(write("negative", negative), 4, "dimension 0");
        byte[] gz = gzip(full);
        gz[gz.length - 6] ^= 0x55; // the CRC
        DatasetException e = assertThrows(DatasetException.class, () -> IdxReader.read(write("crc", gz), IdxReader.IMAGES));
        assertTrue(e.getMessage().contains("gzip") && e.getMessage().contains("trailer"), e.getMessage());
    }

    /** IDX files are opened through InputFile: a FIFO is refused, not waited on. */
    @Test
    void aFifoIsRefusedNotWaitedOn() throws Exception {
        Path fifo = Fifo.make(dir.resolve("train-images-idx3-ubyte"));
        Throwable e = Fifo.thrownWithoutBlocking(fifo, () -> IdxReader.read(fifo, IdxReader.IMAGES));
        assertEquals("IDX file " + fifo + " is a FIFO (named pipe), not a regular file: reading it could wait forever "
                + "for a writer", e.getMessage());
    }
}
