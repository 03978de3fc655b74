package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.io.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The command line's conventions (#22), one table: {@code COMMAND --help} for every command (exit 0,
 * every option with its default), {@code --version}, stray arguments and one-dash options refused
 * with the closest option, and {@code --json -} (JSON alone on standard output) for every command
 * that has {@code --json}.
 */
class CommandLineTest {
    @TempDir
    static Path shared;

    /** A checkpoint for eval's --json -. */
    static Path checkpoint;

    @BeforeAll
    static void trainOne() {
        checkpoint = shared.resolve("ck");
        Cli.Run r = Cli.run("train", "--data", "spiral", "--hidden", "4", "--epochs", "1", "--checkpoint",
                checkpoint.toString());
        assertEquals(0, r.code(), r.err());
    }

    /** Where the expected text must appear. */
    enum Where { OUT, ERR }

    static Stream<Arguments> table() {
        return Stream.of(
                // --help for every command, and the usages
                row(0, Where.OUT, "usage: adjoint train [options]", "train", "--help"),
                row(0, Where.OUT, "usage: adjoint train [options]", "train", "-h"),
                row(0, Where.OUT, "usage: adjoint train [options]", "help", "train"),
                row(0, Where.OUT, "usage: adjoint train [options]", "train", "--epochs", "3", "--help"),
                row(0, Where.OUT, "usage: adjoint eval [options]", "eval", "--help"),
                row(0, Where.OUT, "usage: adjoint predict [options]", "predict", "-h"),
                row(0, Where.OUT, "usage: adjoint report [RUN] [options]", "report", "--help"),
                row(0, Where.OUT, "usage: adjoint devices [options]", "devices", "--help"),
                row(0, Where.OUT, "usage: adjoint selftest [options]", "selftest", "--help"),
                row(0, Where.OUT, "usage: adjoint bench [--device D,...]", "bench", "--help"),
                row(0, Where.OUT, "usage: adjoint bench gemm", "bench", "gemm", "--help"),
                row(0, Where.OUT, "usage: adjoint bench train", "bench", "train", "--help"),
                row(0, Where.OUT, "usage: adjoint bench replay-check", "bench", "replay-check", "--help"),
                row(0, Where.OUT, "usage: adjoint bench conv", "bench", "conv", "--help"),
                row(0, Where.OUT, "adjoint <command> --help", "--help"),
                row(0, Where.OUT, "--warmup STEPS", "--help"),
                row(2, Where.OUT, "usage: adjoint <command>"),
                // --version
                row(0, Where.OUT, "adjoint ", "--version"),
                row(0, Where.OUT, "JDK: ", "--version"),
                row(0, Where.OUT, "backends: ", "--version"),
                // stray arguments and one-dash options: refused, naming the closest option
                row(2, Where.ERR, "adjoint: unknown option -epochs; did you mean --epochs?", "train", "-epochs", "1"),
                row(2, Where.ERR, "adjoint: unknown option --epoch; did you mean --epochs?", "train", "--epoch", "1"),
                row(2, Where.ERR, "adjoint: unknown option -lr; did you mean --lr?", "train", "-lr", "0.1"),
                row(2, Where.ERR, "adjoint: unknown option --checkpoints; did you mean --checkpoint?", "eval",
                        "--checkpoints", "x"),
                row(2, Where.ERR, "adjoint: unknown option -top; did you mean --top?", "predict", "-top", "2"),
                // predict --input: its options refused without it, and with the test set's
                row(2, Where.ERR, "adjoint: --output belongs to --input FILE", "predict", "--output", "p.csv"),
                row(2, Where.ERR, "adjoint: --input and --rows cannot be used together", "predict", "--input", "new.csv",
                        "--rows", "1"),
                row(2, Where.ERR, "adjoint: --csv chooses the test set of --rows", "predict", "--input", "new.csv",
                        "--csv", "data.csv"),
                row(2, Where.ERR, "adjoint: --format xml: choose csv or json", "predict", "--input", "new.csv",
                        "--format", "xml"),
                row(2, Where.ERR, "adjoint: unknown option -json; did you mean --json?", "devices", "-json", "-"),
                row(2, Where.ERR, "adjoint: unknown option --seeds; did you mean --seed?", "selftest", "--seeds", "1"),
                row(2, Where.ERR, "adjoint: unknown option --jsonn; did you mean --json?", "bench", "--jsonn", "x"),
                row(2, Where.ERR, "adjoint: unknown option --hid; did you mean --hidden?", "train", "--hid", "8"),
                row(2, Where.ERR, "adjoint: unknown option --colour; 'adjoint train --help' lists them", "train",
                        "--colour", "red"),
                row(2, Where.ERR, "adjoint: unexpected argument 'fashion': 'train' takes only options", "train", "fashion"),
                row(2, Where.ERR, "adjoint: unexpected argument '2': 'train' takes only options", "train", "--epochs", "1",
                        "2"),
                row(2, Where.ERR, "adjoint: unexpected argument 'now': 'devices' takes only options", "devices", "now"),
                row(2, Where.ERR, "adjoint: unexpected argument 'b': 'report' takes one RUN and options", "report", "a", "b"),
                row(2, Where.ERR, "adjoint: unknown option --ouput; did you mean --output?", "report", "--ouput", "x"),
                row(2, Where.ERR, "adjoint: unknown option -output; did you mean --output?", "report", "-output", "x"),
                row(2, Where.ERR, "adjoint: unknown command 'trian'; did you mean 'train'?", "trian"),
                row(2, Where.ERR, "adjoint: unknown command '-epochs'", "-epochs", "1"),
                row(2, Where.ERR, "adjoint: option --json needs a value: FILE|-", "devices", "--json"),
                // --json - : the JSON document alone on standard output
                json("train", "--data", "spiral", "--hidden", "4", "--epochs", "1", "--no-checkpoint", "--json", "-"),
                json("eval", "--checkpoint", "CHECKPOINT", "--json", "-"),
                json("eval", "--checkpoint", "CHECKPOINT", "--json=-"),
                json("devices", "--json", "-"),
                json("selftest", "--device", "cpu", "--seed", "7", "--json", "-"),
                json("bench", "--device", "cpu", "--cases", "gemm:16x16x16", "--quick", "--json", "-"),
                json("bench", "gemm", "--device", "cpu", "--size", "16", "--repeat", "1", "--warmup", "0", "--sample", "0",
                        "--json", "-"),
                json("bench", "train", "--device", "cpu", "--sizes", "4,3,2", "--batch", "2", "--repeat", "1", "--warmup",
                        "0", "--sample", "0", "--json", "-"),
                json("bench", "replay-check", "--device", "cpu", "--sizes", "4,3,2", "--batch", "2", "--steps", "2",
                        "--json", "-"),
                json("bench", "train", "--device", "cpu", "--conv", "2", "--norm", "batch", "--sizes", "16,3,2", "--batch", "2",
                        "--repeat", "1", "--warmup", "0", "--sample", "0", "--json", "-"),
                json("bench", "conv", "--device", "cpu", "--shape", "2,3,6,5", "--out", "4", "--repeat", "1", "--warmup",
                        "0", "--sample", "0", "--json", "-"));
    }

    private static Arguments row(int code, Where where, String expected, String... args) {
        return Arguments.of(code, where, expected, args);
    }

    /** A --json - row: exit 0 and standard output parses as one JSON object (checked in {@link #theTable}). */
    private static Arguments json(String... args) {
        return Arguments.of(0, Where.OUT, "{", args);
    }

    @ParameterizedTest(name = "adjoint {3}")
    @MethodSource("table")
    void theTable(int code, Where where, String expected, String[] args) {
        String[] a = Stream.of(args).map(s -> s.equals("CHECKPOINT") ? checkpoint.toString() : s).toArray(String[]::new);
        Cli.Run r = Cli.run(a);
        String line = String.join(" ", a);
        assertEquals(code, r.code(), line + "\nstdout:\n" + r.out() + "\nstderr:\n" + r.err());
        String text = where == Where.OUT ? r.out() : r.err();
        assertTrue(text.contains(expected), line + ": '" + expected + "' missing from " + where + ":\n" + text);
        if (code != 0 && where == Where.ERR) {
            assertEquals(1, r.errLines().size(), line + ": one line expected:\n" + r.err());
        }
        boolean jsonToStdout = List.of(a).contains("-") || List.of(a).contains("--json=-");
        if (jsonToStdout && code == 0) {
            Map<String, Object> doc = Json.parseObject(r.out());   // the whole of stdout, nothing before or after
            assertFalse(doc.isEmpty(), line);
            assertTrue(r.out().startsWith("{") && r.out().strip().endsWith("}"), line + ":\n" + r.out());
        }
    }

    /** Every command's --help lists each of its options with its default, as its parser declares them. */
    @Test
    void everyCommandsHelpListsEveryOptionWithItsDefault() {
        Map<String, List<Args.Option>> commands = Map.of("train", TrainCommand.OPTIONS, "eval", EvalCommand.EVAL_OPTIONS,
                "predict", EvalCommand.PREDICT_OPTIONS, "report", ReportCommand.OPTIONS, "devices", DevicesCommand.OPTIONS,
                "selftest", SelftestCommand.OPTIONS);
        assertEquals(Main.COMMANDS.stream().filter(c -> !c.equals("bench")).sorted().toList(),
                commands.keySet().stream().sorted().toList(), "a command without a declared option table");
        commands.forEach((command, options) -> {
            Cli.Run r = Cli.run(command, "--help");
            assertEquals(0, r.code(), command + ": " + r.err());
            Map<String, String> entries = entries(r.out());
            List<Args.Option> declared = options.stream().filter(o -> !o.isSection()).toList();
            for (Args.Option o : declared) {
                String entry = entries.get(o.name());
                assertTrue(entry != null, command + " --help lacks --" + o.name() + ":\n" + r.out());
                assertTrue(entry.startsWith("--" + o.name() + (o.value() == null ? "" : " " + o.value()) + " "), entry);
                assertTrue(entry.contains("(default: "), command + " --help: --" + o.name() + " shows no default: " + entry);
                if (o.fallback() != null && !o.fallback().isEmpty()) {
                    assertTrue(entry.endsWith("(default: " + o.fallback() + ")"), command + ": " + entry);
                }
            }
            assertEquals(declared.size(), entries.size(), command + ": options in the help that the parser does not know");
        });
    }

    /** A usage text's option entries by name, each joined onto one line: "--name VALUE help (default: x)". */
    private static Map<String, String> entries(String usage) {
        Map<String, String> entries = new java.util.LinkedHashMap<>();
        String name = null;
        for (String line : usage.substring(0, usage.indexOf("\nglobal options")).lines().toList()) {
            if (line.startsWith("  --")) {
                name = line.substring(4).split(" ")[0];
                entries.put(name, line.strip().replaceAll("\\s+", " "));
            } else if (name != null && line.startsWith("      ")) {
                entries.put(name, entries.get(name) + " " + line.strip());
            }
        }
        return entries;
    }

    /** The global --help shows every option of train, the main job (it omitted --warmup, --clip, --dropout, --init, --train-csv). */
    @Test
    void theGlobalHelpListsEveryOptionOfTrain() {
        Cli.Run r = Cli.run("--help");
        assertEquals(0, r.code());
        List<String> missing = new ArrayList<>();
        for (Args.Option o : TrainCommand.OPTIONS) {
            if (!o.isSection() && !r.out().contains("--" + o.name() + " ")) {
                missing.add(o.name());
            }
        }
        assertEquals(List.of(), missing, r.out());
        for (String command : Main.COMMANDS) {
            assertTrue(r.out().contains("\n  " + command + " "), command + " missing from:\n" + r.out());
        }
    }

    /** The defaults a command computes with are the ones its --help shows: both come from the one table. */
    @Test
    void trainComputesWithTheDefaultsItsHelpShows() {
        TrainCommand.Settings s = TrainCommand.Settings.parse(new Args("train", new String[0], 0, TrainCommand.OPTIONS));
        assertEquals(20, s.epochs());
        assertEquals(128, s.batch());
        assertEquals(1e-3f, s.lr());
        assertEquals("adam", s.optimizer());
        assertEquals("cosine", s.schedule());
        assertEquals(List.of(512, 256), java.util.Arrays.stream(s.hidden()).boxed().toList());
    }

    @Test
    void versionNamesTheVersionCommitJdkAndBackends() {
        Cli.Run r = Cli.run("--version");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        assertTrue(lines.get(0).matches("adjoint \\S.*, commit \\S+"), lines.get(0));
        assertTrue(lines.get(1).startsWith("JDK: ") && lines.get(1).contains(Runtime.version().toString()), lines.get(1));
        assertTrue(lines.get(2).startsWith("backends: ") && lines.get(2).contains("cpu"), lines.get(2));
    }

    @Test
    void theClosestOptionIsAnEditAwayOrAPrefix() {
        List<String> known = List.of("epochs", "epsilon", "checkpoint", "no-checkpoint", "lr", "hidden");
        assertEquals("epochs", Usage.closest("epoch", known));
        assertEquals("epochs", Usage.closest("EPOCHS", known));
        assertEquals("checkpoint", Usage.closest("chekpoint", known));
        assertEquals("epochs", Usage.closest("epohcs", known));
        assertEquals("lr", Usage.closest("lr", known));
        assertEquals("hidden", Usage.closest("hid", known));
        assertEquals("no-checkpoint", Usage.closest("no_checkpoint", known));
        assertEquals(null, Usage.closest("colour", known));
        assertEquals(null, Usage.closest("x".repeat(100_000), known));
    }

    /** A file given to --json still gets the JSON, and standard output keeps the people's lines. */
    @Test
    void jsonToAFileLeavesStandardOutputAsItWas() throws Exception {
        Path file = shared.resolve("devices.json");
        Cli.Run r = Cli.run("devices", "--json", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("auto -> "), r.out());
        assertTrue(Json.parseObject(Files.readString(file)).containsKey("backends"));
    }
}
