package dev.adjoint.report;

import dev.adjoint.io.AtomicFile;
import dev.adjoint.io.Excerpt;
import dev.adjoint.io.FileFormatException;
import dev.adjoint.io.InputFile;
import dev.adjoint.io.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A run's report, made from its JSON ({@value #RECORD}, what {@code adjoint train} writes into its
 * run directory after every epoch): {@value #HTML}, one self-contained page (see
 * {@link ReportPage}), and each of its training curves as an SVG file of its own,
 * {@code <metric>.svg} ({@code loss.svg}, {@code accuracy.svg}, …). The JSON is read whole and
 * checked before anything is written: a missing or garbled file is refused with its name and what
 * is wrong.
 */
public final class RunReport {
    /** The run's JSON in its run directory. */
    public static final String RECORD = "run.json";
    /** The report page in its run directory. */
    public static final String HTML = "report.html";
    /** A run's JSON larger than this is refused rather than read (a million epochs fit). */
    static final long MAX_BYTES = 1L << 30;

    private RunReport() {}

    /** The run JSON in {@code file}, checked ({@link #check}); a FileFormatException names the file and what is wrong. */
    public static Map<String, Object> read(Path file) {
        byte[] bytes = InputFile.readAllBytes(file, "run JSON", MAX_BYTES);
        String text = new String(bytes, StandardCharsets.UTF_8);
        Map<String, Object> run;
        try {
            run = Json.parseObject(text);
        } catch (Json.ParseException e) {
            long at = text.substring(0, Math.min(e.offset(), text.length())).getBytes(StandardCharsets.UTF_8).length;
            throw new FileFormatException(file, at, "not the JSON of a run (" + e.getMessage().replaceFirst(
                    "^JSON: at offset \\d+: ", "") + ")", e);
        }
        try {
            check(run);
        } catch (IllegalArgumentException e) {
            throw new FileFormatException(file, -1, "not the JSON of a run of 'adjoint train': " + e.getMessage(), e);
        }
        return run;
    }

    /**
     * Writes the report of {@code run} into {@code dir}: each curve's SVG, then {@value #HTML}
     * (each file whole, see {@link AtomicFile}); returns the page's path.
     */
    public static Path write(Map<String, Object> run, Path dir) {
        check(run);
        Curves curves = Curves.of(run);
        for (Curves.Curve c : curves.curves()) {
            AtomicFile.writeString(dir.resolve(fileName(c.metric())), c.svg(curves.best()));
        }
        Path page = dir.resolve(HTML);
        AtomicFile.writeString(page, ReportPage.html(run, curves));
        return page;
    }

    /** The page of {@code run} (checked), as {@link #write} writes it. */
    public static String html(Map<String, Object> run) {
        check(run);
        return ReportPage.html(run, Curves.of(run));
    }

    /** {@code <metric>.svg}, or {@code curve-<hash>.svg} for a metric whose name is not a plain word. */
    static String fileName(String metric) {
        return metric.matches("[a-z0-9_]{1,64}") ? metric + ".svg"
                : "curve-" + Integer.toHexString(metric.hashCode()) + ".svg";
    }

    /**
     * Refuses a document the report cannot be drawn from, with the field that is wrong: no list of
     * {@code epochs} (objects, whose {@code epoch} and {@code train_*} / {@code val_*} values are
     * numbers or null), a {@code best_epoch} that is not a number, or a {@code test} whose
     * confusion matrix is not square counts or whose per-class lists do not hold a number for
     * each class. Anything else is shown as it is.
     */
    static void check(Map<String, Object> run) {
        if (!(run.get("epochs") instanceof List<?> epochs)) {
            throw new IllegalArgumentException("\"epochs\" must be the list of epochs, got " + shown(run.get("epochs")));
        }
        for (int i = 0; i < epochs.size(); i++) {
            if (!(epochs.get(i) instanceof Map<?, ?> e)) {
                throw new IllegalArgumentException("epochs[" + i + "] must be an object, got " + shown(epochs.get(i)));
            }
            for (Map.Entry<?, ?> kv : e.entrySet()) {
                String k = String.valueOf(kv.getKey());
                boolean numeric = k.equals("epoch") || k.startsWith(Curves.TRAIN) || k.startsWith(Curves.VAL);
                if (numeric && kv.getValue() != null && !(kv.getValue() instanceof Number)) {
                    throw new IllegalArgumentException("epochs[" + i + "]." + Excerpt.of(k) + " must be a number, got "
                            + shown(kv.getValue()));
                }
            }
        }
        if (run.containsKey("best_epoch") && run.get("best_epoch") != null && !(run.get("best_epoch") instanceof Number)) {
            throw new IllegalArgumentException("\"best_epoch\" must be a number, got " + shown(run.get("best_epoch")));
        }
        if (run.get("test") instanceof Map<?, ?> test) {
            checkTest(test);
        } else if (run.get("test") != null) {
            throw new IllegalArgumentException("\"test\" must be an object, got " + shown(run.get("test")));
        }
    }

    private static void checkTest(Map<?, ?> test) {
        int classes = -1;
        if (test.get("confusion_matrix") != null) {
            if (!(test.get("confusion_matrix") instanceof List<?> m)) {
                throw new IllegalArgumentException("test.confusion_matrix must be a list of rows, got "
                        + shown(test.get("confusion_matrix")));
            }
            classes = m.size();
            for (int r = 0; r < m.size(); r++) {
                if (!(m.get(r) instanceof List<?> row) || row.size() != m.size()
                        || !row.stream().allMatch(v -> v instanceof Long n && n >= 0)) {
                    throw new IllegalArgumentException("test.confusion_matrix[" + r + "] must be " + m.size()
                            + " counts (whole numbers >= 0), got " + shown(m.get(r)));
                }
            }
        }
        for (String k : List.of("precision", "recall", "f1", "support")) {
            Object v = test.get(k);
            if (v == null) {
                continue;
            }
            if (!(v instanceof List<?> l) || !l.stream().allMatch(x -> x instanceof Number)) {
                throw new IllegalArgumentException("test." + k + " must be a list of numbers, got " + shown(v));
            }
            if (classes >= 0 && l.size() != classes) {
                throw new IllegalArgumentException("test." + k + " has " + l.size() + " values for " + classes + " classes");
            }
            classes = l.size();
        }
    }

    private static String shown(Object v) {
        return v == null ? "nothing" : Excerpt.of(Json.writeCompact(v));
    }
}
