package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.device.DType;
import dev.adjoint.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BF16 and F16 in safetensors files: written rounded to nearest even, read widened exactly, bad files refused whole. */
class SafetensorsHalfTest {
    private static final Device CPU = new CpuDevice(1);
    private static final List<DType> HALF = List.of(DType.BF16, DType.F16);

    @TempDir
    Path dir;

    @AfterAll
    static void close() {
        CPU.close();
    }

    /** Values of every magnitude F16 holds, subnormals included, and the special ones. */
    private static float[] values(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextGaussian() * Math.scalb(1.0, r.nextInt(40) - 26));
        }
        float[] specials = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f, 1 + 0x1p-8f,
            1 + 0x1p-11f, 65504f, 0x1p-24f, 0x1p-25f, -Float.MIN_VALUE};
        System.arraycopy(specials, 0, x, 0, Math.min(n, specials.length));
        return x;
    }

    private static Map<String, Tensor> sample() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put("layer.0.weight", Tensor.of(CPU, values(7 * 33, 1), 7, 33));
        m.put("layer.0.bias", Tensor.of(CPU, values(33, 2), 33));
        m.put("scalar", Tensor.of(CPU, new float[] {-3.14159f}));
        m.put("empty", Tensor.zeros(CPU, 0, 3));
        return m;
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Integer.toHexString(Float.floatToRawIntBits(expected[i])),
                    Integer.toHexString(Float.floatToRawIntBits(actual[i])), what + "[" + i + "] = " + expected[i]);
        }
    }

    // ------------------------------------------------------------------ round trips

    @Test
    void eachDtypeRoundTripsToTheRoundedValuesAndSaysWhatWasStored() throws IOException {
        Map<String, Tensor> tensors = sample();
        for (DType d : DType.values()) {
            Path f = dir.resolve(d + ".safetensors");
            Safetensors.write(f, tensors, Map.of("k", "v"), d);
            Map<String, Safetensors.Loaded> back = Safetensors.read(f);
            assertEquals(List.copyOf(tensors.keySet()), List.copyOf(back.keySet()), d.toString());
            long numel = 0;
            for (var e : tensors.entrySet()) {
                Safetensors.Loaded l = back.get(e.getKey());
                float[] x = e.getValue().toArray();
                float[] rounded = new float[x.length];
                for (int i = 0; i < x.length; i++) {
                    rounded[i] = d.round(x[i]);
                }
                assertEquals(d, l.stored(), e.getKey());
                assertArrayEquals(e.getValue().shape(), l.shape(), e.getKey());
                assertSameBits(rounded, l.data(), d + " " + e.getKey());
                numel += x.length;
                // values already of the dtype come back exactly: a second round trip changes nothing
                try (Tensor again = l.toTensor(CPU)) {
                    Path g = dir.resolve(d + "-again.safetensors");
                    Safetensors.write(g, Map.of(e.getKey(), again), Map.of(), d);
                    assertSameBits(rounded, Safetensors.read(g).get(e.getKey()).data(), d + " again " + e.getKey());
                }
            }
            assertEquals(Map.of("k", "v"), Safetensors.metadata(f));
            long n = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            assertEquals(8 + n + d.bytes() * numel, Files.size(f), d + ": " + d.bytes() + " bytes per value");
        }
        tensors.values().forEach(Tensor::close);
    }

    /** The bytes in the file, read without Safetensors: each value's narrowed bits, little-endian, in the tensor's place. */
    @Test
    void theFileHoldsEachValuesNarrowedBitsLittleEndian() throws IOException {
        float[] x = values(300, 3);
        for (DType d : HALF) {
            Path f = dir.resolve(d + ".safetensors");
            try (Tensor a = Tensor.of(CPU, new float[] {1, 2}, 2); Tensor b = Tensor.of(CPU, x, 3, 100)) {
                Map<String, Tensor> m = new LinkedHashMap<>();
                m.put("a", a);
                m.put("b", b);
                Safetensors.write(f, m, Map.of(), d);
            }
            byte[] bytes = Files.readAllBytes(f);
            ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            long n = bb.getLong(0);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.contains("\"b\":{\"dtype\":\"" + d + "\",\"shape\":[3,100],\"data_offsets\":[4,604]}"), header);
            for (int i = 0; i < x.length; i++) {
                short expected = d == DType.BF16 ? DType.floatToBf16(x[i]) : DType.floatToF16(x[i]);
                assertEquals(expected, bb.getShort((int) (8 + n + 4 + 2 * i)), d + " value " + i + " = " + x[i]);
            }
        }
    }

    // ------------------------------------------------------------------ overflow is refused

    @Test
    void aFiniteValueThatWouldBecomeInfinityIsRefusedNamingTensorIndexAndValue() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("overflow"));
        Path f = sub.resolve("model.safetensors");
        try (Tensor a = Tensor.of(CPU, new float[] {1, 2, 3}, 3)) {
            Safetensors.write(f, Map.of("a", a), Map.of("v", "1"));
        }
        byte[] before = Files.readAllBytes(f);
        Object[][] cases = {
            {DType.F16, 65520f, "65520.0", "65504.0"},
            {DType.F16, -1e9f, "-1.0E9", "65504.0"},
            {DType.BF16, Float.intBitsToFloat(0x7F7F_8000), "3.3961775E38", "3.3895314E38"},
            {DType.BF16, -Float.MAX_VALUE, "-3.4028235E38", "3.3895314E38"},
        };
        for (Object[] c : cases) {
            DType d = (DType) c[0];
            float[] x = {1, Float.POSITIVE_INFINITY, Float.NaN, (float) c[1], 5};
            try (Tensor ok = Tensor.ones(CPU, 2); Tensor big = Tensor.of(CPU, x, 5)) {
                Map<String, Tensor> m = new LinkedHashMap<>();
                m.put("fine", ok);
                m.put("head.weight", big);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Safetensors.write(f, m, Map.of(), d));
                String msg = e.getMessage();
                for (String w : List.of(f.toString(), "'head.weight'", "flat index 3", (String) c[2], d.toString(),
                        "largest finite " + c[3], "infinity")) {
                    assertTrue(msg.contains(w), "expected '" + w + "' in: " + msg);
                }
            }
            assertArrayEquals(before, Files.readAllBytes(f), d + ": the previous file stays");
            try (Stream<Path> s = Files.list(sub)) {
                assertEquals(List.of(f), s.toList(), "no temporary file is left behind");
            }
        }
        // just below the boundary, and infinities and NaN as they are, are written
        float below16 = Math.nextDown(65520f);
        float below = Float.intBitsToFloat(0x7F7F_7FFF);
        try (Tensor h = Tensor.of(CPU, new float[] {below16, -below16, Float.NEGATIVE_INFINITY, Float.NaN}, 4);
             Tensor b = Tensor.of(CPU, new float[] {below, -below, Float.POSITIVE_INFINITY, Float.NaN}, 4)) {
            Safetensors.write(f, Map.of("h", h), Map.of(), DType.F16);
            assertSameBits(new float[] {65504f, -65504f, Float.NEGATIVE_INFINITY, Float.NaN}, Safetensors.read(f).get("h").data(), "F16");
            Safetensors.write(f, Map.of("b", b), Map.of(), DType.BF16);
            float max = DType.BF16.maxFinite();
            assertSameBits(new float[] {max, -max, Float.POSITIVE_INFINITY, Float.NaN}, Safetensors.read(f).get("b").data(), "BF16");
        }
        try (Tensor t = Tensor.ones(CPU, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Safetensors.write(f, Map.of("t", t), Map.of(), null));
            assertTrue(e.getMessage().contains("dtype must not be null"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ bad files

    /** A file with this header (padded to 8) and these data bytes. */
    private Path file(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) & ~7;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        b.put(data);
        Path f = dir.resolve("h" + Integer.toHexString(header.hashCode()) + "-" + data.length + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private static FileFormatException rejected(Path f, long offset, String... words) {
        FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(f));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(f + ": at byte offset " + offset + ": "), msg);
        assertEquals(offset, e.offset(), msg);
        for (String w : words) {
            assertTrue(msg.contains(w), "expected '" + w + "' in: " + msg);
        }
        return e;
    }

    @Test
    void dataThatIsNotTwoBytesPerValueIsRefusedWithItsOffset() throws IOException {
        for (DType d : HALF) {
            String t = "{\"w\":{\"dtype\":\"" + d + "\",\"shape\":[3],\"data_offsets\":[0,";
            rejected(file(t + "4]}}", new byte[4]), 9, "'w'", "needs 6 bytes of " + d + " (2 per value)", "hold 4");
            rejected(file(t + "12]}}", new byte[12]), 9, "needs 6 bytes of " + d, "hold 12"); // the size of F32 data
            rejected(file(t + "5]}}", new byte[5]), 9, "needs 6 bytes", "hold 5");
            Path f = file(t + "6]}}", new byte[4]);
            rejected(f, Files.size(f) - 4 + 4, "the file ends inside tensor 'w'", "truncated");
            rejected(file(t + "6]}}", new byte[8]), Files.size(f) - 4 + 6, "2 bytes after the last tensor's data");
        }
        Path f = file("{\"w\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", new byte[8]);
        rejected(f, 9, "'w'", "dtype \"F64\" is not supported; Adjoint reads F32, BF16, F16");
        rejected(file("{\"w\":{\"dtype\":16,\"shape\":[1],\"data_offsets\":[0,2]}}", new byte[2]), 9,
                "dtype 16 is not supported; Adjoint reads F32, BF16, F16");
    }

    @Test
    void truncatedHalfFilesAreRejectedWhole() throws IOException {
        for (DType d : HALF) {
            Path good = dir.resolve("good-" + d + ".safetensors");
            Map<String, Tensor> tensors = sample();
            Safetensors.write(good, tensors, Map.of(), d);
            tensors.values().forEach(Tensor::close);
            byte[] bytes = Files.readAllBytes(good);
            long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            for (long cut : new long[] {4, 8 + n / 2, 8 + n, 8 + n + 1, bytes.length - 3, bytes.length - 2, bytes.length - 1}) {
                Path f = dir.resolve("cut-" + d + "-" + cut + ".safetensors");
                Files.write(f, Arrays.copyOf(bytes, (int) cut));
                FileFormatException e = assertThrows(FileFormatException.class, () -> Safetensors.read(f), d + " cut at " + cut);
                assertTrue(e.getMessage().startsWith(f + ": at byte offset "), e.getMessage());
                assertTrue(e.offset() >= 0 && e.offset() <= cut, d + " cut at " + cut + ": " + e.getMessage());
                if (cut >= 8 + n) {
                    assertEquals(cut, e.offset(), e.getMessage());
                    assertTrue(e.getMessage().contains("the file ends inside tensor") && e.getMessage().contains("truncated"),
                            e.getMessage());
                }
            }
        }
    }
}
