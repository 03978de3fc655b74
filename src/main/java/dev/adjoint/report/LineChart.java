package dev.adjoint.report;

import static dev.adjoint.report.Svg.escape;
import static dev.adjoint.report.Svg.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line chart as a self-contained SVG of {@value #WIDTH} × {@value #HEIGHT} pixels: a title, a
 * legend, then the plot, from x = {@value #LEFT} to {@value #RIGHT} and y = {@value #TOP} (the top
 * of the y axis) to {@value #BOTTOM} (its bottom), with ticks and grid lines at round values and
 * both axes titled. The x axis spans the data's x exactly; the y axis the data's y widened to the
 * round steps around it. Each series has its own colour and dash ({@link Series#style}); a missing point (NaN or infinite) breaks its line. Each unbroken run of a series
 * is one {@code <polyline class="series" data-series="NAME">}, and each point a
 * {@code <circle class="point">} with a {@code <title>} (a tooltip, no script) when there are at
 * most {@value #MAX_POINT_MARKS}; a {@link Mark} draws a dashed vertical line ({@code class="mark"}).
 */
public final class LineChart {
    static final int WIDTH = 560;
    static final int HEIGHT = 340;
    static final int LEFT = 64;
    static final int RIGHT = 544;
    static final int TOP = 64;
    static final int BOTTOM = 292;
    /** Series with at most this many points get a dot at each (a single point has no line to show it). */
    static final int MAX_POINT_MARKS = 60;

    private LineChart() {}

    /**
     * One line: y[i] at x[i]; NaN where there is no value. It is drawn in {@link Svg#color}({@code style}),
     * solid for style 0 and dashed for any other, so that one role (validation) looks the same in every chart.
     */
    public record Series(String name, double[] x, double[] y, int style) {
        public Series {
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': " + x.length + " x values for " + y.length + " y");
            }
        }
    }

    /** A vertical line at {@code x} with a label, such as the best epoch. */
    public record Mark(double x, String label) {}

    /** An axis from {@code lo} to {@code hi} with ticks every {@code step} from {@code first}. */
    record Axis(double lo, double hi, double first, double step) {
        /** Where {@code v} lies from {@code lo} (0) to {@code hi} (1). */
        double fraction(double v) {
            return hi == lo ? 0.5 : (v - lo) / (hi - lo);
        }

        List<Double> ticks() {
            List<Double> t = new ArrayList<>();
            for (int i = 0; ; i++) {
                double v = first + i * step;
                if (v > hi + step * 1e-9 || i > 100) {
                    return t;
                }
                t.add(Math.abs(v) < step * 1e-9 ? 0 : v);
            }
        }

        /** The x axis: exactly the data's range, with round ticks inside it (whole ones for whole numbers). */
        static Axis exact(double lo, double hi, boolean whole) {
            double step = hi > lo ? Svg.niceStep((hi - lo) / 6) : 1;
            if (whole) {
                step = Math.max(1, Math.rint(step));
            }
            return new Axis(lo, hi, Math.ceil(lo / step - 1e-9) * step, step);
        }

        /** The y axis: the data's range widened to the round steps around it (about five of them). */
        static Axis rounded(double lo, double hi) {
            if (hi == lo) {
                double pad = lo == 0 ? 1 : Math.abs(lo) * 0.1;
                lo -= pad;
                hi += pad;
            }
            double step = Svg.niceStep((hi - lo) / 5);
            double from = Math.floor(lo / step + 1e-9) * step;
            double to = Math.ceil(hi / step - 1e-9) * step;
            return new Axis(from, to, from, step);
        }
    }

    /** The chart of {@code series} (at most 8 tell apart by colour), with {@code mark} when not null. */
    public static String svg(String title, String xTitle, String yTitle, List<Series> series, Mark mark) {
        double xLo = Double.POSITIVE_INFINITY;
        double xHi = Double.NEGATIVE_INFINITY;
        double yLo = Double.POSITIVE_INFINITY;
        double yHi = Double.NEGATIVE_INFINITY;
        boolean whole = true;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.x()[i]) && Double.isFinite(s.y()[i])) {
                    xLo = Math.min(xLo, s.x()[i]);
                    xHi = Math.max(xHi, s.x()[i]);
                    yLo = Math.min(yLo, s.y()[i]);
                    yHi = Math.max(yHi, s.y()[i]);
                    whole &= s.x()[i] == Math.rint(s.x()[i]);
                }
            }
        }
        StringBuilder s = new StringBuilder(Svg.open(WIDTH, HEIGHT));
        text(s, WIDTH / 2.0, 22, 15, "middle", true, title, "title");
        legend(s, series);
        text(s, (LEFT + RIGHT) / 2.0, HEIGHT - 10, 12, "middle", false, xTitle, "axis-title");
        s.append(String.format(Locale.ROOT, "<text class=\"axis-title\" x=\"0\" y=\"0\" font-size=\"12\" text-anchor="
                + "\"middle\" transform=\"translate(16 %.1f) rotate(-90)\">%s</text>%n", (TOP + BOTTOM) / 2.0, escape(yTitle)));
        if (xLo > xHi) {
            frame(s);
            text(s, (LEFT + RIGHT) / 2.0, (TOP + BOTTOM) / 2.0, 13, "middle", false, "no values yet", "empty");
            return s.append("</svg>\n").toString();
        }
        Axis x = Axis.exact(xLo, xHi, whole);
        Axis y = Axis.rounded(yLo, yHi);
        grid(s, x, y);
        frame(s);
        if (mark != null && Double.isFinite(mark.x()) && mark.x() >= x.lo() && mark.x() <= x.hi()) {
            double px = px(x, mark.x());
            s.append(String.format(Locale.ROOT, "<line class=\"mark\" x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
                    + "stroke=\"#444444\" stroke-dasharray=\"2 3\"/>%n", px, TOP, px, BOTTOM));
            text(s, px + (px > (LEFT + RIGHT) / 2.0 ? -4 : 4), TOP + 12, 11, px > (LEFT + RIGHT) / 2.0 ? "end" : "start",
                    false, mark.label(), "mark-label");
        }
        for (Series one : series) {
            line(s, one, x, y);
        }
        return s.append("</svg>\n").toString();
    }

    /** The pixel column of {@code v} on axis {@code x}. */
    static double px(Axis x, double v) {
        return LEFT + x.fraction(v) * (RIGHT - LEFT);
    }

    /** The pixel row of {@code v} on axis {@code y}. */
    static double py(Axis y, double v) {
        return BOTTOM - y.fraction(v) * (BOTTOM - TOP);
    }

    private static void legend(StringBuilder s, List<Series> series) {
        double at = LEFT;
        s.append("<g class=\"legend\">\n");
        for (int i = 0; i < series.size(); i++) {
            String name = series.get(i).name();
            int style = series.get(i).style();
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"40\" x2=\"%.1f\" y2=\"40\" stroke=\"%s\" "
                    + "stroke-width=\"2.5\"%s/>%n", at, at + 22, Svg.color(style), dash(style)));
            text(s, at + 28, 44, 12, "start", false, name, "legend-entry");
            at += 28 + Svg.textWidth(name, 12) + 24;
        }
        s.append("</g>\n");
    }

    private static String dash(int series) {
        return series == 0 ? "" : " stroke-dasharray=\"6 3\"";
    }

    private static void grid(StringBuilder s, Axis x, Axis y) {
        for (double t : y.ticks()) {
            double py = py(y, t);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.2f\" x2=\"%d\" y2=\"%.2f\" stroke=\"#e4e4e4\"/>%n",
                    LEFT, py, RIGHT, py));
            text(s, LEFT - 6, py + 4, 11, "end", false, Svg.tick(t, y.step()), "tick");
        }
        for (double t : x.ticks()) {
            double px = px(x, t);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" stroke=\"black\"/>%n",
                    px, BOTTOM, px, BOTTOM + 5));
            text(s, px, BOTTOM + 18, 11, "middle", false, Svg.tick(t, x.step()), "tick");
        }
    }

    private static void frame(StringBuilder s) {
        s.append(String.format(Locale.ROOT, "<path d=\"M%d %dV%dH%d\" fill=\"none\" stroke=\"black\"/>%n", LEFT, TOP,
                BOTTOM, RIGHT));
    }

    private static void line(StringBuilder s, Series series, Axis x, Axis y) {
        String color = Svg.color(series.style());
        String name = escape(series.name());
        StringBuilder points = new StringBuilder();
        StringBuilder dots = new StringBuilder();
        int n = series.x().length;
        for (int i = 0; i <= n; i++) {
            boolean ok = i < n && Double.isFinite(series.x()[i]) && Double.isFinite(series.y()[i]);
            if (!ok) {
                if (!points.isEmpty()) {
                    s.append(String.format(Locale.ROOT, "<polyline class=\"series\" data-series=\"%s\" points=\"%s\" "
                            + "fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>%n", name, points.toString().strip(), color,
                            dash(series.style())));
                    points.setLength(0);
                }
                continue;
            }
            double px = px(x, series.x()[i]);
            double py = py(y, series.y()[i]);
            points.append(String.format(Locale.ROOT, "%.2f,%.2f ", px, py));
            if (n <= MAX_POINT_MARKS) {
                dots.append(String.format(Locale.ROOT, "<circle class=\"point\" cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\" "
                        + "fill=\"%s\"><title>%s, %s: %s</title></circle>%n", px, py, color, name,
                        Svg.plain(series.x()[i]), Svg.plain(series.y()[i])));
            }
        }
        s.append(dots);
    }
}
