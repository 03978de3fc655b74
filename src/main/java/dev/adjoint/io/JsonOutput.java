package dev.adjoint.io;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * Where a {@code --json} option sends its document: a file, replaced whole ({@link AtomicFile}), or
 * standard output when the name is {@code -}. While a command writes JSON to standard output
 * ({@link #toStandardOutput}), everything else it prints goes to standard error, so that what a pipe
 * reads ({@code adjoint devices --json - | jq .}) is the JSON document alone.
 */
public final class JsonOutput {
    /** The name that means standard output. */
    public static final String STDOUT = "-";
    /** Standard output as it was before {@link #toStandardOutput} sent {@code System.out} to standard error. */
    private static volatile PrintStream stdout;

    private JsonOutput() {}

    /** Whether {@code target} names standard output. */
    public static boolean isStdout(Path target) {
        return target.toString().equals(STDOUT);
    }

    /** Checks, before any work, that {@code target} can be written (see {@link AtomicFile#checkWritable}); standard output can. */
    public static void checkWritable(Path target, String option) {
        if (!isStdout(target)) {
            AtomicFile.checkWritable(target, option);
        }
    }

    /** Writes {@code json} to {@code target}: the file, replaced whole, or standard output. */
    public static void write(Path target, String json) {
        if (!isStdout(target)) {
            AtomicFile.writeString(target, json);
            return;
        }
        PrintStream out = stdout != null ? stdout : System.out;
        out.print(json.endsWith("\n") ? json : json + "\n");
        out.flush();
    }

    /**
     * Runs {@code command} with {@code System.out} sent to standard error, keeping standard output
     * for the JSON that {@link #write} sends to {@code -}; restores both after.
     */
    public static int toStandardOutput(IntSupplier command) {
        PrintStream out = System.out;
        PrintStream previous = stdout;
        stdout = out;
        System.setOut(System.err);
        try {
            return command.getAsInt();
        } finally {
            System.setOut(out);
            stdout = previous;
        }
    }

    /** Whether a command line asks for JSON on standard output: {@code --json -} or {@code --json=-}. */
    public static boolean requested(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--json=" + STDOUT) || (args[i].equals("--json") && i + 1 < args.length
                    && args[i + 1].equals(STDOUT))) {
                return true;
            }
        }
        return false;
    }
}
