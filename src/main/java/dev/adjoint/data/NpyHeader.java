package dev.adjoint.data;

import dev.adjoint.data.NpyReader.DType;
import dev.adjoint.data.NpyReader.Header;
import dev.adjoint.data.NpyReader.Where;
import dev.adjoint.io.Excerpt;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses an NPY header: the Python dictionary literal {@code {'descr': '<f4', 'fortran_order':
 * False, 'shape': (3, 4), }} padded with spaces and a newline. Only what numpy writes is accepted
 * (strings in single or double quotes, True/False, tuples of non-negative integers); every error
 * names the byte offset in the file.
 */
final class NpyHeader {
    private final String text;
    /** The next character to read. */
    private int pos;

    private NpyHeader(String text) {
        this.text = text;
    }

    /** The header whose dictionary {@code text} starts at byte {@code base} of the file; the data start at {@code dataOffset}. */
    static Header parse(Where where, String text, long base, long dataOffset) {
        try {
            return new NpyHeader(text).parse(dataOffset);
        } catch (Bad e) {
            throw where.fail(base + e.index, e.getMessage());
        }
    }

    /** A problem at character {@code index} of the dictionary: its byte offset from the dictionary's start (numpy writes ASCII). */
    private static final class Bad extends RuntimeException {
        final long index;

        Bad(long index, String what) {
            super(what, null, false, false);
            this.index = index;
        }
    }

    private Header parse(long dataOffset) {
        Map<String, Object> dict = new HashMap<>();
        Map<String, Integer> at = new HashMap<>();
        skipSpace();
        expect('{');
        skipSpace();
        while (peek() != '}') {
            int keyAt = pos;
            if (!(value() instanceof String key)) {
                throw fail(keyAt, "a dictionary key must be a string");
            }
            if (at.containsKey(key)) { // numpy never writes one; Python would keep the last, silently
                throw fail(keyAt, "the header dictionary has the key '" + key + "' twice");
            }
            skipSpace();
            expect(':');
            skipSpace();
            at.put(key, pos);
            dict.put(key, value());
            separator('}', "the header dictionary");
        }
        pos++;
        if (!text.substring(pos).isBlank()) {
            throw fail(pos, "unexpected text after the header dictionary");
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw fail(0, "the header dictionary has no '" + key + "' (it needs descr, fortran_order and shape)");
            }
        }
        if (!(dict.get("fortran_order") instanceof Boolean fortran)) {
            throw fail(at.get("fortran_order"), "'fortran_order' must be True or False");
        }
        if (!(dict.get("shape") instanceof long[] shape)) {
            throw fail(at.get("shape"), "'shape' must be a tuple of sizes");
        }
        if (!(dict.get("descr") instanceof String descr)) {
            throw fail(at.get("descr"), "a structured dtype (a list of fields); only plain numeric arrays are read");
        }
        Header h = new Header(dtype(descr, at.get("descr")), order(descr), fortran, shape, dataOffset);
        try {
            h.dataBytes();
        } catch (ArithmeticException e) {
            throw fail(at.get("shape"), "shape " + java.util.Arrays.toString(shape) + " holds more bytes than a file can");
        }
        int large = 0;
        for (long d : shape) {
            large += d > 1 ? 1 : 0;
        }
        if (fortran && large > 1) {
            throw fail(at.get("fortran_order"), "a Fortran-order (column-major) array of shape "
                    + java.util.Arrays.toString(shape) + " is refused; save it in C order (numpy.ascontiguousarray)");
        }
        return h;
    }

    private DType dtype(String descr, int at) {
        if (descr.length() >= 3 && "<>|=".indexOf(descr.charAt(0)) >= 0) {
            try {
                DType t = DType.of(descr.charAt(1), Integer.parseInt(descr.substring(2)));
                if (t != null && (descr.charAt(0) != '|' || t.size == 1)) {
                    return t;
                }
            } catch (NumberFormatException e) {
                // fall through: not a type we know
            }
        }
        throw fail(at, "dtype " + Excerpt.quoted(descr) + " is not read; use float32, float64, int8..int64 or uint8..uint64"
                + " ('<f4', '<f8', '|i1', '<i2', '<i4', '<i8', '|u1', '<u2', '<u4', '<u8', or '>' for big-endian)");
    }

    private static ByteOrder order(String descr) {
        return switch (descr.charAt(0)) {
            case '>' -> ByteOrder.BIG_ENDIAN;
            case '=' -> ByteOrder.nativeOrder();
            default -> ByteOrder.LITTLE_ENDIAN;
        };
    }

    /** A string, True/False, or a tuple of sizes (as long[]); a list (structured dtype) as a List. */
    private Object value() {
        char c = peek();
        if (c == '\'' || c == '"') {
            int end = text.indexOf(c, pos + 1);
            if (end < 0) {
                throw fail(pos, "a string that is never closed");
            }
            String s = text.substring(pos + 1, end);
            pos = end + 1;
            return s;
        }
        if (text.startsWith("True", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("False", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        if (c == '(') {
            return tuple();
        }
        if (c == '[') {
            int end = text.lastIndexOf(']');
            pos = end < 0 ? text.length() : end + 1;
            return List.of();
        }
        throw fail(pos, "expected a string, True, False or a tuple in the header dictionary");
    }

    private long[] tuple() {
        pos++;
        List<Long> sizes = new ArrayList<>();
        skipSpace();
        while (peek() != ')') {
            int start = pos;
            while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
                pos++;
            }
            if (start == pos) {
                throw fail(pos, "expected a size (a non-negative integer) in 'shape'");
            }
            try {
                sizes.add(Long.parseLong(text.substring(start, pos)));
            } catch (NumberFormatException e) {
                throw fail(start, "size " + text.substring(start, pos) + " in 'shape' is too large");
            }
            if (peek() == 'L') {
                pos++;      // Python 2 long
            }
            separator(')', "'shape'");
        }
        pos++;
        return sizes.stream().mapToLong(Long::longValue).toArray();
    }

    /** After an item: a comma (and spaces), or the {@code close} that ends the list. */
    private void separator(char close, String in) {
        skipSpace();
        if (peek() == ',') {
            pos++;
            skipSpace();
        } else if (peek() != close) {
            throw fail(pos, "expected ',' or '" + close + "' in " + in);
        }
    }

    private char peek() {
        if (pos >= text.length()) {
            throw fail(pos, "the header ends inside its dictionary");
        }
        return text.charAt(pos);
    }

    private void expect(char c) {
        if (peek() != c) {
            throw fail(pos, "expected '" + c + "' in the header dictionary");
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
            pos++;
        }
    }

    private static Bad fail(long index, String what) {
        return new Bad(index, what);
    }
}
