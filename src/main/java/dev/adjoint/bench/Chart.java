package dev.adjoint.bench;

import static dev.adjoint.report.Svg.color;
import static dev.adjoint.report.Svg.compact;
import static dev.adjoint.report.Svg.escape;
import static dev.adjoint.report.Svg.niceStep;
import static dev.adjoint.report.Svg.text;
import static dev.adjoint.report.Svg.textWidth;

import dev.adjoint.report.Svg;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Grouped bar charts as a self-contained SVG (no fonts or scripts to fetch): a title, a legend of
 * the series (one colour each, the same in every panel), then panels stacked vertically, each with
 * its own y axis: linear from 0, or logarithmic (labelled so) when its values span
 * {@value #LOG_SPAN}× or more. A missing value (NaN, e.g. a skipped case) draws no bar but "n/a".
 * Bars carry {@code class="bar"} and {@code data-series}, {@code data-group}, {@code data-value}.
 */
final class Chart {
    static final double LOG_SPAN = 30;
    private static final int WIDTH = 960;
    private static final int LEFT = 96;
    private static final int RIGHT = 24;
    private static final int PLOT_HEIGHT = 240;
    /** Panel title above the plot, group labels and the x title below it. */
    private static final int PANEL_HEIGHT = PLOT_HEIGHT + 120;

    private Chart() {}

    /**
     * One panel: {@code values[s][g]} is series s in group g (NaN when missing). Group labels may
     * hold a newline, for two lines.
     */
    record Panel(String title, String xTitle, String yTitle, List<String> groups, double[][] values) {}

    /** The y axis of a panel: linear from 0 to {@code hi}, or logarithmic from {@code lo} to {@code hi}. */
    record Scale(boolean log, double lo, double hi) {
        /** Where {@code v} sits between the bottom (0) and the top (1) of the plot. */
        double fraction(double v) {
            if (log) {
                return Math.clamp((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)), 0, 1);
            }
            return Math.clamp(v / hi, 0, 1);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            if (log) {
                for (double p = lo; p <= hi * 1.0001; p *= 10) {
                    t.add(p);
                }
            } else {
                double step = niceStep(hi / 5);
                for (double v = 0; v <= hi * 1.0001; v += step) {
                    t.add(v);
                }
            }
            return t;
        }

        /** The scale for a panel's values: log when the positive ones span {@link #LOG_SPAN}× or more. */
        static Scale of(double[][] values) {
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (double[] row : values) {
                for (double v : row) {
                    if (v > 0 && Double.isFinite(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
            }
            if (max == 0) {
                return new Scale(false, 0, 1);
            }
            if (max / min >= LOG_SPAN) {
                double lo = Math.pow(10, Math.floor(Math.log10(min)));
                if (lo >= min) {
                    lo /= 10;
                }
                double hi = Math.pow(10, Math.ceil(Math.log10(max)));
                return new Scale(true, lo, hi);
            }
            double step = niceStep(max * 1.08 / 5);
            return new Scale(false, 0, Math.ceil(max * 1.08 / step) * step);
        }
    }

    /** The whole chart: {@code series} names the legend entries, in the order of each panel's rows. */
    static String svg(String title, String subtitle, List<String> series, List<Panel> panels) {
        for (Panel p : panels) {
            if (p.values().length != series.size()) {
                throw new IllegalArgumentException("panel '" + p.title() + "' has " + p.values().length
                        + " series, the legend " + series.size());
            }
            for (double[] row : p.values()) {
                if (row.length != p.groups().size()) {
                    throw new IllegalArgumentException("panel '" + p.title() + "': a series has " + row.length
                            + " values for " + p.groups().size() + " groups");
                }
            }
        }
        StringBuilder s = new StringBuilder();
        int legendRows = legendRows(series);
        int top = 64 + legendRows * 20 + 8;
        int height = top + panels.size() * PANEL_HEIGHT + 8;
        s.append(Svg.open(WIDTH, height));
        text(s, WIDTH / 2.0, 26, 18, "middle", true, title, "title");
        text(s, WIDTH / 2.0, 46, 12, "middle", false, subtitle, "subtitle");
        legend(s, series, 64);
        for (int i = 0; i < panels.size(); i++) {
            panel(s, panels.get(i), series, top + i * PANEL_HEIGHT);
        }
        s.append("</svg>\n");
        return s.toString();
    }

    private static int legendRows(List<String> series) {
        int rows = 1;
        double x = LEFT;
        for (String name : series) {
            double w = 18 + textWidth(name, 12) + 24;
            if (x + w > WIDTH - RIGHT && x > LEFT) {
                rows++;
                x = LEFT;
            }
            x += w;
        }
        return rows;
    }

    private static void legend(StringBuilder s, List<String> series, int y) {
        double x = LEFT;
        s.append("<g class=\"legend\">\n");
        for (int i = 0; i < series.size(); i++) {
            String name = series.get(i);
            double w = 18 + textWidth(name, 12) + 24;
            if (x + w > WIDTH - RIGHT && x > LEFT) {
                x = LEFT;
                y += 20;
            }
            s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    x, y, color(i)));
            text(s, x + 18, y + 11, 12, "start", false, name, "legend-entry");
            x += w;
        }
        s.append("</g>\n");
    }

    private static void panel(StringBuilder s, Panel p, List<String> series, int y0) {
        Scale scale = Scale.of(p.values());
        double plotTop = y0 + 30;
        double plotBottom = plotTop + PLOT_HEIGHT;
        double plotRight = WIDTH - RIGHT;
        double plotWidth = plotRight - LEFT;
        s.append("<g class=\"panel\">\n");
        text(s, WIDTH / 2.0, y0 + 18, 14, "middle", true, p.title(), "panel-title");
        for (double t : scale.ticks()) {
            double y = plotBottom - scale.fraction(t) * PLOT_HEIGHT;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%.1f\" y2=\"%.2f\" stroke=\"#dddddd\"/>%n",
                    LEFT, y, plotRight, y));
            text(s, LEFT - 6, y + 4, 11, "end", false, compact(t), "tick");
        }
        String yTitle = p.yTitle() + (scale.log() ? " (log scale)" : "");
        s.append(String.format(Locale.ROOT, "<text class=\"axis-title\" x=\"0\" y=\"0\" font-size=\"12\" "
                + "text-anchor=\"middle\" transform=\"translate(%d %.1f) rotate(-90)\">%s</text>%n", 22,
                (plotTop + plotBottom) / 2, escape(yTitle)));
        int groups = p.groups().size();
        int n = series.size();
        double groupWidth = plotWidth / Math.max(1, groups);
        double bar = Math.min(40, (groupWidth - 16) / Math.max(1, n));
        boolean vertical = bar < 28;
        for (int g = 0; g < groups; g++) {
            double gx = LEFT + g * groupWidth + (groupWidth - bar * n) / 2;
            for (int i = 0; i < n; i++) {
                double v = p.values()[i][g];
                double x = gx + i * bar;
                if (!(v > 0) || !Double.isFinite(v)) {
                    text(s, x + bar / 2, plotBottom - 4, 9, "middle", false, "n/a", "missing");
                    continue;
                }
                double h = scale.fraction(v) * PLOT_HEIGHT;
                s.append(String.format(Locale.ROOT, "<rect class=\"bar\" data-series=\"%s\" data-group=\"%s\" "
                        + "data-value=\"%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>%n",
                        escape(series.get(i)), escape(p.groups().get(g)), v, x + 1, plotBottom - h, bar - 2, h,
                        color(i)));
                if (vertical) {
                    s.append(String.format(Locale.ROOT, "<text class=\"value\" x=\"0\" y=\"0\" font-size=\"9\" "
                            + "text-anchor=\"start\" transform=\"translate(%.2f %.2f) rotate(-90)\">%s</text>%n",
                            x + bar / 2 + 3, plotBottom - h - 3, compact(v)));
                } else {
                    text(s, x + bar / 2, plotBottom - h - 3, 9, "middle", false, compact(v), "value");
                }
            }
            String[] lines = p.groups().get(g).split("\n");
            for (int l = 0; l < lines.length; l++) {
                text(s, LEFT + (g + 0.5) * groupWidth, plotBottom + 16 + 14 * l, 11, "middle", false, lines[l],
                        "group");
            }
        }
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>%n",
                LEFT, plotBottom, plotRight, plotBottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"black\"/>%n",
                LEFT, plotTop, LEFT, plotBottom));
        text(s, (LEFT + plotRight) / 2, plotBottom + 60, 12, "middle", false, p.xTitle(), "axis-title");
        s.append("</g>\n");
    }
}
