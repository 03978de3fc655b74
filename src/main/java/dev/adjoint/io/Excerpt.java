package dev.adjoint.io;

import java.util.List;

/**
 * Text from a file or a user, cut short for an error message. A message is one line and names
 * what went wrong, so whatever it quotes (a CSV cell, a column or tensor name, a label) is at most
 * {@link #MAX_CHARS} characters, followed by its full length when it was cut, and control
 * characters (a line break, an escape sequence) are written as escapes: a 50 MB cell gives a
 * message of one short line.
 */
public final class Excerpt {
    /** The most characters of a text a message quotes. */
    public static final int MAX_CHARS = 40;
    /** The most items of a list a message shows (the first and the last ones). */
    public static final int MAX_ITEMS = 10;

    private Excerpt() {}

    /** {@code text} in single quotes, cut after {@link #MAX_CHARS} characters: {@code 'abc...' (1048576 characters)}. */
    public static String quoted(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= MAX_CHARS ? "'" + escape(text, text.length()) + "'"
                : "'" + escape(text, cut(text)) + "...' (" + text.length() + " characters)";
    }

    /** {@code text} as is, cut like {@link #quoted}: {@code abc... (1048576 characters)}. */
    public static String of(String text) {
        if (text == null) {
            return "null";
        }
        return text.length() <= MAX_CHARS ? escape(text, text.length())
                : escape(text, cut(text)) + "... (" + text.length() + " characters)";
    }

    /**
     * A list as {@code [a, b, c]}, each item cut like {@link #of}; a list longer than
     * {@link #MAX_ITEMS} shows its first and last items around {@code ..., } and its length.
     */
    public static String list(List<?> items) {
        StringBuilder sb = new StringBuilder("[");
        int n = items.size();
        int head = n <= MAX_ITEMS ? n : MAX_ITEMS / 2;
        for (int i = 0; i < n; i++) {
            if (i == head && n > MAX_ITEMS) {
                sb.append("..., ");
                i = n - (MAX_ITEMS - head);
            }
            sb.append(of(String.valueOf(items.get(i))));
            if (i < n - 1) {
                sb.append(", ");
            }
        }
        sb.append(']');
        return n > MAX_ITEMS ? sb + " (" + n + " items)" : sb.toString();
    }

    /** Where to cut: after {@link #MAX_CHARS} characters, not between the halves of a surrogate pair. */
    private static int cut(String text) {
        return Character.isHighSurrogate(text.charAt(MAX_CHARS - 1)) ? MAX_CHARS - 1 : MAX_CHARS;
    }

    private static String escape(String text, int end) {
        StringBuilder sb = null;
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (sb == null) {
                    sb = new StringBuilder(end + 8).append(text, 0, i);
                }
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> sb.append(String.format("\\u%04x", (int) c));
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text.substring(0, end) : sb.toString();
    }
}
