package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.tensor.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    private static final Device CPU = new CpuDevice(1);

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        CPU.close();
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("layer.0.weight", Tensor.of(CPU, random(3 * 5, 1), 3, 5));
        m.put("layer.0.bias", Tensor.of(CPU, random(5, 2), 5));
        m.put("scalar", Tensor.of(CPU, new float[] {Float.MIN_VALUE}));
        m.put("empty", Tensor.zeros(CPU, 0, 3));
        m.put("nan and inf", Tensor.of(CPU, new float[] {Float.NaN, Float.POSITIVE_INFINITY, -0f, -1e-40f}, 2, 2));
        return m;
    }

    // ------------------------------------------------------------------ an independent reader

    /** What a reader that knows only the format, not Adjoint's code, finds in a file. */
    record Independent(Map<String, int[]> shapes, Map<String, float[]> data, String metadata) {}

    /** Reads a safetensors file with plain byte parsing and regular expressions (no Json, no Safetensors). */
    static Independent independentRead(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = bb.getLong(0);
        assertEquals(0, (8 + n) % 8, "8 + header length is a multiple of 8");
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{"), header);
        assertTrue(header.stripTrailing().endsWith("}"), "padding is spaces only: " + header);
        Pattern entry = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"\\s*:\\s*\\{\\s*\"dtype\"\\s*:\\s*\"(\\w+)\"\\s*,"
                + "\\s*\"shape\"\\s*:\\s*\\[([\\d,\\s]*)\\]\\s*,\\s*\"data_offsets\"\\s*:\\s*\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*\\]\\s*\\}");
        Matcher m = entry.matcher(header);
        Map<String, int[]> shapes = new LinkedHashMap<>();
        Map<String, float[]> data = new LinkedHashMap<>();
        long dataStart = 8 + n;
        while (m.find()) {
            assertEquals("F32", m.group(2));
            int[] shape = m.group(3).isBlank() ? new int[0]
                    : Arrays.stream(m.group(3).split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
            long begin = Long.parseLong(m.group(4));
            long end = Long.parseLong(m.group(5));
            float[] values = new float[(int) ((end - begin) / 4)];
            for (int i = 0; i < values.length; i++) {
                values[i] = bb.getFloat((int) (dataStart + begin + 4L * i));
            }
            shapes.put(m.group(1), shape);
            data.put(m.group(1), values);
        }
        Matcher meta = Pattern.compile("\"__metadata__\"\\s*:\\s*(\\{[^}]*\\})").matcher(header);
        return new Independent(shapes, data, meta.find() ? meta.group(1) : null);
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void anIndependentReaderReadsWhatAdjointWrites() throws IOException {
        Map<String, Tensor> tensors = sample();
        Path f = dir.resolve("m.safetensors");
        Safetensors.write(f, tensors, Map.of("format", "pt", "note", "héllo"));
        Independent ind = independentRead(f);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(ind.shapes().keySet()));
        for (var e : tensors.entrySet()) {
            assertArrayEquals(e.getValue().shape(), ind.shapes().get(e.getKey()), e.getKey());
            assertArrayEquals(e.getValue().toArray(), ind.data().get(e.getKey()), e.getKey());
        }
        assertTrue(ind.metadata().contains("\"note\":\"héllo\""), ind.metadata());
        long dataBytes = tensors.values().stream().mapToLong(t -> 4 * t.numel()).sum();
        long n = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(8 + n + dataBytes, Files.size(f), "nothing after the data");
        tensors.values().forEach(Tensor::close);
    }

    @Test
    void roundTripIsExact() {
        Map<String, Tensor> tensors = sample();
        try (Tensor base = Tensor.of(CPU, random(12, 3), 3, 4); Tensor t = base.transpose()) {
            tensors.put("transposed view", t);
            Path f = dir.resolve("m.safetensors");
            Safetensors.write(f, tensors, Map.of("k", "v"));
            Map<String, Safetensors.Loaded> back = Safetensors.read(f);
            assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.keySet()));
            for (var e : tensors.entrySet()) {
                Safetensors.Loaded l = back.get(e.getKey());
                assertArrayEquals(e.getValue().shape(), l.shape(), e.getKey());
                float[] expected = e.getValue().toArray();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(l.data()[i]), e.getKey());
                }
            }
            assertEquals(Map.of("k", "v"), Safetensors.metadata(f));
            try (Tensor again = back.get("layer.0.weight").toTensor(CPU)) {
                assertArrayEquals(tensors.get("layer.0.weight").toArray(), again.toArray());
            }
        }
        tensors.values().forEach(Tensor::close);
    }

    /** A file laid out as Hugging Face's writer lays it out (sorted data, compact header, padding). */
    @Test
    void readsAFileWrittenByTheReferenceLayout() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}";
        Path f = file(header, new float[] {1, 2, 3, 4});
        Map<String, Safetensors.Loaded> m = Safetensors.read(f);
        assertEquals(List.of("b", "a"), List.copyOf(m.keySet()), "in data order");
        assertArrayEquals(new float[] {3, 4}, m.get("a").data());
        assertArrayEquals(new int[] {1, 2}, m.get("b").shape());
        assertArrayEquals(new float[] {1, 2}, m.get("b").data());
    }

    // ------------------------------------------------------------------ rejection

    /** A file with this header (padded to 8) and these floats. */
    private Path file(String header, float[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        for (float v : data) {
            b.putFloat(v);
        }
        Path f = dir.resolve("h" + header.hashCode() + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static FileFormatException rejected(Path f, long offset, String... words) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(f));
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
    void truncatedFilesAreRejectedWhole() throws IOException {
        Path good = dir.resolve("good.safetensors");
        Map<String, Tensor> tensors = sample();
        Safetensors.write(good, tensors, Map.of());
        tensors.values().forEach(Tensor::close);
        byte[] bytes = Files.readAllBytes(good);
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        long[] cuts = {0, 3, 7, 8, 9, 8 + n / 2, 8 + n - 1, 8 + n, 8 + n + 1, bytes.length - 4, bytes.length - 1};
        for (long cut : cuts) {
            Path f = dir.resolve("cut" + cut + ".safetensors");
            Files.write(f, Arrays.copyOf(bytes, (int) cut));
            FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(f), "cut at " + cut);
            assertTrue(e.getMessage().startsWith(f.toString()) && e.getMessage().contains("at byte offset "),
                    e.getMessage());
            assertTrue(e.offset() >= 0 && e.offset() <= cut, "cut at " + cut + ": " + e.getMessage());
            assertThrows(FileFormatException.class, () -> Safetensors.metadata(f));
        }
        Path f = dir.resolve("cut-data.safetensors");
        Files.write(f, Arrays.copyOf(bytes, bytes.length - 4));
        rejected(f, bytes.length - 4, "truncated", "nan and inf");
    }

    @Test
    void corruptHeadersAreRejectedWithTheirOffset() throws IOException {
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", new float[1]), 8 + 54,
                "not valid JSON");
        rejected(file("[1, 2]", new float[0]), 8, "does not start with '{'");
        rejected(file("{\"é\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} x", new float[1]), 8 + 56,
                "not valid JSON");
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new float[1]);
        byte[] b = Files.readAllBytes(f);
        b[10] = (byte) 0xff;
        Files.write(f, b);
        rejected(f, 8, "UTF-8");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1L << 40);
        Files.write(f, b);
        rejected(f, 0, "header length");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", new float[1]), 9,
                "needs 8 bytes");
        rejected(file("{\"__metadata__\":{\"k\":1}}", new float[0]), 9, "must be a string");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new float[1]), 9, "shape");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", new float[1]), 9,
                "unknown field");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new float[2]), 8 + 56 + 4,
                "after the last tensor");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new float[2]), 8 + 56, "gap");
    }

    @Test
    void wrongDtypeIsRejected() throws IOException {
        Path f = file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new float[2]);
        rejected(f, 8 + 1, "dtype \"F64\" is not supported", "Adjoint reads F32, BF16, F16", "'w'");
    }

    /** A header may be 100 MB: a tensor name or dtype from it is quoted cut short, so the message stays one short line. */
    @Test
    void hugeNamesFromTheHeaderAreCutInMessages() throws IOException {
        String name = "w".repeat(1 << 20);
        Path f = file("{\"" + name + "\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new float[2]);
        FileFormatException e = rejected(f, 8 + 1, "F64", "Adjoint reads F32, BF16, F16", "(1048576 characters)");
        assertTrue(e.getMessage().length() < f.toString().length() + 200, e.getMessage());
        String dtype = "F".repeat(1 << 20);
        f = file("{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,4]}}", new float[1]);
        e = rejected(f, 8 + 1, "is not supported", "(1048578 characters)");
        assertTrue(e.getMessage().length() < f.toString().length() + 200, e.getMessage());
    }

    /** Safetensors files are opened through InputFile: a FIFO is refused, not waited on, by read and by metadata. */
    @Test
    void aFifoIsRefusedNotWaitedOn() throws Exception {
        Path fifo = Fifo.make(dir.resolve("model.safetensors"));
        String expected = "safetensors file " + fifo + " is a FIFO (named pipe), not a regular file: reading it could "
                + "wait forever for a writer";
        assertEquals(expected, Fifo.thrownWithoutBlocking(fifo, () -> Safetensors.read(fifo)).getMessage());
        assertEquals(expected, Fifo.thrownWithoutBlocking(fifo, () -> Safetensors.metadata(fifo)).getMessage());
    }

    @Test
    void overlappingOffsetsAreRejected() throws IOException {
        Path f = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new float[3]);
        long dataStart = 8 + ((Files.readAllBytes(f).length - 12) - 8);
        rejected(f, dataStart + 4, "overlaps", "'a'", "'b'");
    }

    // ------------------------------------------------------------------ atomic replacement

    private static void assertOnlyFile(Path dir, Path expected) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(expected), s.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void aWriteThatFailsMidwayLeavesThePreviousFileIntact() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("atomic"));
        Path f = sub.resolve("model.safetensors");
        try (Tensor a = Tensor.of(CPU, new float[] {1, 2, 3}, 3)) {
            Safetensors.write(f, Map.of("a", a), Map.of("v", "1"));
        }
        byte[] before = Files.readAllBytes(f);

        // 1. the map's iteration throws after one entry
        Map<String, Tensor> throwing = new AbstractMap<>() {
            @Override
            public Set<Entry<String, Tensor>> entrySet() {
                return new AbstractSet<>() {
                    @Override
                    public Iterator<Entry<String, Tensor>> iterator() {
                        return new Iterator<>() {
                            int i;

                            @Override
                            public boolean hasNext() {
                                return true;
                            }

                            @Override
                            public Entry<String, Tensor> next() {
                                if (i++ == 1) {
                                    throw new IllegalStateException("iteration failed");
                                }
                                return Map.entry("x", Tensor.zeros(CPU, 4));
                            }
                        };
                    }

                    @Override
                    public int size() {
                        return 3;
                    }
                };
            }
        };
        assertThrows(IllegalStateException.class, () -> Safetensors.write(f, throwing, Map.of()));
        assertArrayEquals(before, Files.readAllBytes(f));
        assertOnlyFile(sub, f);

        // 2. the device fails while the data is being written (after the header went to the temp file)
        AtomicInteger downloads = new AtomicInteger();
        Device failing = (Device) Proxy.newProxyInstance(Device.class.getClassLoader(), new Class<?>[] {Device.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("download") && downloads.incrementAndGet() == 2) {
                        throw new IllegalStateException("device lost");
                    }
                    try {
                        return method.invoke(CPU, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Map<String, Tensor> two = new LinkedHashMap<>();
        two.put("first", Tensor.of(failing, random(300_000, 4), 300_000));
        two.put("second", Tensor.of(failing, random(10, 5), 10));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Safetensors.write(f, two, Map.of()));
        assertEquals("device lost", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertOnlyFile(sub, f);
        two.values().forEach(Tensor::close);
    }

    @Test
    void aReadOnlyDirectoryLeavesThePreviousFileIntact() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("readonly"));
        Path f = sub.resolve("model.safetensors");
        try (Tensor a = Tensor.of(CPU, new float[] {1, 2, 3}, 3)) {
            Safetensors.write(f, Map.of("a", a), Map.of("v", "1"));
        }
        byte[] before = Files.readAllBytes(f);
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            Assumptions.assumeFalse(Files.isWritable(sub), "running as root: a read-only directory is still writable");
            try (Tensor b = Tensor.ones(CPU, 2)) {
                UncheckedIOException io = assertThrows(UncheckedIOException.class,
                        () -> Safetensors.write(f, Map.of("b", b), Map.of()));
                assertTrue(io.getCause() instanceof AccessDeniedException && io.getMessage().contains(f.toString()),
                        io.getMessage());
            }
            assertArrayEquals(before, Files.readAllBytes(f));
        } finally {
            Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Test
    void badNamesAndClosedTensorsAreRefusedBeforeTouchingTheDisk() {
        Path f = dir.resolve("x.safetensors");
        Tensor t = Tensor.ones(CPU, 2);
        t.close();
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of("t", t), Map.of()));
        try (Tensor u = Tensor.ones(CPU, 2)) {
            assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of("__metadata__", u), Map.of()));
            assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of("", u), Map.of()));
        }
        assertTrue(Files.notExists(f));
    }
}
