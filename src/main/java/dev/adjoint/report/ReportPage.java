package dev.adjoint.report;

import static dev.adjoint.report.Svg.escape;

import dev.adjoint.io.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run's report as one self-contained HTML page: the training curves (inline SVG), the test
 * split's figures, its confusion matrix as a heat-coloured table and each class's precision,
 * recall and F1 (when the run records them), the run's settings and every epoch's numbers. The page
 * has no script and loads nothing (its Content-Security-Policy forbids both); every string from the
 * run is escaped. It depends on the run's JSON alone, so rebuilding it gives the same bytes.
 */
final class ReportPage {
    /** Larger confusion matrices are left to the JSON: a table of classes² cells stops being readable. */
    static final int MAX_MATRIX = 50;
    static final String POLICY = "default-src 'none'; style-src 'unsafe-inline'";
    private static final String STYLE = """
            body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:24px;color:#222;background:#fff;max-width:1180px}
            h1{font-size:22px;margin:0 0 4px}
            h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
            p.sub{color:#555;margin:0 0 8px}
            .charts{display:flex;flex-wrap:wrap;gap:12px}
            .charts svg{border:1px solid #e4e4e4}
            table{border-collapse:collapse;font-size:13px;margin:4px 0}
            td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
            th{background:#f4f4f4;font-weight:600}
            th.key,td.text{text-align:left}
            td.text{font-family:"DejaVu Sans Mono",monospace;white-space:pre-wrap;word-break:break-word;max-width:800px}
            table.cm td{min-width:34px}
            pre{background:#f4f4f4;padding:8px;white-space:pre-wrap;word-break:break-all}
            footer{color:#777;font-size:12px;margin-top:32px}
            """;

    private ReportPage() {}

    static String html(Map<String, Object> run, Curves curves) {
        StringBuilder b = new StringBuilder();
        String dataset = text(run.get("dataset"), "a run");
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"").append(POLICY).append("\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>adjoint train: ").append(escape(dataset)).append("</title>\n<style>\n").append(STYLE)
                .append("</style>\n</head>\n<body>\n");
        b.append("<h1>adjoint train: ").append(escape(dataset)).append("</h1>\n");
        b.append("<p class=\"sub\">").append(escape(summary(run, curves))).append("</p>\n");
        b.append("<section id=\"curves\">\n<h2>Training curves</h2>\n<div class=\"charts\">\n");
        for (Curves.Curve c : curves.curves()) {
            b.append(c.svg(curves.best()));
        }
        if (curves.curves().isEmpty()) {
            b.append("<p>No epoch has finished yet.</p>\n");
        }
        b.append("</div>\n</section>\n");
        test(b, run);
        settings(b, run);
        epochs(b, run);
        b.append("<footer>Written by adjoint train after every epoch; 'adjoint report RUN' rebuilds it from the run's"
                + " run.json.</footer>\n</body>\n</html>\n");
        return b.toString();
    }

    /** "20 epochs, best epoch 13 (val_accuracy); test accuracy 0.8994, loss 0.3127; cpu". */
    private static String summary(Map<String, Object> run, Curves curves) {
        List<String> parts = new ArrayList<>();
        parts.add(Curves.epochs(run).size() + " epochs recorded");
        if (curves.best() != null) {
            parts.add(curves.best().label());
        }
        if (run.get("test") instanceof Map<?, ?> t) {
            List<String> test = new ArrayList<>();
            t.forEach((k, v) -> {
                if (v instanceof Double d && test.size() < 3) {
                    test.add(k + " " + number(d));
                }
            });
            parts.add("test " + String.join(", ", test));
        } else {
            parts.add("not yet tested");
        }
        if (run.get("device") != null) {
            parts.add("device " + text(run.get("device"), ""));
        }
        return String.join("; ", parts);
    }

    private static void test(StringBuilder b, Map<String, Object> run) {
        b.append("<section id=\"test\">\n<h2>Test set</h2>\n");
        if (!(run.get("test") instanceof Map<?, ?> t)) {
            b.append("<p>The test split is measured once, at the end of the run, on the best epoch's model: not yet.</p>\n"
                    + "</section>\n");
            return;
        }
        b.append("<p>Measured once, on the best epoch's model.</p>\n<table>\n");
        t.forEach((k, v) -> {
            if (v instanceof Number n) {
                row(b, String.valueOf(k), number(n));
            }
        });
        b.append("</table>\n</section>\n");
        List<String> names = classNames(run, t);
        if (t.get("confusion_matrix") instanceof List<?> m) {
            confusion(b, m, names);
        }
        if (t.get("precision") instanceof List<?> p) {
            perClass(b, t, p.size(), names);
        }
    }

    /** The name of each class: the run's {@code classes}, else its data's labels, else 0, 1, 2, …. */
    private static List<String> classNames(Map<String, Object> run, Map<?, ?> test) {
        int n = test.get("precision") instanceof List<?> p ? p.size()
                : test.get("confusion_matrix") instanceof List<?> m ? m.size() : 0;
        Object given = run.get("classes");
        if (!(given instanceof List<?>) && run.get("data") instanceof Map<?, ?> d) {
            given = d.get("labels");
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            names.add(given instanceof List<?> l && c < l.size() ? text(l.get(c), "") : Integer.toString(c));
        }
        return names;
    }

    /** Counts, each cell tinted by its share of the true class: blue on the diagonal (right), orange off it. */
    private static void confusion(StringBuilder b, List<?> m, List<String> names) {
        b.append("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n");
        if (m.size() > MAX_MATRIX) {
            b.append("<p>").append(m.size()).append(" classes: the matrix is in the run's JSON (test.confusion_matrix).</p>\n"
                    + "</section>\n");
            return;
        }
        b.append("<p>Rows: the true class; columns: the predicted class. A cell's colour is its share of its row.</p>\n")
                .append("<table class=\"cm\">\n<tr><th class=\"key\">true \\ predicted</th>");
        for (String n : names) {
            b.append("<th>").append(escape(n)).append("</th>");
        }
        b.append("</tr>\n");
        for (int r = 0; r < m.size(); r++) {
            List<?> row = (List<?>) m.get(r);
            long total = row.stream().mapToLong(v -> ((Number) v).longValue()).sum();
            b.append("<tr><th class=\"key\">").append(escape(names.get(r))).append("</th>");
            for (int c = 0; c < row.size(); c++) {
                long v = ((Number) row.get(c)).longValue();
                double share = total == 0 ? 0 : (double) v / total;
                String rgb = r == c ? "0,114,178" : "213,94,0";
                b.append(String.format(Locale.ROOT, "<td style=\"background:rgba(%s,%.3f)%s\" title=\"%s as %s: %d of %d\">%d"
                        + "</td>", rgb, share, share > 0.55 ? ";color:#fff" : "", escape(names.get(r)), escape(names.get(c)),
                        v, total, v));
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n</section>\n");
    }

    private static void perClass(StringBuilder b, Map<?, ?> t, int n, List<String> names) {
        List<String> columns = new ArrayList<>();
        for (String k : List.of("precision", "recall", "f1", "support")) {
            if (t.get(k) instanceof List<?>) {
                columns.add(k);
            }
        }
        b.append("<section id=\"per-class\">\n<h2>Per class</h2>\n<table>\n<tr><th class=\"key\">class</th>");
        columns.forEach(k -> b.append("<th>").append(k).append("</th>"));
        b.append("</tr>\n");
        for (int c = 0; c < n; c++) {
            b.append("<tr><th class=\"key\">").append(escape(names.get(c))).append("</th>");
            for (String k : columns) {
                b.append("<td>").append(number((Number) ((List<?>) t.get(k)).get(c))).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n</section>\n");
    }

    /** The command line, then every setting the run recorded, its data, model, device and environment. */
    private static void settings(StringBuilder b, Map<String, Object> run) {
        b.append("<section id=\"settings\">\n<h2>Settings</h2>\n");
        if (run.get("options") instanceof Map<?, ?> o) {
            StringBuilder line = new StringBuilder("adjoint train");
            o.forEach((k, v) -> line.append(" --").append(k).append(v instanceof String s && s.isEmpty() ? ""
                    : " " + shellWord(text(v, ""))));
            b.append("<pre id=\"command-line\">").append(escape(line.toString())).append("</pre>\n");
        }
        b.append("<table>\n");
        for (String k : List.of("settings", "data", "model", "monitor")) {
            if (run.get(k) instanceof Map<?, ?> m) {
                m.forEach((key, v) -> row(b, k.equals("settings") ? String.valueOf(key) : k + "." + key, text(v, "")));
            }
        }
        for (String k : List.of("dataset", "device", "device_description", "checkpoint", "started", "finished")) {
            if (run.containsKey(k)) {
                row(b, k, text(run.get(k), "none"));
            }
        }
        double seconds = 0;
        for (Map<?, ?> e : Curves.epochs(run)) {
            seconds += e.get("seconds") instanceof Number n ? n.doubleValue() : 0;
        }
        row(b, "training time", String.format(Locale.ROOT, "%.1f s over %d epochs", seconds, Curves.epochs(run).size()));
        if (run.get("environment") instanceof Map<?, ?> env) {
            env.forEach((k, v) -> row(b, "environment." + k, text(v, "")));
        }
        b.append("</table>\n</section>\n");
    }

    /** Every epoch's numbers, folded away: one row an epoch, one column a number an epoch records. */
    private static void epochs(StringBuilder b, Map<String, Object> run) {
        List<Map<?, ?>> epochs = Curves.epochs(run);
        List<String> columns = new ArrayList<>();
        for (Map<?, ?> e : epochs) {
            e.forEach((k, v) -> {
                if (v instanceof Number && !columns.contains(String.valueOf(k))) {
                    columns.add(String.valueOf(k));
                }
            });
        }
        b.append("<section id=\"epochs\">\n<h2>Every epoch</h2>\n<details><summary>")
                .append(epochs.size()).append(" epochs</summary>\n<table>\n<tr>");
        columns.forEach(c -> b.append("<th>").append(escape(c)).append("</th>"));
        b.append("</tr>\n");
        for (Map<?, ?> e : epochs) {
            b.append("<tr>");
            for (String c : columns) {
                b.append("<td>").append(e.get(c) instanceof Number n ? number(n) : "").append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n</details>\n</section>\n");
    }

    private static void row(StringBuilder b, String key, String value) {
        b.append("<tr><th class=\"key\">").append(escape(key)).append("</th><td class=\"text\">").append(escape(value))
                .append("</td></tr>\n");
    }

    /** A JSON value as text: a string as it is, a number as {@link #number}, anything else as compact JSON. */
    private static String text(Object v, String ifNull) {
        return v == null ? ifNull : v instanceof String s ? s : v instanceof Number n ? number(n) : Json.writeCompact(v);
    }

    /** An integer as it is; a fraction to 4 decimals (0.8994), 1 from a thousand (98732.1), 4 digits when tiny or huge. */
    static String number(Number n) {
        if (n instanceof Long || n instanceof Integer) {
            return n.toString();
        }
        double a = Math.abs(n.doubleValue());
        String format = a == 0 ? "%.0f" : a >= 1e-3 && a < 1e3 ? "%.4f" : a >= 1e3 && a < 1e12 ? "%.1f" : "%.4g";
        return String.format(Locale.ROOT, format, n.doubleValue());
    }

    /** {@code w} as one word of a POSIX shell: as it is when safe, else in single quotes. */
    static String shellWord(String w) {
        return w.matches("[A-Za-z0-9_./:,=+@%-]+") ? w : "'" + w.replace("'", "'\\''") + "'";
    }
}
