package dev.adjoint.cli;

import static dev.adjoint.cli.Hostile.cli;
import static dev.adjoint.cli.Hostile.cliOk;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Hostile command lines: every numeric and named option with values it must refuse, and malformed commands. */
final class HostileCliCases {
    private HostileCliCases() {}

    private static final String[] TRAIN = {"train", "--data", "spiral", "--hidden", "4", "--epochs", "1"};

    private static String[] train(String... more) {
        return Stream.concat(Stream.of(TRAIN), Stream.of(more)).toArray(String[]::new);
    }

    /** Values each numeric option of train must refuse (each is outside its range or not a number). */
    private static final Map<String, List<String>> BAD_NUMBERS = Map.ofEntries(
            Map.entry("epochs", List.of("0", "-1", "4294967296", "99999999999999999999", "1.5", "abc", "1e3", "0x10",
                    "1000001")),
            Map.entry("batch", List.of("0", "-1", "4294967297", "16777217", "2.5", "many", "NaN")),
            Map.entry("seed", List.of("abc", "1.5", "99999999999999999999", "0x10")),
            Map.entry("lr", List.of("0", "-0.1", "NaN", "Infinity", "-Infinity", "1e400", "abc", "0x")),
            Map.entry("weight-decay", List.of("-1", "NaN", "Infinity", "abc")),
            Map.entry("dropout", List.of("1", "-0.1", "1.5", "NaN")),
            Map.entry("clip", List.of("-1", "NaN", "-Infinity", "x")),
            Map.entry("warmup", List.of("-5", "1.5", "abc", "99999999999999999999", "100000")),
            Map.entry("target-accuracy", List.of("5", "90", "-0.1", "1.01", "NaN")),
            Map.entry("hidden", List.of("0", "-8", "8,,8", "8,", "a,b", "4294967304", "16777217", "1.5")));

    static List<Hostile.Case> cases(Path root) {
        List<Hostile.Case> c = new ArrayList<>();
        BAD_NUMBERS.forEach((flag, values) -> {
            for (String v : values) {
                String expected = flag.equals("hidden") ? "--hidden sizes" : "--" + flag;
                c.add(cli("cli flags", 2, List.of(expected), train("--" + flag, v)));
            }
        });
        for (String flag : List.of("activation", "init", "loss", "optimizer", "schedule")) {
            c.add(cli("cli flags", 2, List.of(flag, "'nonsense'"), train("--" + flag, "nonsense")));
            c.add(cli("cli flags", 2, List.of("--" + flag + " needs a value"), train("--" + flag, "")));
        }
        c.add(cli("cli flags", 2, List.of("--optimizer 'xxxxxxxx", "characters)"), train("--optimizer", "x".repeat(2_000_000))));
        c.add(cli("cli flags", 2, List.of("--device needs a value"), train("--device", "")));
        c.add(cli("cli flags", 2, List.of("unknown backend 'gpu'"), train("--device", "gpu")));
        c.add(cli("cli flags", 2, List.of("unknown backend"), train("--device", "x".repeat(100_000))));
        c.add(cli("cli flags", 1, List.of("opencl"), train("--device", "opencl:99")));
        c.add(cli("cli flags", 2, List.of("--detect-anomaly takes no value", "'maybe'"), train("--detect-anomaly=maybe")));
        c.add(cli("cli flags", 2, List.of("--overwrite takes no value"), train("--overwrite=yes")));
        c.add(cli("cli flags", 2, List.of("--data and --train-csv cannot be used together"), train("--train-csv", "a.csv")));
        c.add(cli("cli flags", 2, List.of("--test-csv needs --train-csv"), "train", "--test-csv", "a.csv"));
        c.add(cli("cli flags", 2, List.of("unknown option -epochs; did you mean --epochs?"), "train", "--data", "spiral",
                "-epochs", "1"));
        c.add(cli("cli flags", 2, List.of("unexpected argument 'now'"), train("now")));
        c.add(cli("cli flags", 2, List.of("option --epochs needs a value"), "train", "--epochs"));
        c.add(cli("cli flags", 2, List.of("unknown option --epoch"), train("--epoch", "3")));
        c.add(cli("cli flags", 2, List.of("unknown option --", "characters)"), train("--" + "y".repeat(100_000), "1")));
        c.add(cli("cli flags", 2, List.of("unknown command 'fit'"), "fit"));
        c.add(cli("cli flags", 2, List.of("unknown command"), "\u0000\u0001"));
        for (String t : List.of("0", "-1", "100000", "abc", "4294967297", "")) {
            c.add(cli("cli flags", 2, List.of("--threads"), "--threads", t, "devices"));
        }
        c.add(cli("cli flags", 2, List.of("option --threads needs a value"), "devices", "--threads"));
        c.add(Hostile.result("cli flags", "--threads 512 train (capped to the cores)", r -> r.err().contains("cores here; using"),
                () -> dev.adjoint.testing.ThreadsProperty.restoring(() -> Cli.run("--threads", "512", "train", "--data",
                        "spiral", "--hidden", "4", "--epochs", "1"))));
        for (String[] f : new String[][] {{"lr", "1e-50"}, {"lr", "1e39"}, {"weight-decay", "1e39"}, {"clip", "1e-50"},
                {"dropout", "0.99999999999"}}) {
            c.add(cli("cli flags", 2, List.of("--" + f[0], "that a float32 holds"), train("--" + f[0], f[1])));
        }
        c.add(cliOk("cli flags", r -> r.out().contains("usage: adjoint"), "train", "--help"));
        c.add(cliOk("cli flags", r -> r.out().contains("usage: adjoint"), "eval", "-h"));
        c.add(cli("cli flags", 2, List.of("option --json needs a value: FILE|-"), "devices", "--json"));
        c.add(cli("cli flags", 2, List.of("unknown option --jsn; did you mean --json?"), "devices", "--jsn", "-"));
        Path noRuns = root.resolve("no-runs");
        c.add(Hostile.error("cli flags", "eval (no run yet)", 2, List.of("no run found under " + noRuns, "--checkpoint DIR"),
                () -> Cli.runIn(noRuns, "eval")));
        c.add(Hostile.error("cli flags", "predict --rows 1 (no run yet)", 2, List.of("no run found under " + noRuns),
                () -> Cli.runIn(noRuns, "predict", "--rows", "1")));
        c.add(cli("cli flags", 2, List.of("--top must be an integer from 1"), "predict", "--checkpoint", "x", "--top", "0"));
        c.add(cli("cli flags", 2, List.of("--top"), "predict", "--checkpoint", "x", "--top", "4294967297"));
        c.add(cli("cli flags", 2, List.of("--rows"), "predict", "--checkpoint", "x", "--rows", "0,-1"));
        c.add(cli("cli flags", 2, List.of("--rows"), "predict", "--checkpoint", "x", "--rows", "a"));
        c.add(cli("cli flags", 2, List.of("--rows"), "predict", "--checkpoint", "x", "--rows", "1,,2"));
        c.add(cli("cli flags", 2, List.of("--seed"), "selftest", "--device", "cpu", "--seed", "1e9"));
        c.add(cli("cli flags", 2, List.of("--size"), "bench", "gemm", "--size", "0"));
        c.add(cli("cli flags", 2, List.of("--size"), "bench", "gemm", "--size", "4294967297"));
        c.add(cli("cli flags", 2, List.of("--threads"), "bench", "gemm", "--threads", "100000"));
        c.add(cli("cli flags", 2, List.of("--repeat"), "bench", "gemm", "--repeat", "-1"));
        c.add(cli("cli flags", 2, List.of("--warmup"), "bench", "gemm", "--warmup", "NaN"));
        c.add(cli("cli flags", 2, List.of("--shape"), "bench", "gemm", "--shape", "8x0x8"));
        c.add(cli("cli flags", 2, List.of("--batch"), "bench", "train", "--batch", "0"));
        c.add(cli("cli flags", 2, List.of("--sizes"), "bench", "train", "--sizes", "784"));
        c.add(cli("cli flags", 2, List.of("--graphs must be on or off"), "bench", "train", "--graphs", "maybe"));
        c.add(cli("cli flags", 2, List.of("--repeat must be a positive integer"), "bench", "--repeat", "1.5"));
        c.add(cli("cli flags", 2, List.of("--cases"), "bench", "--cases", "gemm:0x1x1"));
        c.add(cli("cli flags", 2, List.of("--sample"), "bench", "--sample", "-1"));
        c.add(cli("cli flags", 2, List.of("unknown benchmark 'fast'"), "bench", "fast"));
        return c;
    }
}
