package dev.adjoint.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The lines of a UTF-8 text file, split where {@link java.io.BufferedReader#readLine} splits them
 * ({@code \n}, {@code \r\n} or a lone {@code \r}), each decoded strictly: bytes that are not UTF-8
 * are a {@link DatasetException} naming the file, the line and the byte offset, instead of the
 * JDK's bare {@code MalformedInputException: Input length = 1} (or, with a lenient decoder,
 * replacement characters that turn into a wrong value). UTF-8 never uses the bytes of
 * {@code \n} and {@code \r} inside a character, so splitting before decoding is exact.
 */
final class Utf8Lines {
    private final Path file;
    private final InputStream in;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int end;
    private byte[] line = new byte[256];
    private CharBuffer chars = CharBuffer.allocate(256);
    /** Byte offset in the file of buf[pos]. */
    private long offset;
    private long lineNumber;

    Utf8Lines(Path file, InputStream in) {
        this.file = file;
        this.in = in;
    }

    /** 1-based number of the line {@link #next} returned last (0 before the first). */
    long lineNumber() {
        return lineNumber;
    }

    /** The next line without its terminator, or null at the end of the file. */
    String next() throws IOException {
        long start = offset;
        int n = 0;
        boolean ended = false;
        while (!ended) {
            if (pos == end && !fill()) {
                if (n == 0 && offset == start) {
                    return null;
                }
                break;
            }
            int from = pos;
            while (pos < end) {
                byte b = buf[pos];
                if (b == '\n' || b == '\r') {
                    break;
                }
                pos++;
            }
            n = append(n, from, pos);
            if (pos < end) {
                ended = true;
                byte b = buf[pos++];
                offset += pos - from;
                if (b == '\r' && (pos < end || fill()) && buf[pos] == '\n') {
                    pos++;
                    offset++;
                }
            } else {
                offset += pos - from;
            }
        }
        lineNumber++;
        return decode(n, start);
    }

    private int append(int n, int from, int to) {
        int len = to - from;
        if (n + len > line.length) {
            if ((long) n + len > Integer.MAX_VALUE - 8) {
                throw new DatasetException(file, offset, "line " + (lineNumber + 1) + " is longer than "
                        + (Integer.MAX_VALUE - 8) + " bytes, more than Adjoint can read as one line");
            }
            line = Arrays.copyOf(line, (int) Math.min(Integer.MAX_VALUE - 8, Math.max((long) n + len, 2L * line.length)));
        }
        System.arraycopy(buf, from, line, n, len);
        return n + len;
    }

    private boolean fill() throws IOException {
        int r = in.read(buf, 0, buf.length);
        pos = 0;
        end = Math.max(r, 0);
        return r > 0;
    }

    private String decode(int n, long start) {
        boolean ascii = true;
        for (int i = 0; i < n && ascii; i++) {
            ascii = line[i] >= 0;
        }
        if (ascii) {
            return new String(line, 0, n, StandardCharsets.ISO_8859_1);
        }
        if (chars.capacity() < n) {
            chars = CharBuffer.allocate(n);
        }
        chars.clear();
        ByteBuffer bytes = ByteBuffer.wrap(line, 0, n);
        decoder.reset();
        CoderResult r = decoder.decode(bytes, chars, true);
        if (!r.isError()) {
            r = decoder.flush(chars);
        }
        if (r.isError()) {
            int at = bytes.position();
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < Math.min(r.length(), 4); i++) {
                hex.append(i == 0 ? "" : " ").append(String.format("0x%02x", line[at + i] & 0xFF));
            }
            throw new DatasetException(file, start + at, "line " + lineNumber + ", character " + (chars.position() + 1)
                    + ": " + (r.length() == 1 ? "byte " : "bytes ") + hex + " " + (r.length() == 1 ? "is" : "are")
                    + " not UTF-8; the file must be UTF-8 text (convert it, e.g. iconv -f latin1 -t utf-8)");
        }
        return chars.flip().toString();
    }
}
