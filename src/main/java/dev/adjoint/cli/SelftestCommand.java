package dev.adjoint.cli;

import dev.adjoint.bench.Environment;
import dev.adjoint.conformance.Conformance;
import dev.adjoint.conformance.CrossCheck;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.adjoint.io.Json;
import dev.adjoint.io.JsonOutput;

/**
 * {@code adjoint selftest}: the conformance suite on one device, then (on any device but the CPU,
 * which is the reference) the cross-check of every primitive against the CPU backend and the
 * out-of-memory check, without Maven, printing a pass/fail table and optionally writing JSON.
 * Exit code 1 if any case or comparison fails.
 */
final class SelftestCommand {
    private SelftestCommand() {}

    static final List<Args.Option> OPTIONS = List.of(
            new Args.Option("device", "D", null, "the device to test: auto, cpu, cuda[:i] or opencl[:i or name] (default:"
                    + " auto, or $ADJOINT_DEVICE)"),
            new Args.Option("json", "FILE|-", "", "also write every case and comparison as JSON to FILE, or to standard"
                    + " output (-)"),
            new Args.Option("seed", "N", null, "seed of the random inputs (default: -Dadjoint.seed, else the clock;"
                    + " printed)"));

    static String usage() {
        return Usage.text("selftest", """
                The conformance suite on one device (every primitive against float64 references), then, on any device
                but the CPU, every primitive compared float by float with the cpu backend, and out-of-memory.
                Exit 1 when a case or a comparison fails.""", OPTIONS);
    }

    record Result(String name, boolean passed, double millis, String message) {}

    /** The cross-check's outcome: its comparisons, or why it did not run. */
    record Cross(String reference, List<CrossCheck.Comparison> comparisons, String skipped) {
        long failed() {
            return comparisons.stream().filter(c -> !c.passed()).count();
        }
    }

    static int run(Args args) {
        args.allow();
        long seed = args.integer("seed", Conformance.seed(), Long.MIN_VALUE, Long.MAX_VALUE);
        String json = args.get("json");
        if (json != null) {
            JsonOutput.checkWritable(Path.of(json), "--json");
        }
        Devices.Selection sel = Devices.select(args.get("device", null));
        List<Result> results = new ArrayList<>();
        try (Device device = sel.device()) {
            System.out.println(sel.explanation());
            System.out.println("seed " + seed);
            for (Conformance.Case c : Conformance.cases()) {
                long t0 = System.nanoTime();
                String message = null;
                try {
                    c.run(device, seed);
                } catch (AssertionError | RuntimeException e) {
                    message = e.getMessage() == null ? e.toString() : e.getMessage();
                }
                double ms = (System.nanoTime() - t0) / 1e6;
                results.add(new Result(c.name(), message == null, ms, message));
                System.out.printf("%-4s %-42s %8.1f ms%s%n", message == null ? "ok" : "FAIL", c.name(), ms,
                        message == null ? "" : "  " + message);
            }
            long failed = results.stream().filter(r -> !r.passed()).count();
            System.out.printf("%d passed, %d failed%n", results.size() - failed, failed);
            Cross cross = crossCheck(device, seed);
            if (json != null) {
                write(Path.of(json), device, seed, results, cross);
            }
            return failed == 0 && cross.failed() == 0 ? 0 : 1;
        }
    }

    /** Every primitive against a CPU device from the registry, one line per family; skipped on the CPU itself. */
    static Cross crossCheck(Device device, long seed) {
        try (Device reference = Devices.select("cpu").device()) {
            String ref = reference.name() + " (" + reference.description() + ")";
            if (reference.name().equals(device.name())) {
                String why = "the device is the reference (" + ref + ")";
                System.out.println("cross-check skipped: " + why);
                return new Cross(ref, List.of(), why);
            }
            System.out.println("cross-check against " + ref + ", seed " + seed);
            List<CrossCheck.Comparison> all = new ArrayList<>(CrossCheck.run(device, reference, seed));
            all.add(CrossCheck.outOfMemory(device));
            Map<String, List<CrossCheck.Comparison>> families = new LinkedHashMap<>();
            for (CrossCheck.Comparison c : all) {
                families.computeIfAbsent(c.family(), f -> new ArrayList<>()).add(c);
            }
            families.forEach(SelftestCommand::printFamily);
            Cross cross = new Cross(ref, all, null);
            System.out.printf("cross-check: %d passed, %d failed%n", all.size() - cross.failed(), cross.failed());
            return cross;
        }
    }

    private static void printFamily(String family, List<CrossCheck.Comparison> cs) {
        boolean ok = cs.stream().allMatch(CrossCheck.Comparison::passed);
        double ms = cs.stream().mapToDouble(CrossCheck.Comparison::millis).sum();
        long floats = cs.stream().mapToLong(CrossCheck.Comparison::count).sum();
        String what;
        if (floats == 0) {
            what = cs.getFirst().name();
        } else {
            long exact = cs.stream().mapToLong(CrossCheck.Comparison::bitExact).sum();
            double worst = cs.stream().mapToDouble(CrossCheck.Comparison::maxUlps).max().orElse(0);
            what = String.format(java.util.Locale.ROOT, "%d compared, %.1f%% of %d floats bit-exact, worst %s ulps",
                    cs.size(), 100.0 * exact / floats, floats, CrossCheck.format(worst));
        }
        System.out.printf("%-4s %-14s %-62s %8.1f ms%n", ok ? "ok" : "FAIL", family, what, ms);
        for (CrossCheck.Comparison c : cs) {
            if (!c.passed()) {
                System.out.println("     FAIL " + family + " " + c.name() + ": " + c.failure());
            }
        }
    }

    private static void write(Path path, Device device, long seed, List<Result> results, Cross cross) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("device", device.name());
        root.put("description", device.description());
        root.put("seed", seed);
        root.put("environment", Environment.describe());
        long failed = results.stream().filter(r -> !r.passed()).count();
        root.put("passed", (long) (results.size() - failed));
        root.put("failed", failed);
        root.put("cases", results.stream().map(SelftestCommand::caseJson).toList());
        root.put("cross_check", crossJson(cross));
        JsonOutput.write(path, Json.write(root) + "\n");
    }

    private static Map<String, Object> caseJson(Result r) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", r.name());
        c.put("passed", r.passed());
        c.put("ms", r.millis());
        if (!r.passed()) {
            c.put("message", r.message());
        }
        return c;
    }

    private static Map<String, Object> crossJson(Cross cross) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reference", cross.reference());
        if (cross.skipped() != null) {
            m.put("skipped", cross.skipped());
            return m;
        }
        m.put("passed", cross.comparisons().size() - cross.failed());
        m.put("failed", cross.failed());
        m.put("comparisons", cross.comparisons().stream().map(SelftestCommand::comparisonJson).toList());
        return m;
    }

    private static Map<String, Object> comparisonJson(CrossCheck.Comparison c) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("family", c.family());
        e.put("name", c.name());
        e.put("passed", c.passed());
        e.put("floats", (long) c.count());
        e.put("bit_exact", (long) c.bitExact());
        e.put("max_ulps", Double.isInfinite(c.maxUlps()) ? "inf" : (Object) c.maxUlps());
        e.put("allowed_ulps", c.allowedUlps());
        e.put("ms", c.millis());
        if (!c.passed()) {
            e.put("failure", c.failure());
        }
        return e;
    }
}
