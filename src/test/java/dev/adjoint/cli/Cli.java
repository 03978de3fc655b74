package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

/**
 * Runs the command line in this JVM, capturing what it prints: what a person sees. The run
 * directories that {@code train} names itself go to one temporary {@code runs/} for the whole test
 * JVM (deleted when it exits), never into the working tree; {@link #runIn} gives a command its own.
 */
final class Cli {
    private Cli() {}

    /** The runs/ of every command run here without its own. */
    static final Path RUNS = sharedRuns();

    private static Path sharedRuns() {
        try {
            Path dir = Files.createTempDirectory("adjoint-test-runs");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            System.setProperty(Runs.PROPERTY, dir.toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory: what is left, the system cleans
        }
    }

    /** {@code base} followed by {@code more}: a test's usual command line with a few options added. */
    static String[] with(String[] base, String... more) {
        String[] a = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, a, base.length, more.length);
        return a;
    }

    /** Runs the command line with {@code runs} as its runs/ directory. */
    static synchronized Run runIn(Path runs, String... args) {
        String before = System.getProperty(Runs.PROPERTY);
        System.setProperty(Runs.PROPERTY, runs.toString());
        try {
            return run(args);
        } finally {
            System.setProperty(Runs.PROPERTY, before);
        }
    }

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
        /** The stderr lines. */
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
        }

        /** The path on the stdout line "{@code label}: PATH (...)", e.g. "run directory: runs/x (checkpoints; ...)". */
        Path printed(String label) {
            String line = out.lines().filter(l -> l.startsWith(label + ": ")).findFirst().orElseThrow(
                    () -> new AssertionError("no '" + label + ": ' line in:\n" + out));
            return Path.of(line.substring(label.length() + 2, line.indexOf(" (")));
        }
    }

    static synchronized Run run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        int code;
        try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
             PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
            System.setOut(po);
            System.setErr(pe);
            code = Main.run(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    }

    /** The run failed with {@code code} and one stderr line, "adjoint: ..." holding every part, and no stack trace. */
    static Run oneLine(int code, List<String> parts, String... args) {
        Run r = run(args);
        String cmd = String.join(" ", args);
        assertEquals(code, r.code(), cmd + " exit code; stderr: " + r.err());
        assertEquals(1, r.errLines().size(), cmd + ": one line expected, got:\n" + r.err());
        String line = r.errLines().getFirst();
        assertTrue(line.startsWith("adjoint: "), line);
        assertFalse(r.err().contains("\tat ") || r.out().contains("\tat "), cmd + " printed a stack trace:\n" + r.err());
        for (String p : parts) {
            assertTrue(line.contains(p), cmd + ": '" + p + "' missing from: " + line);
        }
        return r;
    }
}
