package dev.adjoint.train;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a run computes, as a checkpoint records it under {@code "run"}: the model, the loss, the
 * optimizer and its hyper-parameters (at the base learning rate), the schedule, batch size, seed,
 * clipping and the planned epochs; and, under {@code "data"}, the shape of the training data. A
 * resumed run must compute what the checkpoint's did: {@link #checkResume} refuses any difference
 * but two. More epochs than planned is how a run is extended; a schedule whose length follows the
 * epochs then spans a new length, which is said (the learning rate from there on is not what one
 * uninterrupted run of the new length would have used).
 */
final class RunRecord {
    static final String RUN = "run";
    static final String DATA = "data";

    private RunRecord() {}

    /**
     * The run record of a checkpoint written before runs were recorded: what its config already
     * held (model, optimizer, batch size, seed); the other fields cannot be checked.
     */
    static Map<String, Object> of(Map<String, Object> checkpointConfig) {
        if (checkpointConfig.get(RUN) instanceof Map<?, ?> run) {
            return cast(run);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        for (String k : List.of("model", "optimizer", "batch_size", "seed")) {
            if (checkpointConfig.containsKey(k)) {
                r.put(k, checkpointConfig.get(k));
            }
        }
        if (r.get("optimizer") instanceof Map<?, ?> opt) {
            Map<String, Object> o = new LinkedHashMap<>(cast(opt));
            o.remove("lr");     // the scheduled rate at the save, not the base rate
            o.remove("steps");
            r.put("optimizer", o);
        }
        return r;
    }

    /**
     * Refuses a resumed run whose record differs from the checkpoint's in anything but the planned
     * epochs and the length of the schedule; returns a note when the schedule's length changed
     * (null otherwise).
     */
    static String checkResume(Path dir, Map<String, Object> saved, Map<String, Object> now) {
        String note = null;
        for (Map.Entry<String, Object> e : saved.entrySet()) {
            String key = e.getKey();
            if (key.equals("epochs") || !now.containsKey(key)) {
                continue;
            }
            if (key.equals("schedule") && sameShape(e.getValue(), now.get(key))) {
                if (!same(e.getValue(), now.get(key))) {
                    note = "resume: the " + name(now.get(key)) + " learning-rate schedule of " + dir + " was planned for "
                            + saved.get("epochs") + " epochs and now spans " + now.get("epochs") + ": from here on the rate"
                            + " follows the new length, so the result differs from one uninterrupted run of either length";
                }
                continue;
            }
            String diff = firstDifference(key, e.getValue(), now.get(key));
            if (diff != null) {
                throw new IllegalArgumentException("resume: " + dir + " was trained with " + diff + "; a resumed run must"
                        + " compute what the checkpoint's did (change it in a new run, in another directory)");
            }
        }
        return note;
    }

    /** Refuses training data other than the checkpoint's: another number of features, classes, class labels or samples. */
    static void checkData(Path dir, Map<String, Object> saved, Map<String, Object> now) {
        for (String k : List.of("dims", "classes", "labels", "samples")) {
            if (saved.containsKey(k)) {
                String diff = firstDifference("data." + k, saved.get(k), now.get(k));
                if (diff != null) {
                    throw new IllegalArgumentException("resume: " + dir + " was trained on data '" + saved.get("name")
                            + "' with " + diff + " (data '" + now.get("name") + "'); resume on the data it was trained on");
                }
            }
        }
    }

    /** "path = X, and this run has Y" at the first leaf where {@code a} and {@code b} differ, or null. */
    private static String firstDifference(String path, Object a, Object b) {
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            List<Object> keys = new ArrayList<>(ma.keySet());   // what the checkpoint recorded is what can be checked
            if (keys.remove("name")) {
                keys.addFirst("name");    // "schedule.name = cosine, and this run has constant" says more than its floor
            }
            for (Object k : keys) {
                String d = firstDifference(path + "." + k, ma.get(k), mb.get(k));
                if (d != null) {
                    return d;
                }
            }
            return null;
        }
        return same(a, b) ? null : path + " = " + a + ", and this run has " + b;
    }

    /** JSON equality, numbers by value (a checkpoint reads 0 back as a Long where the run has 0.0). */
    private static boolean same(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) {
            return x.longValue() == y.longValue();
        }
        if (a instanceof Number x && b instanceof Number y) {
            // hyper-parameters are float32: a checkpoint written before runs were recorded holds 0.9f as 0.8999999761581421
            return (float) x.doubleValue() == (float) y.doubleValue();
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            return firstDifference("", ma, mb) == null;
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if (la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!same(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        return Objects.equals(a, b);
    }

    /**
     * The same schedules whatever their lengths: the same names all the way down, and every
     * parameter equal but those the run's length sets (a cosine's {@code total_steps}, a step
     * schedule's {@code every}, an exponential's {@code gamma}).
     */
    private static boolean sameShape(Object a, Object b) {
        if (!(a instanceof Map<?, ?> ma) || !(b instanceof Map<?, ?> mb) || !Objects.equals(ma.get("name"), mb.get("name"))) {
            return false;
        }
        List<String> length = switch (String.valueOf(ma.get("name"))) {
            case "cosine" -> List.of("total_steps");
            case "step" -> List.of("every");
            case "exponential" -> List.of("gamma");
            default -> List.of();
        };
        java.util.Set<Object> keys = new java.util.HashSet<>(ma.keySet());
        keys.addAll(mb.keySet());
        for (Object k : keys) {
            boolean ok = k.equals("then") ? sameShape(ma.get(k), mb.get(k)) : length.contains(k) || same(ma.get(k), mb.get(k));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** A schedule's names, outermost first: "warmup + cosine". */
    private static String name(Object schedule) {
        if (!(schedule instanceof Map<?, ?> m)) {
            return String.valueOf(schedule);
        }
        return m.get("name") + (m.containsKey("then") ? " + " + name(m.get("then")) : "");
    }

    /** A checkpoint config's recorded training data ({@value #DATA}), or null when it has none. */
    static Map<String, Object> data(Map<String, Object> cfg) {
        return cfg.get(DATA) instanceof Map<?, ?> d ? cast(d) : null;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
