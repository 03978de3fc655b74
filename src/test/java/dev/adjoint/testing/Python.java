package dev.adjoint.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Python that tests compare against: {@code -Dadjoint.test.python=...}, else the environment
 * variable {@code ADJOINT_TEST_PYTHON}, else {@code python3} on the PATH. CI's python3 has numpy
 * but not PyTorch; a test that needs a module skips itself, naming the interpreter and what is
 * missing. For example, with the PyTorch venv of TOOLCHAIN.md:
 * {@code ADJOINT_TEST_PYTHON=/tmp/V/bin/python ./adjoint test}.
 */
public final class Python {
    /** The system property that names the interpreter. */
    public static final String PROPERTY = "adjoint.test.python";
    /** The environment variable that names it where the property is not set. */
    public static final String VARIABLE = "ADJOINT_TEST_PYTHON";

    private Python() {}

    /** What a script printed and returned. */
    public record Result(int code, String out) {}

    /** The interpreter to run. */
    public static String command() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            p = System.getenv(VARIABLE);
        }
        return p == null || p.isBlank() ? "python3" : p.strip();
    }

    /** Skips the calling test, with the reason, unless {@link #command} runs and imports every one of {@code modules}. */
    public static void assumeModules(String... modules) throws InterruptedException {
        String code = "import " + String.join(", ", modules);
        String why;
        try {
            Result r = run(List.of("-c", code), 120);
            why = r.code() == 0 ? null : command() + " cannot " + code + " (set -D" + PROPERTY + " or " + VARIABLE
                    + " to a Python that can): " + r.out().strip();
        } catch (IOException e) {
            why = "no Python at " + command() + " (set -D" + PROPERTY + " or " + VARIABLE + "): " + e.getMessage();
        }
        assumeTrue(why == null, why);
    }

    /** Runs {@link #command} with {@code args}, stdout and stderr together, killed after {@code seconds} (code -1). */
    public static Result run(List<String> args, long seconds) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(command()));
        cmd.addAll(args);
        Path out = Files.createTempFile("adjoint-python", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean done = p.waitFor(seconds, TimeUnit.SECONDS);
            if (!done) {
                p.destroyForcibly().waitFor();
            }
            return new Result(done ? p.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
