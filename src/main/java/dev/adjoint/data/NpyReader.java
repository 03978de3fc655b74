package dev.adjoint.data;

import dev.adjoint.io.InputFile;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads numpy's {@code .npy} arrays (format versions 1.0, 2.0 and 3.0) and {@code .npz} archives
 * of them (a zip of {@code NAME.npy} entries, stored or deflated, as {@code numpy.savez} and
 * {@code savez_compressed} write them).
 *
 * <p><b>Types.</b> float32 ({@code f4}), float64 ({@code f8}), int8/16/32/64 ({@code i1..i8}) and
 * uint8/16/32/64 ({@code u1..u8}), little- or big-endian (big-endian values are converted on
 * reading). Anything else (float16, bool, complex, strings, objects, structured records) is refused.
 * Fortran-order arrays are refused unless at most one dimension is larger than 1 (then both
 * orders lay the values out the same way).
 *
 * <p><b>Features</b> become float32: float64 values are rounded to the nearest float32; a value
 * that is NaN or infinite, a float64 beyond float32's range and an integer beyond ±2^24 (not
 * exactly a float32) are refused. <b>Labels</b> are a 1-D array of integers 0..16777215 (a
 * float array's values must be whole numbers).
 *
 * <p>Every problem rejects the array whole with a {@link DatasetException} naming the file (and
 * the {@code .npz} entry) and the byte offset where reading went wrong: a bad magic number or
 * header, a truncated file, bytes after the data, a bad value.
 */
public final class NpyReader {
    /** Labels and integer features must be exactly representable as floats. */
    static final long MAX_EXACT = 1 << 24;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private NpyReader() {}

    /** The element types read. */
    public enum DType {
        FLOAT32('f', 4), FLOAT64('f', 8), INT8('i', 1), INT16('i', 2), INT32('i', 4), INT64('i', 8),
        UINT8('u', 1), UINT16('u', 2), UINT32('u', 4), UINT64('u', 8);

        final char kind;
        final int size;

        DType(char kind, int size) {
            this.kind = kind;
            this.size = size;
        }

        static DType of(char kind, int size) {
            for (DType t : values()) {
                if (t.kind == kind && t.size == size) {
                    return t;
                }
            }
            return null;
        }

        /** Element {@code b.position()..} as a double (int64 and uint64 beyond 2^53 rounded; callers refuse them anyway). */
        double read(ByteBuffer b) {
            return switch (this) {
                case FLOAT32 -> b.getFloat();
                case FLOAT64 -> b.getDouble();
                case INT8 -> b.get();
                case INT16 -> b.getShort();
                case INT32 -> b.getInt();
                case INT64 -> b.getLong();
                case UINT8 -> b.get() & 0xFF;
                case UINT16 -> b.getShort() & 0xFFFF;
                case UINT32 -> b.getInt() & 0xFFFFFFFFL;
                case UINT64 -> {
                    long v = b.getLong();
                    yield v >= 0 ? v : 0x1p64 + v;
                }
            };
        }
    }

    /**
     * An array's header: its element type and byte order, whether it is in Fortran order, its
     * shape, and the byte offset where its data start.
     */
    public record Header(DType dtype, ByteOrder order, boolean fortranOrder, long[] shape, long dataOffset) {
        /** Number of elements. */
        public long count() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        /** Bytes of data after the header. */
        public long dataBytes() {
            return Math.multiplyExact(count(), dtype.size);
        }

        /** Values per sample: the product of every dimension after the first (1 for a 1-D array). */
        public long rowLength() {
            long n = 1;
            for (int d = 1; d < shape.length; d++) {
                n = Math.multiplyExact(n, shape[d]);
            }
            return n;
        }
    }

    /** Where an array is read from, for messages: a file, or an entry of an {@code .npz} file. */
    record Where(Path file, String entry) {
        DatasetException fail(long offset, String what) {
            return fail(offset, what, null);
        }

        DatasetException fail(long offset, String what, Throwable cause) {
            if (entry == null) {
                return new DatasetException(file, offset, what, cause);
            }
            return new DatasetException(file, -1, "entry " + entry + (offset >= 0 ? ", at byte offset " + offset
                    + " of the entry's uncompressed bytes" : "") + ": " + what, cause);
        }
    }

    // ------------------------------------------------------------------ public API

    /** The header of {@code file}, checked against the file's length (data missing or left over are refused). */
    public static Header header(Path file) {
        Where w = new Where(file, null);
        try (InputStream in = new BufferedInputStream(InputFile.newInputStream(file, "NPY file"), 1 << 16)) {
            Header h = header(w, in);
            long length = java.nio.file.Files.size(file);
            checkLength(w, h, length);
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException("reading NPY file " + file + ": " + e, e);
        }
    }

    /** The array in {@code file} as float32 features (see the class comment); {@code headerOut[0]} receives the header. */
    public static float[] features(Path file, Header[] headerOut) {
        return readFile(file, headerOut, false);
    }

    /** The 1-D array in {@code file} as labels 0..16777215. */
    public static int[] labels(Path file) {
        return toInts(readFile(file, null, true));
    }

    /** Entry {@code name}.npy of {@code npz} as float32 features; null when the archive has no such entry. */
    public static float[] features(Path npz, String name, Header[] headerOut) {
        return readEntry(npz, name, headerOut, false);
    }

    /** Entry {@code name}.npy of {@code npz} as labels; null when the archive has no such entry. */
    public static int[] labels(Path npz, String name) {
        float[] v = readEntry(npz, name, null, true);
        return v == null ? null : toInts(v);
    }

    // ------------------------------------------------------------------ files and entries

    private static float[] readFile(Path file, Header[] headerOut, boolean labels) {
        Where w = new Where(file, null);
        try (InputStream in = new BufferedInputStream(InputFile.newInputStream(file, "NPY file"), 1 << 16)) {
            return read(w, in, headerOut, labels);
        } catch (IOException e) {
            throw new UncheckedIOException("reading NPY file " + file + ": " + e, e);
        }
    }

    private static float[] readEntry(Path npz, String name, Header[] headerOut, boolean labels) {
        InputFile.check(npz, "NPZ file");
        ZipFile zip;
        try {
            zip = new ZipFile(npz.toFile());
        } catch (IOException e) {
            throw new DatasetException(npz, -1, "not a readable zip archive (an .npz file is one): " + e.getMessage(), e);
        }
        try (zip) {
            ZipEntry entry = zip.getEntry(name + ".npy");
            if (entry == null) {
                return null;
            }
            Where w = new Where(npz, entry.getName());
            try (InputStream in = new BufferedInputStream(zip.getInputStream(entry), 1 << 16)) {
                return read(w, in, headerOut, labels);
            } catch (IOException e) {
                throw w.fail(-1, "the compressed data is corrupt or truncated: " + e.getMessage(), e);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading NPZ file " + npz + ": " + e, e);
        }
    }

    /** The entry names (without {@code .npy}) of an {@code .npz} file, for messages. */
    public static java.util.List<String> entries(Path npz) {
        InputFile.check(npz, "NPZ file");
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            return zip.stream().map(ZipEntry::getName).map(n -> n.endsWith(".npy") ? n.substring(0, n.length() - 4) : n)
                    .toList();
        } catch (IOException e) {
            throw new DatasetException(npz, -1, "not a readable zip archive (an .npz file is one): " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ header

    /** Reads and checks the magic number, version and header dictionary; {@code in} is left at the data. */
    static Header header(Where w, InputStream in) throws IOException {
        byte[] start = in.readNBytes(8);
        for (int i = 0; i < Math.min(start.length, MAGIC.length); i++) {
            if (start[i] != MAGIC[i]) {
                throw w.fail(i, "not an NPY array: it must start with the magic bytes \\x93NUMPY");
            }
        }
        if (start.length < 8) {
            throw w.fail(start.length, "the data ends inside the 8-byte magic number and version (truncated file)");
        }
        int major = start[6] & 0xFF;
        int minor = start[7] & 0xFF;
        if (major < 1 || major > 3 || minor != 0) {
            throw w.fail(6, "NPY format version " + major + "." + minor + "; versions 1.0, 2.0 and 3.0 are read");
        }
        int lenBytes = major == 1 ? 2 : 4;
        byte[] len = in.readNBytes(lenBytes);
        if (len.length < lenBytes) {
            throw w.fail(8 + len.length, "the data ends inside the header length (truncated file)");
        }
        long headerLen = major == 1 ? (len[0] & 0xFF) | (len[1] & 0xFF) << 8
                : ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        long textStart = 8 + lenBytes;
        if (headerLen > 1 << 20) {
            throw w.fail(8, "a header of " + headerLen + " bytes; an NPY header is a short dictionary (refused above 1 MiB)");
        }
        byte[] text = in.readNBytes((int) headerLen);
        if (text.length < headerLen) {
            throw w.fail(textStart + text.length, "the data ends inside the " + headerLen
                    + "-byte header (truncated file)");
        }
        String dict = new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        return NpyHeader.parse(w, dict, textStart, textStart + headerLen);
    }

    static void checkLength(Where w, Header h, long length) {
        long end = h.dataOffset() + h.dataBytes();
        if (length < end) {
            throw w.fail(length, "the data ends early: shape " + Arrays.toString(h.shape()) + " of " + h.dtype()
                    + " needs " + h.dataBytes() + " bytes from offset " + h.dataOffset() + ", ending at offset " + end
                    + "; " + (end - length) + " bytes are missing (truncated file)");
        }
        if (length > end) {
            throw w.fail(end, (length - end) + " unexpected bytes after the data of shape " + Arrays.toString(h.shape()));
        }
    }

    // ------------------------------------------------------------------ data

    /** Reads the header and every value, checking each; labels must be a 1-D array of whole numbers 0..2^24. */
    private static float[] read(Where w, InputStream in, Header[] headerOut, boolean labels) throws IOException {
        Header h = header(w, in);
        if (headerOut != null) {
            headerOut[0] = h;
        }
        if (labels && h.shape().length != 1) {
            throw w.fail(h.dataOffset(), "labels must be a 1-D array, one per sample; this one has shape "
                    + Arrays.toString(h.shape()));
        }
        if (!labels && h.shape().length == 0) {
            throw w.fail(h.dataOffset(), "features must be an array of samples; this one is a single value (shape ())");
        }
        long count = h.count();
        if (count > Integer.MAX_VALUE - 8) {
            throw w.fail(h.dataOffset(), "shape " + Arrays.toString(h.shape()) + " holds " + count + " values, more than"
                    + " a Java array can; memory-map a float32 file instead (train --data DIR --mmap; MappedDataset)");
        }
        float[] out = new float[(int) count];
        int size = h.dtype().size;
        byte[] chunk = new byte[size * 8192];
        ByteBuffer b = ByteBuffer.wrap(chunk).order(h.order());
        long offset = h.dataOffset();
        int done = 0;
        while (done < count) {
            int want = (int) Math.min(count - done, 8192) * size;
            int got = in.readNBytes(chunk, 0, want);
            if (got < want) {
                long end = h.dataOffset() + h.dataBytes();
                throw w.fail(offset + got, "the data ends early: shape " + Arrays.toString(h.shape()) + " of "
                        + h.dtype() + " needs " + h.dataBytes() + " bytes from offset " + h.dataOffset()
                        + ", ending at offset " + end + " (truncated file)");
            }
            b.clear();
            for (int k = 0; k < want / size; k++, done++) {
                double v = h.dtype().read(b);
                out[done] = labels ? label(w, h, done, v) : feature(w, h, done, v);
            }
            offset += want;
        }
        if (in.read() >= 0) {
            throw w.fail(offset, "unexpected bytes after the data of shape " + Arrays.toString(h.shape()));
        }
        return out;
    }

    private static float feature(Where w, Header h, int i, double v) {
        if (h.dtype().kind == 'f') {
            float f = (float) v;
            if (!Float.isFinite(f)) {
                throw w.fail(h.dataOffset() + (long) i * h.dtype().size, "value " + i + " is " + v
                        + (Double.isFinite(v) ? ", beyond float32's range" : "") + "; features must be finite float32 values");
            }
            return f;
        }
        if (Math.abs(v) > MAX_EXACT) {
            throw w.fail(h.dataOffset() + (long) i * h.dtype().size, "value " + i + " is " + (long) v
                    + ", beyond ±2^24: not exactly a float32, which features become");
        }
        return (float) v;
    }

    private static float label(Where w, Header h, int i, double v) {
        if (!(v >= 0 && v < MAX_EXACT) || v != Math.rint(v)) {
            throw w.fail(h.dataOffset() + (long) i * h.dtype().size, "label " + i + " is " + (h.dtype().kind == 'f' ? v
                    : Long.toString((long) v)) + "; labels must be whole numbers 0.." + (MAX_EXACT - 1));
        }
        return (float) v;
    }

    private static int[] toInts(float[] v) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (int) v[i];
        }
        return out;
    }
}
