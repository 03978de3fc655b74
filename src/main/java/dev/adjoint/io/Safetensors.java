package dev.adjoint.io;

import dev.adjoint.device.Device;
import dev.adjoint.device.DType;
import dev.adjoint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * The safetensors format (as written by Hugging Face's {@code safetensors}), with tensors of dtype
 * F32, BF16 or F16 ({@link DType}):
 *
 * <pre>
 * [8 bytes]  N, the header length, unsigned little-endian
 * [N bytes]  UTF-8 JSON object, padded with spaces so that 8 + N is a multiple of 8:
 *            {"__metadata__": {"key": "value", ...},
 *             "name": {"dtype": "F32", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}
 * [rest]     the tensors' bytes, little-endian, row-major, {@link DType#bytes} per element; offsets
 *            are relative to the start of this section and the tensors tile it exactly, with no gaps
 *            or overlaps
 * </pre>
 *
 * <p>Adjoint computes in float32: {@link #read} widens BF16 and F16 values to float32 exactly and
 * says which dtype was stored ({@link Loaded#stored}); other dtypes (F64, integers, ...) are refused.
 * {@link #write} stores F32 unless given another dtype, rounding to nearest, ties to even (as
 * PyTorch's {@code .to(torch.bfloat16)} and {@code .half()} do). A finite value that would round
 * to an infinity (from 65520 up in F16, from 3.3961775e38 in BF16) is refused, naming the
 * tensor, the element and the value, rather than written as a wrong number; NaN and ±infinity are
 * written as NaN and ±infinity, and values too small for the dtype round to zero as any rounding does.
 *
 * <p>{@link #write} replaces the file atomically (temporary file, fsync, rename): a crash never
 * leaves a half-written file in its place. {@link #read} checks everything before it returns
 * anything and rejects a bad file whole with a {@link FileFormatException} naming the file and the
 * byte offset. I/O failures are {@link UncheckedIOException}s naming the file.
 */
public final class Safetensors {
    /** The reference implementation refuses headers larger than this; so do we. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final String METADATA = "__metadata__";
    private static final int CHUNK_VALUES = 1 << 18;

    private Safetensors() {}

    /**
     * One tensor read from a file: its shape, its values in row-major order (widened exactly to
     * float32 from the dtype the file stored) and that dtype.
     */
    public record Loaded(int[] shape, float[] data, DType stored) {
        /** A new tensor on {@code device} with these values. */
        public Tensor toTensor(Device device) {
            return Tensor.of(device, data, shape);
        }
    }

    private record Spec(String name, DType dtype, int[] shape, long begin, long end) {}

    private record Header(long length, List<Spec> specs, Map<String, String> metadata) {}

    // ------------------------------------------------------------------ writing

    /**
     * Writes {@code tensors} (in the map's order, or sorted by name for a map without an order of
     * its own) and {@code metadata} to {@code file}, atomically, as F32.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        write(file, tensors, metadata, DType.F32);
    }

    /**
     * Writes {@code tensors} as {@link #write(Path, Map, Map)} does, every one stored as
     * {@code dtype}, rounded to nearest even. An IllegalArgumentException names the tensor, the
     * element and the value when a finite value would become an infinity; the file is then left as
     * it was.
     */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata, DType dtype) {
        if (dtype == null) {
            throw new IllegalArgumentException("Safetensors.write " + file + ": dtype must not be null (one of "
                    + DType.safetensorsNames() + ")");
        }
        List<Map.Entry<String, Tensor>> entries = new ArrayList<>(tensors.entrySet());
        if (!(tensors instanceof LinkedHashMap<?, ?> || tensors instanceof SortedMap<?, ?>)) {
            entries.sort(Map.Entry.comparingByKey());
        }
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            Map<String, Object> meta = new LinkedHashMap<>();
            metadata.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException("Safetensors.write " + file + ": metadata keys and values must not be null");
                }
                meta.put(k, v);
            });
            header.put(METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : entries) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name == null || name.isEmpty() || name.equals(METADATA)) {
                throw new IllegalArgumentException("Safetensors.write " + file + ": invalid tensor name '" + name + "'");
            }
            if (t == null || t.isClosed()) {
                throw new IllegalArgumentException("Safetensors.write " + file + ": tensor '" + name + "' is "
                        + (t == null ? "null" : "closed"));
            }
            if (t.numel() > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("Safetensors.write " + file + ": tensor '" + name + "' has "
                        + t.numel() + " elements, more than one Java array can hold");
            }
            long bytes = dtype.bytes() * t.numel();
            Map<String, Object> spec = new LinkedHashMap<>();
            spec.put("dtype", dtype.safetensorsName());
            spec.put("shape", t.shape());
            spec.put("data_offsets", new long[] {offset, offset + bytes});
            header.put(name, spec);
            offset += bytes;
        }
        byte[] json = Json.writeCompact(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try {
            AtomicFile.write(file, ch -> {
                writeFully(ch, head);
                ByteBuffer buf = ByteBuffer.allocateDirect(dtype.bytes() * CHUNK_VALUES).order(ByteOrder.LITTLE_ENDIAN);
                for (Map.Entry<String, Tensor> e : entries) {
                    writeValues(ch, buf, dtype, e.getValue().toArray(), file, e.getKey());
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Safetensors.write " + file + ": " + e, e);
        }
    }

    private static void writeValues(FileChannel ch, ByteBuffer buf, DType dtype, float[] data, Path file, String name)
            throws IOException {
        for (int at = 0; at < data.length; at += CHUNK_VALUES) {
            int n = Math.min(CHUNK_VALUES, data.length - at);
            for (int i = at; i < at + n; i++) {
                if (dtype.overflows(data[i])) {
                    throw new IllegalArgumentException("Safetensors.write " + file + ": tensor " + Excerpt.quoted(name)
                            + " holds " + data[i] + " at flat index " + i + ", beyond " + dtype + "'s range (largest finite "
                            + dtype.maxFinite() + "): it would be stored as infinity; scale it, or write it as F32");
                }
            }
            buf.clear();
            dtype.encode(data, at, n, buf);
            buf.flip();
            writeFully(ch, buf);
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ------------------------------------------------------------------ reading

    /** Every tensor of the file, in the order of their data; the file is checked whole first. */
    public static Map<String, Loaded> read(Path file) {
        try (FileChannel ch = InputFile.newChannel(file, "safetensors file")) {
            Header h = header(file, ch);
            long dataStart = 8 + h.length;
            Map<String, Loaded> out = new LinkedHashMap<>();
            for (Spec s : h.specs) {
                int n = (int) ((s.end - s.begin) / s.dtype.bytes());
                ByteBuffer buf = ByteBuffer.allocate(s.dtype.bytes() * n).order(ByteOrder.LITTLE_ENDIAN);
                readFully(file, ch, buf, dataStart + s.begin);
                float[] data = new float[n];
                buf.flip();
                s.dtype.decode(buf, data, 0, n);
                out.put(s.name, new Loaded(s.shape, data, s.dtype));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Safetensors.read " + file + ": " + e, e);
        }
    }

    /** The {@code __metadata__} of a file (empty when it has none); the header is checked whole. */
    public static Map<String, String> metadata(Path file) {
        try (FileChannel ch = InputFile.newChannel(file, "safetensors file")) {
            return header(file, ch).metadata;
        } catch (IOException e) {
            throw new UncheckedIOException("Safetensors.metadata " + file + ": " + e, e);
        }
    }

    private static Header header(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new FileFormatException(file, 0, "the file is " + size
                    + " bytes, too short for the 8-byte header length of a safetensors file");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(file, ch, lenBuf, 0);
        long n = lenBuf.flip().getLong();
        if (n < 2 || n > MAX_HEADER_BYTES || n > size - 8) {
            throw new FileFormatException(file, 0, "header length " + Long.toUnsignedString(n) + " is impossible: "
                    + "expected 2.." + Math.min(MAX_HEADER_BYTES, size - 8) + " (the file is " + size
                    + " bytes; truncated, or not a safetensors file)");
        }
        ByteBuffer raw = ByteBuffer.allocate((int) n);
        readFully(file, ch, raw, 8);
        raw.flip();
        if (raw.get(0) != '{') {
            throw new FileFormatException(file, 8, "the header does not start with '{' (not a safetensors file?)");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(raw).toString();
        } catch (CharacterCodingException e) {
            throw new FileFormatException(file, 8, "the header is not valid UTF-8", e);
        }
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (Json.ParseException e) {
            throw new FileFormatException(file, 8 + utf8Length(text, e.offset()),
                    "the header is not valid JSON: " + e.getMessage(), e);
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Spec> specs = new ArrayList<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            long at = 8 + keyOffset(text, e.getKey());
            if (e.getKey().equals(METADATA)) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new FileFormatException(file, at, "__metadata__ must be an object of strings");
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    if (!(me.getValue() instanceof String v)) {
                        throw new FileFormatException(file, at, "__metadata__ value of " + Excerpt.quoted(String.valueOf(me.getKey()))
                                + " must be a string, found " + Excerpt.of(Json.writeCompact(me.getValue())));
                    }
                    metadata.put((String) me.getKey(), v);
                }
                continue;
            }
            specs.add(spec(file, at, e.getKey(), e.getValue()));
        }
        checkLayout(file, 8 + n, size - 8 - n, specs);
        return new Header(n, List.copyOf(specs), metadata);
    }

    private static Spec spec(Path file, long at, String name, Object value) {
        if (!(value instanceof Map<?, ?> m)) {
            throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": expected an object with dtype, shape and data_offsets");
        }
        for (Object k : m.keySet()) {
            if (!k.equals("dtype") && !k.equals("shape") && !k.equals("data_offsets")) {
                throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": unknown field " + Excerpt.quoted(String.valueOf(k)));
            }
        }
        DType dtype;
        try {
            dtype = DType.ofSafetensors(m.get("dtype") instanceof String s ? s : null);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": dtype " + Excerpt.of(Json.writeCompact(m.get("dtype")))
                    + " is not supported; Adjoint reads " + String.join(", ", DType.safetensorsNames()), e);
        }
        if (!(m.get("shape") instanceof List<?> dims)) {
            throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": shape must be an array of sizes");
        }
        int[] shape = new int[dims.size()];
        long numel = 1;
        for (int d = 0; d < shape.length; d++) {
            if (!(dims.get(d) instanceof Long v) || v < 0 || v > Integer.MAX_VALUE) {
                throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": shape " + Excerpt.of(Json.writeCompact(dims))
                        + " must hold sizes 0.." + Integer.MAX_VALUE);
            }
            shape[d] = (int) (long) v;
            numel *= v;
            if (numel > Integer.MAX_VALUE) {
                throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": shape " + Excerpt.of(Json.writeCompact(dims))
                        + " has more elements than one Java array can hold");
            }
        }
        if (!(m.get("data_offsets") instanceof List<?> offs) || offs.size() != 2
                || !(offs.get(0) instanceof Long begin) || !(offs.get(1) instanceof Long end) || begin < 0 || end < begin) {
            throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": data_offsets " + Excerpt.of(Json.writeCompact(m.get("data_offsets")))
                    + " must be [begin, end] with 0 <= begin <= end");
        }
        if (end - begin != dtype.bytes() * numel) {
            throw new FileFormatException(file, at, "tensor " + Excerpt.quoted(name) + ": shape " + Excerpt.of(Json.writeCompact(dims)) + " needs "
                    + dtype.bytes() * numel + " bytes of " + dtype + " (" + dtype.bytes() + " per value) but data_offsets ["
                    + begin + ", " + end + "] hold " + (end - begin));
        }
        return new Spec(name, dtype, shape, begin, end);
    }

    /** The tensors must tile the data section exactly, in some order. */
    private static void checkLayout(Path file, long dataStart, long dataBytes, List<Spec> specs) {
        specs.sort(Comparator.comparingLong(Spec::begin).thenComparingLong(Spec::end));
        long expected = 0;
        String previous = null;
        for (Spec s : specs) {
            if (s.begin < expected) {
                throw new FileFormatException(file, dataStart + s.begin, "tensor " + Excerpt.quoted(s.name) + " (data_offsets ["
                        + s.begin + ", " + s.end + "]) overlaps tensor " + Excerpt.quoted(previous) + ", which ends at " + expected);
            }
            if (s.begin > expected) {
                throw new FileFormatException(file, dataStart + expected, "gap of " + (s.begin - expected)
                        + " bytes before tensor " + Excerpt.quoted(s.name) + ": data_offsets must tile the data section");
            }
            if (s.end > dataBytes) {
                throw new FileFormatException(file, dataStart + dataBytes, "the file ends inside tensor " + Excerpt.quoted(s.name)
                        + ": its data runs to byte offset " + (dataStart + s.end) + " but the file has only "
                        + (dataStart + dataBytes) + " bytes (truncated)");
            }
            expected = s.end;
            previous = s.name;
        }
        if (expected != dataBytes) {
            throw new FileFormatException(file, dataStart + expected, (dataBytes - expected)
                    + " bytes after the last tensor's data: the header accounts for " + expected + " bytes of data, the file holds "
                    + dataBytes);
        }
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long at = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, at);
            if (n < 0) {
                throw new FileFormatException(file, at, "unexpected end of file: " + buf.remaining() + " more bytes expected");
            }
            at += n;
        }
    }

    private static long utf8Length(String text, int chars) {
        int end = Math.max(0, Math.min(chars, text.length()));
        return StandardCharsets.UTF_8.encode(CharBuffer.wrap(text, 0, end)).remaining();
    }

    /** Byte offset of a key's first appearance in the header text (0 if it was escaped). */
    private static long keyOffset(String text, String key) {
        StringBuilder sb = new StringBuilder();
        Json.quote(sb, key);
        int i = text.indexOf(sb.toString());
        return i < 0 ? 0 : utf8Length(text, i);
    }
}
