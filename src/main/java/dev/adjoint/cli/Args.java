package dev.adjoint.cli;

import dev.adjoint.io.Excerpt;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --name value}, {@code --name=value} and {@code --flag} options after a command. Every
 * value is checked where it is read: a number is parsed whole (no wrap-around: {@code 4294967297}
 * is not 1) and must lie in the option's range, and an error names the option and the text typed.
 */
final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final List<String> flags;
    private String missingValue;

    /** @param flags options that take no value */
    Args(String[] args, int from, List<String> flags) {
        this.flags = flags;
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    values.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (flags.contains(name)) {
                    values.put(name, "true");
                } else if (i + 1 < args.length) {
                    values.put(name, args[++i]);
                } else {
                    missingValue = name;   // reported by allow(), after any unknown option
                    values.put(name, "");
                }
            } else {
                positional.add(a);
            }
        }
    }

    private Args(List<String> flags) {
        this.flags = flags;
    }

    /** These options, and for each one not given, its value in {@code fallbacks} (a resumed run's settings). */
    Args withFallbacks(Map<String, String> fallbacks) {
        Args a = new Args(flags);
        a.missingValue = missingValue;
        a.values.putAll(fallbacks);
        a.values.putAll(values);
        a.positional.addAll(positional);
        return a;
    }

    /** Whether the option was given at all. */
    boolean has(String name) {
        return values.containsKey(name);
    }

    /** The option's text; an empty one is an error (a {@code --device ""} is a mistake, not the default). */
    String get(String name, String fallback) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        if (v.isBlank()) {
            throw new UsageException("--" + name + " needs a value, got an empty one");
        }
        return v;
    }

    /** The option's text, which may be empty (e.g. {@code --hidden ""}: no hidden layer). */
    String getOrEmpty(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** A flag: absent, {@code --name}, {@code --name=true} or {@code --name=false}; anything else is an error. */
    boolean flag(String name) {
        String v = values.get(name);
        if (v == null) {
            return false;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException("--" + name + " takes no value (or =true / =false), got '"
                    + Excerpt.of(v) + "'");
        };
    }

    /** An integer in [{@code min}, {@code max}]. */
    long integer(String name, long fallback, long min, long max) {
        String v = values.get(name);
        return v == null ? fallback : integer("--" + name, v, min, max);
    }

    /** An int in [{@code min}, {@code max}] (both within int's range). */
    int intValue(String name, int fallback, int min, int max) {
        return (int) integer(name, fallback, min, max);
    }

    /** {@code text} as an integer in [{@code min}, {@code max}], else a usage error naming {@code what}. */
    static long integer(String what, String text, long min, long max) {
        long x;
        try {
            x = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            boolean huge = text.trim().matches("[-+]?\\d+");
            throw new UsageException(what + " must be an integer" + range(min, max) + ", got '" + Excerpt.of(text) + "'"
                    + (huge ? " (past the largest integer)" : ""));
        }
        if (x < min || x > max) {
            throw new UsageException(what + " must be an integer" + range(min, max) + ", got " + x);
        }
        return x;
    }

    private static String range(long min, long max) {
        if (max == Long.MAX_VALUE) {
            return min == Long.MIN_VALUE ? "" : " >= " + min;
        }
        return " from " + min + " to " + max;
    }

    /** A finite number in {@code range}. */
    double number(String name, double fallback, Range range) {
        String v = values.get(name);
        if (v == null) {
            return fallback;
        }
        double x;
        try {
            x = Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            x = Double.NaN;
        }
        if (!Double.isFinite(x) || !range.contains(x)) {
            throw new UsageException("--" + name + " must be a number " + range + ", got '" + Excerpt.of(v) + "'"
                    + range.hint(x));
        }
        return x;
    }

    /**
     * A number in {@code range} that float32 holds as typed: finite, and not rounded to 0 or to the
     * edge of the range ({@code --lr 1e-50} would train at 0, {@code --dropout 0.99999999999} at 1).
     */
    float float32(String name, float fallback, Range range) {
        double x = number(name, fallback, range);
        float f = (float) x;
        if (!Float.isFinite(f) || (x != 0 && f == 0) || !range.contains(f)) {
            throw new UsageException("--" + name + " must be a number " + range + " that a float32 holds, got '"
                    + Excerpt.of(values.get(name)) + "' (" + f + " as a float32)");
        }
        return f;
    }

    /**
     * An interval of valid values: {@code lo} and {@code hi} with whether each end is included.
     * {@code hint} adds advice for a likely mistake (a percentage where a fraction belongs).
     */
    record Range(double lo, boolean loIncluded, double hi, boolean hiIncluded, String percentHint) {
        static final Range POSITIVE = new Range(0, false, Double.POSITIVE_INFINITY, false, null);
        static final Range NON_NEGATIVE = new Range(0, true, Double.POSITIVE_INFINITY, false, null);
        static final Range FRACTION = new Range(0, true, 1, true, "write a percentage as a fraction: 0.9 for 90%");
        static final Range PROBABILITY_BELOW_ONE = new Range(0, true, 1, false, null);

        boolean contains(double x) {
            return (loIncluded ? x >= lo : x > lo) && (hiIncluded ? x <= hi : x < hi);
        }

        String hint(double x) {
            return percentHint != null && x > 1 && x <= 100 ? " (" + percentHint + ")" : "";
        }

        @Override
        public String toString() {
            if (hi == Double.POSITIVE_INFINITY) {
                return (loIncluded ? ">= " : "> ") + fmt(lo);
            }
            return "in " + (loIncluded ? "[" : "(") + fmt(lo) + ", " + fmt(hi) + (hiIncluded ? "]" : ")");
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }

    List<String> positional() {
        return positional;
    }

    /** Fails on any option not in {@code known}, on a value given to a flag, and on any word that is not an option. */
    void allow(List<String> known) {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                throw new UsageException("unknown option --" + Excerpt.of(k) + (known.isEmpty() ? " (this command has none)"
                        : " (known: --" + String.join(", --", known) + ")"));
            }
        }
        if (missingValue != null) {
            throw new UsageException("option --" + missingValue + " needs a value");
        }
        if (!positional.isEmpty()) {
            String p = positional.getFirst();
            throw new UsageException("unexpected argument '" + Excerpt.of(p) + "'" + (p.startsWith("-")
                    ? "; options start with two dashes: -" + Excerpt.of(p) : "; options start with --"));
        }
        for (String f : flags) {
            flag(f);
        }
    }

    /** Fails when more than one of {@code options} was given. */
    void exclusive(String... options) {
        List<String> given = new ArrayList<>();
        for (String o : options) {
            if (values.containsKey(o)) {
                given.add("--" + o);
            }
        }
        if (given.size() > 1) {
            throw new UsageException(String.join(" and ", given) + " cannot be used together; choose one");
        }
    }

    /** A mistake in how the command was called: printed as one line, exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
