package dev.adjoint.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Writes .npy and .npz bytes as numpy does, for tests. */
public final class NpyFiles {
    private NpyFiles() {}

    /** The header (magic, version, length, dictionary padded to a multiple of 64 bytes) for {@code dict}. */
    public static byte[] header(int major, String dict) {
        int lenBytes = major == 1 ? 2 : 4;
        int unpadded = 8 + lenBytes + dict.length() + 1;
        int total = (unpadded + 63) / 64 * 64;
        String text = dict + " ".repeat(total - unpadded) + "\n";
        byte[] t = text.getBytes(major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(8 + lenBytes + t.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            b.putShort((short) t.length);
        } else {
            b.putInt(t.length);
        }
        return b.put(t).array();
    }

    public static String dict(String descr, boolean fortran, long... shape) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? ", " : "").append(shape[i]);
        }
        s.append(shape.length == 1 ? ",)" : ")");
        return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + s + ", }";
    }

    /** {@code values} encoded as {@code descr} ('<f4', '>i8', '|u1', ...). */
    public static byte[] data(String descr, double... values) {
        ByteOrder order = descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int size = Integer.parseInt(descr.substring(2));
        ByteBuffer b = ByteBuffer.allocate(values.length * size).order(order);
        for (double v : values) {
            switch (descr.substring(1)) {
                case "f4" -> b.putFloat((float) v);
                case "f8" -> b.putDouble(v);
                case "i1", "u1" -> b.put((byte) (long) v);
                case "i2", "u2" -> b.putShort((short) (long) v);
                case "i4", "u4" -> b.putInt((int) (long) v);
                case "i8", "u8" -> b.putLong((long) v);
                default -> throw new IllegalArgumentException(descr);
            }
        }
        return b.array();
    }

    public static byte[] npy(int major, String descr, long[] shape, double... values) {
        return concat(header(major, dict(descr, false, shape)), data(descr, values));
    }

    public static byte[] npy(String descr, long[] shape, double... values) {
        return npy(1, descr, shape, values);
    }

    public static Path write(Path file, byte[]... parts) throws IOException {
        Files.write(file, concat(parts));
        return file;
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** An .npz of {@code entries} (name without .npy → bytes), stored or deflated. */
    public static Path npz(Path file, boolean deflate, Map<String, byte[]> entries) throws IOException {
        try (OutputStream os = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                ZipEntry z = new ZipEntry(e.getKey() + ".npy");
                byte[] b = e.getValue();
                if (!deflate) {
                    z.setMethod(ZipEntry.STORED);
                    z.setSize(b.length);
                    CRC32 crc = new CRC32();
                    crc.update(b);
                    z.setCrc(crc.getValue());
                }
                zip.putNextEntry(z);
                zip.write(b);
                zip.closeEntry();
            }
        }
        return file;
    }
}
