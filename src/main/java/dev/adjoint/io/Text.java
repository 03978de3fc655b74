package dev.adjoint.io;

/** User text quoted in a one-line message: cut short, so a 50 MB argument does not become a 50 MB line. */
public final class Text {
    public static final int EXCERPT = 60;

    private Text() {}

    /** {@code s} itself when short, else its first {@value #EXCERPT} characters and how long it was, on one line. */
    public static String excerpt(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(EXCERPT + 1L).forEach(c -> b.append(Character.isISOControl(c)
                ? String.format("\\u%04x", c) : Character.toString(c)));
        String line = b.toString();
        return line.length() <= EXCERPT ? line
                : line.substring(0, EXCERPT) + "… (" + String.format(java.util.Locale.ROOT, "%,d", s.length()) + " characters)";
    }
}
