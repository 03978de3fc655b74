package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Runs the command line in this JVM, capturing what it prints: what a person sees. */
final class Cli {
    private Cli() {}

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
        /** The stderr lines. */
        List<String> errLines() {
            return err.isEmpty() ? List.of() : List.of(err.split("\n"));
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
