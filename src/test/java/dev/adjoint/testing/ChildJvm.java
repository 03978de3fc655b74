package dev.adjoint.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a child JVM (the CLI, {@code dev.adjoint.cli.Main}, or any main class) with this JVM's java
 * and class path, bounded in time, its output going to files (reading pipes first would block on a child
 * that hangs). {@code shell}, when given, is a bash prefix such as {@code ulimit -f 1;}.
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** What the child printed and returned; {@code timedOut} when it was killed at the deadline. */
    public record Result(int code, String out, String err, boolean timedOut) {}

    /** A started child, to wait for or kill. */
    public record Running(Process process, Path out, Path err) {
        public Result await(long seconds) throws IOException, InterruptedException {
            boolean finished = process.waitFor(seconds, TimeUnit.SECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
            }
            return new Result(finished ? process.exitValue() : -1, Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), !finished);
        }
    }

    /** The options every Adjoint JVM runs with (as the launcher gives them; {@code QuietRunsTest} compares). */
    public static final List<String> ADJOINT_OPTIONS = List.of("--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
            "-Dorg.lwjgl.opencl.libname=libOpenCL.so.1");

    /**
     * The JVM options a launcher script passes: the words after {@code .../bin/java"} on its
     * {@code exec} line (backslash-continued lines joined), up to {@code ${ADJOINT_JAVA_OPTS:-}}.
     */
    public static List<String> launcherOptions(Path script) throws IOException {
        String text = Files.readString(script, StandardCharsets.UTF_8).replace("\\\n", " ");
        for (String line : text.split("\n")) {
            List<String> words = List.of(line.trim().split("\\s+"));
            int end = words.indexOf("${ADJOINT_JAVA_OPTS:-}");
            if (words.get(0).equals("exec") && end > 1 && words.get(1).endsWith("/bin/java\"")) {
                return words.subList(2, end);
            }
        }
        throw new IllegalStateException(script + " has no line 'exec \".../bin/java\" OPTIONS ${ADJOINT_JAVA_OPTS:-} ...'");
    }

    /** The command line of a child JVM running {@code mainClass} with exactly {@code jvmOptions}, this class path and {@code args}. */
    public static List<String> java(List<String> jvmOptions, String mainClass, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The command line of a child JVM running the CLI ({@code Main}) with {@code args}, the standard options and {@code extra}. */
    public static List<String> command(List<String> extra, String... args) {
        List<String> options = new ArrayList<>(ADJOINT_OPTIONS);
        options.addAll(extra);
        return java(options, "dev.adjoint.cli.Main", args);
    }

    /**
     * Starts {@code command} (through bash with {@code shell} first when it is not empty) in
     * {@code dir}, its environment this one's as {@code env} changes it.
     */
    public static Running start(Path dir, String shell, Consumer<Map<String, String>> env, List<String> command)
            throws IOException {
        List<String> cmd = command;
        if (!shell.isEmpty()) {
            StringBuilder line = new StringBuilder(shell).append(" exec");
            for (String c : command) {
                line.append(" '").append(c.replace("'", "'\\''")).append('\'');
            }
            cmd = List.of("bash", "-c", line.toString());
        }
        Path out = Files.createTempFile(dir, "child", ".out");
        Path err = Files.createTempFile(dir, "child", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile());
        env.accept(pb.environment());
        return new Running(pb.start(), out, err);
    }

    /** Runs Main with {@code args} in {@code dir} and waits at most {@code seconds}. */
    public static Result run(Path dir, String shell, long seconds, String... args) throws IOException, InterruptedException {
        return start(dir, shell, e -> { }, command(List.of(), args)).await(seconds);
    }
}
