package dev.adjoint.io;

/** User text quoted in a one-line message: cut short, so a 50 MB argument does not become a 50 MB line. */
public final class Text {
    public static final int EXCERPT = 60;

    private Text() {}

    /** {@code s} itself when short, else its first {@value #EXCERPT} characters and how long it was, on one line. */
    public static String excerpt(String s) {
        String line = s.replaceAll("\\R", "\\\\n");
        return line.length() <= EXCERPT ? line
                : line.substring(0, EXCERPT) + "… (" + String.format("%,d", s.length()) + " characters)";
    }
}
