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
 * A command that declares its options ({@link Option}) gets its {@code --help} text from the same
 * table ({@link Usage}), defaults included, and an unknown option or a stray word is refused naming
 * the closest option it has.
 */
final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final List<String> flags;
    private final String command;
    private final List<Option> options;
    private String missingValue;

    /**
     * One option of a command, as its {@code --help} shows it: {@code --name VALUE  help (default:
     * fallback)}. {@code value} null means a flag (no value); {@code fallback} is the value used when
     * the option is not given, as it would be typed: "" shows as "none" (the option is off unless
     * given), and null shows nothing (the help says what happens instead).
     */
    record Option(String name, String value, String fallback, String help) {
        static Option flag(String name, String help) {
            return new Option(name, null, null, help);
        }

        /** Not an option: a heading over the options after it, in the usage text. */
        static Option section(String title) {
            return new Option(null, null, null, title);
        }

        boolean isSection() {
            return name == null;
        }

        /** The option's lines in a usage text: its name and value, padded to {@code width}, then its help, wrapped. */
        String line(int width) {
            String left = "  --" + name + (value == null ? "" : " " + value);
            String text = help + " (default: " + (value == null ? "off" : fallback == null ? "" : fallback.isEmpty() ? "none"
                    : fallback) + ")";
            if (value != null && fallback == null) {
                text = help;   // the help says what happens without it
            }
            StringBuilder b = new StringBuilder(left).append(" ".repeat(Math.max(2, width - left.length())));
            int column = Math.max(width, left.length() + 2);
            int at = column;
            for (String word : text.split(" ")) {
                if (at > column && at + 1 + word.length() > Usage.WRAP) {
                    b.append('\n').append(" ".repeat(column));
                    at = column;
                } else if (at > column) {
                    b.append(' ');
                    at++;
                }
                b.append(word);
                at += word.length();
            }
            return b.toString();
        }
    }

    /** The options of {@code command} (e.g. "train") in {@code args} from index {@code from}, as {@code options} declares them. */
    Args(String command, String[] args, int from, List<Option> options) {
        this(args, from, options.stream().filter(o -> !o.isSection() && o.value() == null).map(Option::name).toList(),
                command, options.stream().filter(o -> !o.isSection()).toList());
    }

    /** @param flags options that take no value */
    Args(String[] args, int from, List<String> flags) {
        this(args, from, flags, null, List.of());
    }

    private Args(String[] args, int from, List<String> flags, String command, List<Option> options) {
        this.flags = flags;
        this.command = command;
        this.options = options;
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

    private Args(List<String> flags, String command, List<Option> options) {
        this.flags = flags;
        this.command = command;
        this.options = options;
    }

    /** These options, and for each one not given, its value in {@code fallbacks} (a resumed run's settings). */
    Args withFallbacks(Map<String, String> fallbacks) {
        Args a = new Args(flags, command, options);
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

    /** The option's text, else its declared default (null when it has none, or it is "", none). */
    String get(String name) {
        String f = declared(name).fallback();
        return get(name, f == null || f.isEmpty() ? null : f);
    }

    /** The option's declared default, as typed. */
    private String fallback(String name) {
        String f = declared(name).fallback();
        if (f == null) {
            throw new IllegalStateException("option --" + name + " of " + command + " declares no default");
        }
        return f;
    }

    private Option declared(String name) {
        for (Option o : options) {
            if (o.name().equals(name)) {
                return o;
            }
        }
        throw new IllegalStateException((command == null ? "this command" : command) + " declares no option --" + name);
    }

    /** An int in [{@code min}, {@code max}], by default the declared one. */
    int intValue(String name, int min, int max) {
        return intValue(name, (int) integer("the default of --" + name, fallback(name), min, max), min, max);
    }

    /** An integer in [{@code min}, {@code max}], by default the declared one. */
    long integer(String name, long min, long max) {
        return integer(name, integer("the default of --" + name, fallback(name), min, max), min, max);
    }

    /** A finite number in {@code range}, by default the declared one. */
    double number(String name, Range range) {
        return number(name, Double.parseDouble(fallback(name)), range);
    }

    /** A float32 in {@code range} (see {@link #float32(String, float, Range)}), by default the declared one. */
    float float32(String name, Range range) {
        return float32(name, Float.parseFloat(fallback(name)), range);
    }

    /** The option's text, which may be empty (e.g. {@code --hidden ""}: no hidden layer). */
    String getOrEmpty(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    /** The option's text, which may be empty, else its declared default. */
    String getOrEmpty(String name) {
        return getOrEmpty(name, fallback(name));
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

    /** Fails on any option the command does not declare, on a value given to a flag, and on any word that is not an option. */
    void allow() {
        allow(options.stream().map(Option::name).toList());
    }

    /** Fails on any option not in {@code known}, on a value given to a flag, and on any word that is not an option. */
    void allow(List<String> known) {
        for (String k : values.keySet()) {
            if (!known.contains(k)) {
                String close = Usage.closest(k, known);
                throw new UsageException("unknown option --" + Excerpt.of(k) + (close != null ? "; did you mean --" + close + "?"
                        : known.isEmpty() ? " (" + who() + " has none)" : "; " + helpHint(known)));
            }
        }
        if (missingValue != null) {
            String value = options.stream().filter(o -> o.name().equals(missingValue)).map(Option::value).findFirst()
                    .orElse(null);
            throw new UsageException("option --" + missingValue + " needs a value" + (value == null ? "" : ": " + value));
        }
        if (!positional.isEmpty()) {
            String p = positional.getFirst();
            String name = p.replaceFirst("^-+", "");
            if (p.startsWith("-") && !name.isEmpty()) {
                String close = Usage.closest(name, known);
                throw new UsageException("unknown option " + Excerpt.of(p) + (close != null ? "; did you mean --" + close + "?"
                        : "; options start with two dashes (" + helpHint(known) + ")"));
            }
            throw new UsageException("unexpected argument '" + Excerpt.of(p) + "': " + who()
                    + " takes only options, which start with --" + (known.isEmpty() ? "" : " (" + helpHint(known) + ")"));
        }
        for (String f : flags) {
            flag(f);
        }
    }

    /**
     * As {@link #allow()}, but for a command that takes one word that is not an option, its
     * {@code what} ("RUN"): that word, or null when none was given; a second one is refused.
     */
    String allowOne(String what) {
        String word = positional.isEmpty() || positional.getFirst().matches("-.+") ? null : positional.removeFirst();
        if (word != null && !positional.isEmpty() && !positional.getFirst().matches("-.+")) {
            throw new UsageException("unexpected argument '" + Excerpt.of(positional.getFirst()) + "': " + who()
                    + " takes one " + what + " and options, which start with --");
        }
        allow();
        return word;
    }

    private String who() {
        return command == null ? "this command" : "'" + command + "'";
    }

    /** Where the options are listed: the command's --help, or the list itself for a command that declares none. */
    private String helpHint(List<String> known) {
        return command != null ? "'adjoint " + command + " --help' lists them" : "known: --" + String.join(", --", known);
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
