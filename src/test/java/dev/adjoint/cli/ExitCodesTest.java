package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Checkpoint;
import dev.adjoint.io.DirectoryLock;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One test per row of the exit-code table (README "When things go wrong", src/site/markdown/errors.md, Main's
 * class comment):
 * 0 done; 1 the run could not be done (a file, a device, divergence, a held directory, an output
 * that cannot be written); 2 the command line is wrong; 3 a bug.
 */
class ExitCodesTest {
    @TempDir
    Path tmp;

    private static final String[] TINY = {"train", "--data", "spiral", "--hidden", "4", "--epochs", "1"};

    private static String[] tiny(String... more) {
        return Cli.with(TINY, more);
    }

    @Test
    void zeroWhenTheRunIsDone() {
        Cli.Run r = Cli.run(tiny());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("final test accuracy"), r.out());
    }

    @Test
    void oneForAFileThatIsMissingOrDoesNotMatchItsConfig() throws IOException {
        Cli.oneLine(1, List.of("model.safetensors does not exist"), "eval", "--checkpoint", tmp.resolve("none").toString());
        Path dir = tmp.resolve("ck");
        assertEquals(0, Cli.run(tiny("--checkpoint", dir.toString())).code());
        // the config says 4 hidden units; a model file with 5 does not belong to it
        Path other = tmp.resolve("other");
        assertEquals(0, Cli.run("train", "--data", "spiral", "--hidden", "5", "--epochs", "1", "--checkpoint",
                other.toString()).code());
        Files.copy(other.resolve(Checkpoint.MODEL), dir.resolve(Checkpoint.MODEL), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.copy(dir.resolve("best").resolve(Checkpoint.CONFIG), dir.resolve(Checkpoint.CONFIG),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Cli.Run r = Cli.run("eval", "--data", "spiral", "--checkpoint", dir.toString());
        assertEquals(1, r.code(), r.err());
    }

    @Test
    void oneForADeviceThatCannotRun() {
        Cli.oneLine(1, List.of("opencl"), tiny("--device", "opencl:99"));
    }

    @Test
    void oneForADivergedRun() {
        Cli.oneLine(1, List.of("training diverged"), tiny("--lr", "1e6"));
    }

    @Test
    void oneForADirectoryAnotherRunHolds() {
        Path dir = tmp.resolve("held");
        try (DirectoryLock held = DirectoryLock.acquire(dir, "checkpoints")) {
            Cli.oneLine(1, List.of(dir + " is in use: another run (process " + ProcessHandle.current().pid()),
                    tiny("--checkpoint", dir.toString()));
        }
        assertEquals(0, Cli.run(tiny("--checkpoint", dir.toString())).code(), "released when the holder closes");
    }

    @Test
    void oneForAnOutputThatCannotBeWrittenBeforeAnyTraining() throws IOException {
        Path file = Files.writeString(tmp.resolve("plain.txt"), "x");
        Cli.Run r = Cli.oneLine(1, List.of("--json " + file.resolve("out.json") + " cannot be written: " + file
                        + " is a file, not a directory"),
                tiny("--json", file.resolve("out.json").toString()));
        assertTrue(!r.out().contains("epoch"), "nothing trained: " + r.out());
        Cli.oneLine(1, List.of("--json " + tmp + " is a directory"), tiny("--json", tmp.toString()));
    }

    @Test
    void twoForAWrongCommandLine() {
        Cli.oneLine(2, List.of("unknown command 'fit'"), "fit");
        Cli.oneLine(2, List.of("unknown option --epoch"), tiny("--epoch", "3"));
        Cli.oneLine(2, List.of("--batch must be an integer from 1 to 16777216, got 0"), tiny("--batch", "0"));
        Cli.oneLine(2, List.of("--data and --train-csv cannot be used together"), tiny("--train-csv", "a.csv"));
        Cli.oneLine(2, List.of("unknown backend 'gpu'"), tiny("--device", "gpu"));
    }

    @Test
    void twoForOptionsThatContradictTheCheckpoint() {
        Path dir = tmp.resolve("ck");
        assertEquals(0, Cli.run(tiny("--checkpoint", dir.toString())).code());
        Cli.oneLine(2, List.of("was trained with optimizer.name = adam, and this run has sgd"),
                tiny("--resume", dir.toString(), "--optimizer", "sgd", "--epochs", "2"));
        Cli.oneLine(2, List.of(dir + " already holds the checkpoint of another run", "--overwrite"),
                tiny("--checkpoint", dir.toString()));
    }

    @Test
    void threeForABugWithOneLine() {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int code;
        try (PrintStream p = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setErr(p);
            code = Main.report(new NullPointerException("a bug"), false);
        } finally {
            System.setErr(err);
        }
        String line = captured.toString(StandardCharsets.UTF_8);
        assertEquals(3, code);
        assertEquals(1, line.lines().count(), line);
        assertTrue(line.startsWith("adjoint: internal error: java.lang.NullPointerException: a bug (a bug, not your mistake"),
                line);
    }

    @Test
    void eachKindOfFailureMapsToItsCode() {
        assertEquals(2, Main.exitCode(new Args.UsageException("x")));
        assertEquals(2, Main.exitCode(new IllegalArgumentException("x")));
        assertEquals(1, Main.exitCode(new dev.adjoint.data.DatasetException(tmp, -1, "x")));
        assertEquals(1, Main.exitCode(new dev.adjoint.io.FileFormatException(tmp, -1, "x")));
        assertEquals(1, Main.exitCode(new java.io.UncheckedIOException(new IOException("x"))));
        assertEquals(1, Main.exitCode(new IllegalStateException("x")));
        assertEquals(1, Main.exitCode(new OutOfMemoryError("Java heap space")));
        assertEquals(3, Main.exitCode(new ArithmeticException("/ by zero")));
        assertEquals(3, Main.exitCode(new StackOverflowError()));
    }
}
