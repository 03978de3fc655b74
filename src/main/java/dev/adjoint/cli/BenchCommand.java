package dev.adjoint.cli;

import dev.adjoint.bench.ConvBench;
import dev.adjoint.bench.GemmBench;
import dev.adjoint.bench.MatrixBench;
import dev.adjoint.bench.ReplayCheck;
import dev.adjoint.bench.Timing;
import dev.adjoint.bench.TrainBench;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * {@code adjoint bench [options]}: the standard matrix on every available backend
 * ({@link MatrixBench}); {@code adjoint bench gemm|train|conv|replay-check ...}: one benchmark, each
 * with its own options.
 */
final class BenchCommand {
    static final String USAGE = """
            usage: adjoint bench [--device D,...] [--cases C,...] [--compare] [--quick] [--json FILE] [--svg FILE]
                                 [--warmup S] [--sample S] [--repeat N] [--case-limit S] [--python P]
                   adjoint bench gemm|train|conv|replay-check [options]   (one benchmark; --help for its options)
              --device      devices to benchmark, comma-separated (cpu, opencl:0, cuda:0); default: one per
                            available backend
              --cases       only these cases, in this order: gemm:MxKxN, train:SIZES/BATCH, infer:SIZES/BATCH
                            (e.g. gemm:1024x1024x1024,train:784-256-128-10/128); default: the standard matrix
              --compare     also time the peers in bench/reference, case by case: numpy for cpu, PyTorch
                            for cuda and opencl (a missing runtime is reported, not an error)
              --quick       a small matrix with short budgets (seconds), to check the setup and the output
              --json FILE   result file (default bench-out/bench-<devices>-<time>.json), or - for standard
                            output; --svg FILE the chart (default: beside the JSON file; none for -)
              --warmup S    warm-up seconds per case (default 1; at least one call)
              --sample S    minimum seconds per timed sample (default 0.25); up to --repeat N samples
                            (default 7), at least 3, within 2 s of timing per case
              --case-limit S  skip a case predicted to take longer than S seconds on a device (default 45)""";

    private static final List<String> OPTIONS = List.of("device", "cases", "compare", "quick", "json", "svg", "warmup", "sample",
            "repeat", "case-limit", "python");

    private BenchCommand() {}

    static int run(String[] args) {
        if (args.length >= 2 && !args[1].startsWith("-")) {
            String[] rest = Arrays.copyOfRange(args, 2, args.length);
            return switch (args[1]) {
                case "gemm" -> GemmBench.run(rest);
                case "train" -> TrainBench.run(rest);
                case "replay-check" -> ReplayCheck.run(rest);
                case "conv" -> ConvBench.run(rest);
                default -> throw new Args.UsageException("unknown benchmark '" + args[1] + "'; choose gemm, train, conv"
                        + " or replay-check, or give no name for the standard matrix");
            };
        }
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.println(USAGE);
            return 0;
        }
        MatrixBench.Options o = matrixOptions(args);
        MatrixBench.Report r = MatrixBench.run(o, System.out, System.err);
        if (r.failures() > 0) {
            System.err.println("adjoint bench: " + r.failures() + " case(s) failed; see the table above");
            return 1;
        }
        return 0;
    }

    /** The matrix's options after {@code bench}; a bad one is a one-line {@link Args.UsageException}. */
    static MatrixBench.Options matrixOptions(String[] args) {
        Args a = new Args(args, 1, List.of("compare", "quick"));
        a.allow(OPTIONS);
        if (!a.positional().isEmpty()) {
            throw new Args.UsageException("bench: unexpected argument '" + a.positional().getFirst()
                    + "'; benchmarks are gemm, train, conv and replay-check, options start with --");
        }
        boolean quick = a.flag("quick");
        MatrixBench.Options d = MatrixBench.Options.defaults(quick);
        List<String> devices = list(a, "device", "cpu,opencl");
        List<String> cases = list(a, "cases", "gemm:1024x1024x1024,train:784-256-128-10/128");
        Timing.Budget b = d.budget();
        int repeat = (int) positive(a, "repeat", b.repeat());
        Timing.Budget budget = new Timing.Budget(seconds(a, "warmup", b.warmupSeconds()),
                seconds(a, "sample", b.sampleSeconds()), repeat, Math.min(b.minSamples(), repeat), b.timedSeconds());
        String json = a.get("json", null);
        String svg = a.get("svg", null);
        double caseLimit = positive(a, "case-limit", d.caseLimitSeconds());
        Path jsonPath = json == null ? null : Path.of(json);
        Path svgPath = svg == null ? null : Path.of(svg);
        if (jsonPath != null) {
            dev.adjoint.io.JsonOutput.checkWritable(jsonPath, "--json");
        }
        if (svgPath != null) {
            dev.adjoint.io.AtomicFile.checkWritable(svgPath, "--svg");
        }
        try {
            return new MatrixBench.Options(devices, cases, a.flag("compare"), quick, jsonPath, svgPath, budget, caseLimit,
                    d.peakSeconds(), a.get("python", d.python()));
        } catch (IllegalArgumentException e) {   // the only one left unchecked: a case that does not parse
            throw new Args.UsageException("bench: --cases: " + e.getMessage());
        }
    }

    /** The comma-separated entries of option {@code name}, trimmed (none when it is absent); an empty entry is an error. */
    private static List<String> list(Args a, String name, String example) {
        String v = a.get(name, "");
        List<String> entries = v.isBlank() ? List.of() : Arrays.stream(v.split(",", -1)).map(String::trim).toList();
        if (entries.stream().anyMatch(String::isEmpty)) {
            throw new Args.UsageException("bench: --" + name + " " + v + " has an empty entry; e.g. --" + name + " " + example);
        }
        return entries;
    }

    private static double seconds(Args a, String name, double fallback) {
        String v = a.get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            double s = Double.parseDouble(v);
            if (s >= 0 && Double.isFinite(s)) {
                return s;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Args.UsageException("bench: --" + name + " must be seconds >= 0, got '" + v + "'");
    }

    private static double positive(Args a, String name, double fallback) {
        String v = a.get(name, null);
        if (v == null) {
            return fallback;
        }
        try {
            double x = Double.parseDouble(v);
            if (x > 0 && Double.isFinite(x) && (!name.equals("repeat") || x == Math.rint(x))) {
                return x;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new Args.UsageException("bench: --" + name + " must be a positive " + (name.equals("repeat") ? "integer"
                : "number of seconds") + ", got '" + v + "'");
    }
}
