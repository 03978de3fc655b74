package dev.adjoint.io;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Minimal JSON (RFC 8259), for safetensors headers and checkpoint configs.
 *
 * <p>{@link #parse} maps objects to {@link LinkedHashMap} (document order; a duplicate key is an
 * error), arrays to {@link List}, numbers to {@link Long} when written without fraction or exponent
 * and in range, else {@link Double}, and strings, booleans and null to themselves. Errors are
 * {@link Json.ParseException}s naming the character offset.
 *
 * <p>{@link #write} and {@link #writeCompact} accept maps (keys as strings; a map without an order
 * of its own, such as a {@code HashMap}, is written with sorted keys so the output is stable),
 * collections, arrays, strings, numbers, booleans, enums (by name) and null. A NaN or infinite
 * number has no JSON form and is an error.
 */
public final class Json {
    private static final int MAX_DEPTH = 512;

    private Json() {}

    /** A syntax error at a character offset of the text. */
    public static final class ParseException extends IllegalArgumentException {
        private final int offset;

        ParseException(int offset, String message) {
            super("JSON: at offset " + offset + ": " + message);
            this.offset = offset;
        }

        /** Character offset in the parsed text. */
        public int offset() {
            return offset;
        }
    }

    // ------------------------------------------------------------------ parsing

    /** Parses one JSON value; only whitespace may follow it. */
    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.skipSpace();
        Object v = p.value(0);
        p.skipSpace();
        if (p.pos < text.length()) {
            throw new ParseException(p.pos, "unexpected " + p.describe() + " after the value");
        }
        return v;
    }

    /** Parses text that must hold a JSON object. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(String text) {
        Parser p = new Parser(text);
        p.skipSpace();
        if (p.pos >= text.length() || text.charAt(p.pos) != '{') {
            throw new ParseException(p.pos, "expected an object '{', found " + p.describe());
        }
        return (Map<String, Object>) parse(text);
    }

    private static final class Parser {
        final String s;
        int pos;

        Parser(String s) {
            this.s = s;
        }

        String describe() {
            return pos >= s.length() ? "end of text" : Excerpt.quoted(String.valueOf(s.charAt(pos)));
        }

        void skipSpace() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw new ParseException(pos, "nesting deeper than " + MAX_DEPTH);
            }
            if (pos >= s.length()) {
                throw new ParseException(pos, "expected a value, found end of text");
            }
            char c = s.charAt(pos);
            return switch (c) {
                case '{' -> object(depth);
                case '[' -> array(depth);
                case '"' -> string();
                case 't' -> literal("true", Boolean.TRUE);
                case 'f' -> literal("false", Boolean.FALSE);
                case 'n' -> literal("null", null);
                default -> {
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        yield number();
                    }
                    throw new ParseException(pos, "expected a value, found " + describe());
                }
            };
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, pos)) {
                throw new ParseException(pos, "expected '" + word + "'");
            }
            pos += word.length();
            return v;
        }

        Map<String, Object> object(int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            pos++;
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipSpace();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw new ParseException(pos, "expected a string key, found " + describe());
                }
                int keyAt = pos;
                String key = string();
                skipSpace();
                expect(':');
                skipSpace();
                Object v = value(depth + 1);
                if (m.containsKey(key)) {
                    throw new ParseException(keyAt, "duplicate key \"" + Excerpt.of(key) + "\"");
                }
                m.put(key, v);
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect('}');
                return m;
            }
        }

        List<Object> array(int depth) {
            List<Object> list = new ArrayList<>();
            pos++;
            skipSpace();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipSpace();
                list.add(value(depth + 1));
                skipSpace();
                if (pos < s.length() && s.charAt(pos) == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return list;
            }
        }

        void expect(char c) {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw new ParseException(pos, "expected '" + c + "', found " + describe());
            }
            pos++;
        }

        String string() {
            int start = pos;
            pos++;
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw new ParseException(start, "unterminated string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    pos++;
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw new ParseException(pos, "control character U+" + String.format("%04X", (int) c)
                            + " in a string (must be escaped)");
                }
                if (c != '\\') {
                    sb.append(c);
                    pos++;
                    continue;
                }
                if (pos + 1 >= s.length()) {
                    throw new ParseException(start, "unterminated string");
                }
                char e = s.charAt(pos + 1);
                pos += 2;
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > s.length()) {
                            throw new ParseException(pos - 2, "incomplete \\u escape");
                        }
                        int v = 0;
                        for (int i = 0; i < 4; i++) {
                            int d = Character.digit(s.charAt(pos + i), 16);
                            if (d < 0) {
                                throw new ParseException(pos + i, "bad hex digit in \\u escape");
                            }
                            v = v * 16 + d;
                        }
                        pos += 4;
                        sb.append((char) v);
                    }
                    default -> throw new ParseException(pos - 1, "bad escape '\\" + e + "'");
                }
            }
        }

        Object number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw new ParseException(pos, "expected a digit, found " + describe());
            }
            if (s.charAt(pos) == '0') {
                pos++;
                if (pos < s.length() && isDigit(s.charAt(pos))) {
                    throw new ParseException(pos, "leading zero in a number");
                }
            } else {
                digits();
            }
            boolean integral = true;
            if (pos < s.length() && s.charAt(pos) == '.') {
                integral = false;
                pos++;
                if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                    throw new ParseException(pos, "expected a digit after '.', found " + describe());
                }
                digits();
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                integral = false;
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                    throw new ParseException(pos, "expected a digit in the exponent, found " + describe());
                }
                digits();
            }
            String text = s.substring(start, pos);
            if (integral) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException tooBig) {
                    // falls through to a double
                }
            }
            return Double.parseDouble(text);
        }

        void digits() {
            while (pos < s.length() && isDigit(s.charAt(pos))) {
                pos++;
            }
        }

        static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }

    // ------------------------------------------------------------------ writing

    /** Indented JSON (two spaces), keys in a stable order. */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0, true);
        return sb.append('\n').toString();
    }

    /** JSON on one line, without spaces. */
    public static String writeCompact(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0, false);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int depth, boolean pretty) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("Json.write: nesting deeper than " + MAX_DEPTH + " (a cycle?)");
        }
        switch (v) {
            case null -> sb.append("null");
            case String str -> quote(sb, str);
            case Boolean b -> sb.append(b);
            case Enum<?> e -> quote(sb, e.name());
            case Double d -> sb.append(finite(d, d.isNaN() || d.isInfinite()));
            case Float f -> sb.append(finite(f, f.isNaN() || f.isInfinite()));
            case Number n -> sb.append(n);
            case Character c -> quote(sb, c.toString());
            case Map<?, ?> m -> writeObject(sb, ordered(m), depth, pretty);
            case Collection<?> c -> writeArray(sb, new ArrayList<Object>(c), depth, pretty);
            default -> {
                if (!v.getClass().isArray()) {
                    throw new IllegalArgumentException("Json.write: no JSON form for " + v.getClass().getName());
                }
                int n = Array.getLength(v);
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    list.add(Array.get(v, i));
                }
                writeArray(sb, list, depth, pretty);
            }
        }
    }

    private static String finite(Number n, boolean bad) {
        if (bad) {
            throw new IllegalArgumentException("Json.write: " + n + " has no JSON form");
        }
        return n.toString();
    }

    private static Map<?, ?> ordered(Map<?, ?> m) {
        if (m instanceof LinkedHashMap<?, ?> || m instanceof SortedMap<?, ?>) {
            return m;
        }
        Map<String, Object> sorted = new TreeMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            sorted.put(String.valueOf(e.getKey()), e.getValue());
        }
        return sorted;
    }

    private static void writeObject(StringBuilder sb, Map<?, ?> m, int depth, boolean pretty) {
        if (m.isEmpty()) {
            sb.append("{}");
            return;
        }
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            newline(sb, depth + 1, pretty);
            quote(sb, String.valueOf(e.getKey()));
            sb.append(pretty ? ": " : ":");
            write(sb, e.getValue(), depth + 1, pretty);
        }
        newline(sb, depth, pretty);
        sb.append('}');
    }

    private static void writeArray(StringBuilder sb, List<Object> list, int depth, boolean pretty) {
        if (list.isEmpty()) {
            sb.append("[]");
            return;
        }
        // Arrays of plain values stay on one line: shapes and offsets read better that way.
        boolean flat = list.stream().noneMatch(x -> x instanceof Map<?, ?> || x instanceof Collection<?>
                || (x != null && x.getClass().isArray()));
        sb.append('[');
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                sb.append(',');
                if (flat && pretty) {
                    sb.append(' ');
                }
            }
            if (!flat) {
                newline(sb, depth + 1, pretty);
            }
            write(sb, list.get(i), depth + 1, pretty);
        }
        if (!flat) {
            newline(sb, depth, pretty);
        }
        sb.append(']');
    }

    private static void newline(StringBuilder sb, int depth, boolean pretty) {
        if (pretty) {
            sb.append('\n').append("  ".repeat(depth));
        }
    }

    /** Appends {@code s} as a JSON string literal. */
    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
