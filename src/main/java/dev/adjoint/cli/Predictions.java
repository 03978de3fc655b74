package dev.adjoint.cli;

import dev.adjoint.io.Json;
import dev.adjoint.train.Predictor;
import dev.adjoint.train.SavedModel;
import dev.adjoint.train.Task;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code predict --input}'s output: per input row (0-based) the predicted class and the
 * probability of each class, as a CSV table {@code row,prediction,p_<class>...} or a JSON array of
 * {@code {row, prediction, probabilities: {class: p}}}; with {@code --top K} only the K most probable
 * (CSV: {@code row,prediction,top1,p_top1,...,topK,p_topK}, JSON: K entries, most probable first;
 * ties in the order of the classes), the classes named as the checkpoint names them
 * (a binary model's two as well, the prediction the positive class when its probability is above
 * 0.5); for a regression model the predicted value, in the targets' units, shortest float32 text
 * that reads back exactly: {@code row,prediction} or {@code {row, prediction}}.
 */
final class Predictions {
    private Predictions() {}

    /** The CSV table of every class's probability. */
    static String csv(float[][] p, SavedModel.Settings s) {
        return csv(p, s, Integer.MAX_VALUE);
    }

    /**
     * The CSV table; with {@code top} below {@link Integer#MAX_VALUE}, the {@code min(top, classes)}
     * most probable classes of each row and their probabilities ({@code top1,p_top1,...}) in place
     * of every class's column.
     */
    static String csv(float[][] p, SavedModel.Settings s, int top) {
        StringBuilder b = new StringBuilder("row,prediction");
        if (s.task().kind() == Task.Kind.REGRESSION) {
            b.append('\n');
            for (int r = 0; r < p.length; r++) {
                b.append(r).append(',').append(Float.toString(p[r][0])).append('\n');
            }
            return b.toString();
        }
        if (top != Integer.MAX_VALUE) {
            int k = Math.min(top, s.classes());
            for (int i = 1; i <= k; i++) {
                b.append(",top").append(i).append(",p_top").append(i);
            }
            b.append('\n');
            for (int r = 0; r < p.length; r++) {
                b.append(r).append(',').append(quoted(s.className(Predictor.argmax(p[r]))));
                Integer[] order = order(p[r]);
                for (int i = 0; i < Math.min(k, order.length); i++) {
                    b.append(',').append(quoted(s.className(order[i]))).append(',')
                            .append(String.format(Locale.ROOT, "%.6f", p[r][order[i]]));
                }
                b.append('\n');
            }
            return b.toString();
        }
        for (int c = 0; c < s.classes(); c++) {
            b.append(',').append(quoted("p_" + s.className(c)));
        }
        b.append('\n');
        for (int r = 0; r < p.length; r++) {
            b.append(r).append(',').append(quoted(s.className(Predictor.argmax(p[r]))));
            for (float v : p[r]) {
                b.append(',').append(String.format(Locale.ROOT, "%.6f", v));
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** The JSON array; each row's probabilities most probable first, only the {@code top} most probable. */
    static String json(float[][] p, SavedModel.Settings s, int top) {
        List<Object> rows = new ArrayList<>(p.length);
        for (int r = 0; r < p.length; r++) {
            float[] q = p[r];
            if (s.task().kind() == Task.Kind.REGRESSION) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("row", (long) r);
                row.put("prediction", Double.parseDouble(Float.toString(q[0])));
                rows.add(row);
                continue;
            }
            Integer[] order = order(q);
            Map<String, Object> probabilities = new LinkedHashMap<>();
            for (int i = 0; i < Math.min(top, q.length); i++) {
                probabilities.put(s.className(order[i]), Double.parseDouble(String.format(Locale.ROOT, "%.6f", q[order[i]])));
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("row", (long) r);
            row.put("prediction", s.className(Predictor.argmax(q)));
            row.put("probabilities", probabilities);
            rows.add(row);
        }
        return Json.write(rows) + "\n";
    }

    /** The classes of one row's probabilities {@code q}, most probable first; ties keep the classes' order (a stable sort). */
    private static Integer[] order(float[] q) {
        Integer[] order = new Integer[q.length];
        Arrays.setAll(order, i -> i);
        Arrays.sort(order, (a, b) -> Float.compare(q[b], q[a]));
        return order;
    }

    /** A CSV field: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
    private static String quoted(String field) {
        return field.matches("(?s).*[,\"\\r\\n].*") ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
    }
}
