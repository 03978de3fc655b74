package dev.adjoint.bench;

import java.util.regex.Pattern;

/** Parses the size parameters of the benchmarks: {@code 1024x1024x1024}, {@code 128x10}, {@code 784-256-10}. */
public final class Sizes {
    private Sizes() {}

    /**
     * The positive integers of {@code text} split at {@code separator} (in either case: {@code 8X8}
     * as {@code 8x8}); exactly {@code count} of them, or at least two when {@code count} is 0.
     * {@code what} names the parameter in the error.
     */
    public static int[] parse(String what, String text, String separator, int count) {
        String[] parts = Pattern.compile(Pattern.quote(separator), Pattern.CASE_INSENSITIVE).split(text, -1);
        boolean ok = count == 0 ? parts.length >= 2 : parts.length == count;
        int[] sizes = new int[parts.length];
        for (int i = 0; ok && i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i].trim());
                ok = sizes[i] > 0;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            String form = count == 0 ? "two or more" : Integer.toString(count);
            throw new IllegalArgumentException(what + " '" + text + "' is not " + form
                    + " positive integers separated by '" + separator + "'");
        }
        return sizes;
    }
}
