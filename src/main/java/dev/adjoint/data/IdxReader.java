package dev.adjoint.data;

import dev.adjoint.io.InputFile;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST: a big-endian header (magic number
 * {@code 00 00 type ndims}, then {@code ndims} 32-bit sizes) followed by exactly the elements it
 * announces. Gzip-compressed files are recognised by their first bytes ({@code 1f 8b}), whatever
 * their name. Only unsigned bytes (type 0x08) are read: {@link #LABELS} (0x801, [n]) and
 * {@link #IMAGES} (0x803, [n, rows, cols]).
 *
 * <p>A file that is truncated, corrupt or holds more than its header says is rejected whole with a
 * {@link DatasetException} naming the file, the byte offset (in the decompressed data for a gzip
 * file) and what was expected there.
 */
public final class IdxReader {
    /** Magic number of label files: unsigned bytes, one dimension. */
    public static final int LABELS = 0x00000801;
    /** Magic number of image files: unsigned bytes, three dimensions. */
    public static final int IMAGES = 0x00000803;

    private IdxReader() {}

    /** The contents of an IDX file of unsigned bytes. */
    public record Idx(Path file, int magic, int[] shape, byte[] data) {
        /** Element {@code i} as an unsigned value 0..255. */
        public int get(int i) {
            return data[i] & 0xFF;
        }
    }

    /** What {@link #images} divides each pixel byte by, in float32. */
    public static final float PIXEL_DIVISOR = 255f;

    /**
     * Images scaled to [0, 1] (pixel / {@value #PIXEL_DIVISOR}), row-major; {@code shapeOut} (length 3, may be null)
     * receives [n, rows, cols].
     */
    public static float[] images(Path file, int[] shapeOut) {
        Idx idx = read(file, IMAGES);
        if (shapeOut != null) {
            System.arraycopy(idx.shape, 0, shapeOut, 0, 3);
        }
        byte[] d = idx.data;
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = (d[i] & 0xFF) / PIXEL_DIVISOR;
        }
        return out;
    }

    /** Labels as floats (0..255 as stored). */
    public static float[] labels(Path file) {
        byte[] d = read(file, LABELS).data;
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] & 0xFF;
        }
        return out;
    }

    /** Reads and checks a whole IDX file whose magic number must be {@code expectedMagic}. */
    public static Idx read(Path file, int expectedMagic) {
        Contents c = load(file);
        byte[] b = c.bytes;
        String where = c.gzip ? " (offsets count decompressed bytes)" : "";
        if (b.length < 4) {
            throw new DatasetException(file, b.length, "the data ends after " + b.length
                    + " bytes; expected a 4-byte IDX magic number" + where);
        }
        int magic = readInt(b, 0);
        if (magic != expectedMagic) {
            throw new DatasetException(file, 0, "magic number " + hex(magic) + ", expected " + hex(expectedMagic)
                    + " (" + describe(expectedMagic) + ")" + (b[0] != 0 || b[1] != 0 ? "; this is not an IDX file" : ""));
        }
        int ndims = magic & 0xFF;
        int headerBytes = 4 + 4 * ndims;
        if (b.length < headerBytes) {
            throw new DatasetException(file, b.length, "the data ends inside the header: " + ndims
                    + " dimension sizes need " + headerBytes + " header bytes, there are " + b.length + where);
        }
        int[] shape = new int[ndims];
        long payload = 1;
        for (int d = 0; d < ndims; d++) {
            shape[d] = readInt(b, 4 + 4 * d);
            if (shape[d] < 0) {
                throw new DatasetException(file, 4 + 4 * d, "dimension " + d + " has size " + Integer.toUnsignedString(shape[d])
                        + ", larger than a Java array can hold");
            }
            payload *= shape[d];
        }
        long expectedLength = headerBytes + payload;
        if (b.length < expectedLength) {
            throw new DatasetException(file, b.length, "the data ends early: shape " + Arrays.toString(shape)
                    + " needs " + payload + " payload bytes from offset " + headerBytes + ", ending at offset "
                    + expectedLength + "; " + (expectedLength - b.length) + " bytes are missing (truncated file)" + where);
        }
        if (b.length > expectedLength) {
            throw new DatasetException(file, expectedLength, (b.length - expectedLength) + " unexpected bytes after the "
                    + payload + "-byte payload of shape " + Arrays.toString(shape) + where);
        }
        return new Idx(file, magic, shape, Arrays.copyOfRange(b, headerBytes, b.length));
    }

    private record Contents(byte[] bytes, boolean gzip) {}

    /** The file's bytes, decompressed if it is gzip. */
    private static Contents load(Path file) {
        try (InputStream raw = new BufferedInputStream(InputFile.newInputStream(file, "IDX file"), 1 << 16)) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            if (!gzip) {
                return new Contents(raw.readAllBytes(), false);
            }
            return new Contents(gunzip(file, raw), true);
        } catch (IOException e) {
            throw new UncheckedIOException("reading IDX file " + file + ": " + e, e);
        }
    }

    private static byte[] gunzip(Path file, InputStream raw) throws IOException {
        CountingStream counted = new CountingStream(raw);
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 20);
        byte[] chunk = new byte[1 << 16];
        try (GZIPInputStream in = new GZIPInputStream(counted, 1 << 16)) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                out.write(chunk, 0, n);
            }
        } catch (IOException e) {
            // EOFException (truncated) or ZipException (corrupt data, bad CRC or length)
            throw new DatasetException(file, counted.count, "the gzip data is truncated or corrupt (failed near this "
                    + "compressed offset, after " + out.size() + " decompressed bytes): " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    /** Counts the compressed bytes consumed, to say where a gzip stream broke. */
    private static final class CountingStream extends FilterInputStream {
        long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static String hex(int v) {
        return String.format("0x%08x", v);
    }

    private static String describe(int magic) {
        return switch (magic) {
            case LABELS -> "labels: unsigned bytes, 1 dimension";
            case IMAGES -> "images: unsigned bytes, 3 dimensions";
            default -> "type 0x" + Integer.toHexString((magic >> 8) & 0xFF) + ", " + (magic & 0xFF) + " dimensions";
        };
    }
}
