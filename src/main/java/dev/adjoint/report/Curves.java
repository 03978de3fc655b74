package dev.adjoint.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The training curves in a run's JSON: for each metric {@code M} that some epoch records as
 * {@code train_M} or {@code val_M} (a number), the training series and the validation series over
 * the epochs, whatever the task measures (loss and accuracy today; AUC or RMSE for other tasks).
 * Loss comes first, then the metrics measured on the training batches too (the task's main one),
 * then those measured on the validation split only, each group in the order the epochs hold them.
 */
record Curves(List<Curve> curves, LineChart.Mark best) {
    static final String TRAIN = "train_";
    static final String VAL = "val_";

    /** One metric's curves; a series is null when no epoch records it. */
    record Curve(String metric, LineChart.Series train, LineChart.Series validation) {
        List<LineChart.Series> series() {
            List<LineChart.Series> s = new ArrayList<>();
            if (train != null) {
                s.add(train);
            }
            if (validation != null) {
                s.add(validation);
            }
            return s;
        }

        /** The chart: "loss", "accuracy", … over the epochs, train against validation, with the best epoch marked. */
        String svg(LineChart.Mark best) {
            return LineChart.svg(metric.replace('_', ' '), "epoch", metric, series(), best);
        }
    }

    /** The curves of {@code run} (checked by {@link RunReport#check}). */
    static Curves of(Map<String, Object> run) {
        List<Map<?, ?>> epochs = epochs(run);
        double[] x = new double[epochs.size()];
        Map<String, Boolean> metrics = new LinkedHashMap<>();   // name -> has a train series
        for (int i = 0; i < epochs.size(); i++) {
            Map<?, ?> e = epochs.get(i);
            x[i] = e.get("epoch") instanceof Number n ? n.doubleValue() : i + 1;
            for (Map.Entry<?, ?> kv : e.entrySet()) {
                String k = String.valueOf(kv.getKey());
                if (kv.getValue() instanceof Number && (k.startsWith(TRAIN) || k.startsWith(VAL))) {
                    String m = k.substring(k.indexOf('_') + 1);
                    metrics.merge(m, k.startsWith(TRAIN), Boolean::logicalOr);
                }
            }
        }
        List<Curve> curves = new ArrayList<>();
        List<String> order = new ArrayList<>(metrics.keySet());
        order.sort((a, b) -> Integer.compare(rank(a, metrics), rank(b, metrics)));   // stable: ties keep their order
        for (String m : order) {
            curves.add(new Curve(m, series("train", TRAIN + m, x, epochs, 0), series("validation", VAL + m, x, epochs, 1)));
        }
        return new Curves(curves, best(run, x, epochs));
    }

    private static int rank(String metric, Map<String, Boolean> metrics) {
        return metric.equals("loss") ? 0 : metrics.get(metric) ? 1 : 2;
    }

    @SuppressWarnings("unchecked")
    static List<Map<?, ?>> epochs(Map<String, Object> run) {
        return run.get("epochs") instanceof List<?> l ? (List<Map<?, ?>>) l : List.of();
    }

    private static LineChart.Series series(String name, String key, double[] x, List<Map<?, ?>> epochs, int style) {
        double[] y = new double[x.length];
        boolean any = false;
        for (int i = 0; i < y.length; i++) {
            y[i] = epochs.get(i).get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
            any |= !Double.isNaN(y[i]);
        }
        return any ? new LineChart.Series(name, x, y, style) : null;
    }

    /**
     * The best epoch: {@code best_epoch}, which the run writes at its end; before that, the epoch
     * whose {@code monitor.metric} is best so far (lowest for {@code "mode": "min"}, the first of
     * equals); null when neither is known.
     */
    private static LineChart.Mark best(Map<String, Object> run, double[] x, List<Map<?, ?>> epochs) {
        String metric = run.get("monitor") instanceof Map<?, ?> m && m.get("metric") instanceof String s ? s : null;
        String label = metric == null ? "" : " (" + metric + ")";
        if (run.get("best_epoch") instanceof Number n && n.longValue() > 0) {
            return new LineChart.Mark(n.doubleValue(), "best epoch " + n.longValue() + label);
        }
        if (metric == null) {
            return null;
        }
        boolean min = run.get("monitor") instanceof Map<?, ?> m && "min".equals(m.get("mode"));
        int best = -1;
        double bestValue = Double.NaN;
        for (int i = 0; i < epochs.size(); i++) {
            if (epochs.get(i).get(metric) instanceof Number n && !Double.isNaN(n.doubleValue())
                    && (best < 0 || (min ? n.doubleValue() < bestValue : n.doubleValue() > bestValue))) {
                best = i;
                bestValue = n.doubleValue();
            }
        }
        return best < 0 ? null : new LineChart.Mark(x[best], "best epoch " + Svg.plain(x[best]) + label);
    }
}
