package dev.adjoint.report;

import java.util.Locale;

/**
 * What every chart here is drawn with: the opening of a self-contained SVG (a white background, a
 * font list, nothing to fetch), text elements, one colour-blind-safe palette (Okabe-Ito), round
 * axis steps and short numbers, and escaping. Any text may come from a user's file (a CSV's column
 * or class names), so every text and attribute value goes through {@link #escape}.
 */
public final class Svg {
    private static final String[] PALETTE = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
        "#F0E442", "#999999"};

    private Svg() {}

    /** {@code <svg ...>} of {@code width} × {@code height} pixels, and its white background. */
    public static String open(int width, int height) {
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">%n"
                + "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, height, width, height, width, height);
    }

    /** The colour of series {@code i}, the same in every chart. */
    public static String color(int i) {
        return PALETTE[i % PALETTE.length];
    }

    /** A {@code <text>} element of class {@code cls}; {@code anchor} is start, middle or end. */
    public static void text(StringBuilder s, double x, double y, int size, String anchor, boolean bold, String text,
                            String cls) {
        s.append(String.format(Locale.ROOT, "<text class=\"%s\" x=\"%.1f\" y=\"%.1f\" font-size=\"%d\" "
                + "text-anchor=\"%s\"%s>%s</text>%n", cls, x, y, size, anchor, bold ? " font-weight=\"bold\"" : "",
                escape(text)));
    }

    /** About how wide {@code text} is drawn at {@code size} pixels (no font metrics here: 0.6 em a character). */
    public static double textWidth(String text, int size) {
        return text.length() * size * 0.6;
    }

    /** A round step near {@code raw}: 1, 2, 2.5 or 5 times a power of ten. */
    public static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
    }

    /** 950, 1.2k, 54k, 1.1M, 0.25: three significant digits at most. */
    public static String compact(double v) {
        double a = Math.abs(v);
        if (a >= 1e9) {
            return trim(v / 1e9) + "G";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    /**
     * An axis label: {@code v} with as many decimals as the axis' {@code step} needs (0.994 for a
     * step of 0.002, 0.25 for 0.25, 3 for 1), so that neighbouring ticks never read the same;
     * {@link #compact} from 10,000 on.
     */
    public static String tick(double v, double step) {
        if (Math.abs(v) >= 1e4) {
            return compact(v);
        }
        int decimals = 0;
        for (double scaled = step; decimals < 12 && Math.abs(scaled - Math.rint(scaled)) > 1e-6 * Math.max(1, scaled);
             scaled *= 10) {
            decimals++;
        }
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** A whole number as one (1234), any other to four significant digits (0.2744). */
    public static String plain(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4g", v);
    }

    private static String trim(double v) {
        double a = Math.abs(v);
        String s = a >= 100 || a == 0 ? String.format(Locale.ROOT, "%.0f", v)
                : a >= 10 ? String.format(Locale.ROOT, "%.1f", v) : a >= 1 ? String.format(Locale.ROOT, "%.2f", v)
                : String.format(Locale.ROOT, "%.2g", v);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }

    /**
     * {@code s} as XML (and HTML) text or a quoted attribute value: {@code & < > " '} as entities,
     * and the control characters XML 1.0 cannot hold at all (not even as references) as U+FFFD, so
     * that a hostile name cannot end an element, open a tag or make the file unreadable.
     */
    public static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0xFFFE || c == 0xFFFF
                        ? '\uFFFD' : c);
            }
        }
        return b.toString();
    }
}
