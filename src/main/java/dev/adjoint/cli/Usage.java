package dev.adjoint.cli;

import java.util.List;
import java.util.Locale;

/** A command's {@code --help} text, made from its option table, and the closest option to one mistyped. */
final class Usage {
    /** Usage texts wrap at this column. */
    static final int WRAP = 100;

    private Usage() {}

    /**
     * The option in {@code known} closest to {@code typed} (case aside, {@code _} as {@code -}): an
     * edit distance (a swap of neighbours counting as one edit) of at most a third of its length,
     * and at least 1, or else one that starts with {@code typed} (3 characters or more); null when
     * none is that close, or {@code typed} is too long to be a typo of one.
     */
    static String closest(String typed, List<String> known) {
        String t = typed.toLowerCase(Locale.ROOT).replace('_', '-');
        if (t.length() > 64) {
            return null;
        }
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(t, k);
            if (d < bestDistance && d <= Math.max(1, k.length() / 3)) {
                best = k;
                bestDistance = d;
            }
        }
        if (best == null && t.length() >= 3) {
            best = known.stream().filter(k -> k.startsWith(t)).findFirst().orElse(null);
        }
        return best;
    }

    /** Edit distance counting insertions, deletions, substitutions and swaps of neighbours (optimal string alignment). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1));
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /**
     * The usage text of a command: {@code usage: adjoint COMMAND [options]}, {@code about}, then
     * every option with its default, then the global options.
     */
    static String text(String command, String about, List<Args.Option> options) {
        int width = 4 + options.stream().filter(o -> !o.isSection())
                .mapToInt(o -> 4 + o.name().length() + (o.value() == null ? 0 : 1 + o.value().length())).max().orElse(0);
        StringBuilder b = new StringBuilder("usage: adjoint " + command + (options.isEmpty() ? "" : " [options]") + "\n\n")
                .append(about.strip()).append("\n");
        if (!options.isEmpty() && !options.getFirst().isSection()) {
            b.append("\noptions:\n");
        }
        for (Args.Option o : options) {
            b.append(o.isSection() ? "\n" + o.help() + ":" : o.line(width)).append('\n');
        }
        return b.append("\n").append(Main.GLOBAL_OPTIONS).toString();
    }
}
