package dev.adjoint.cli;

import dev.adjoint.bench.Environment;
import dev.adjoint.conformance.Conformance;
import dev.adjoint.device.Device;
import dev.adjoint.device.Devices;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import dev.adjoint.io.Json;

/**
 * {@code adjoint selftest}: the conformance suite on one device, without Maven, printing a
 * pass/fail table and optionally writing JSON. Exit code 1 if any case fails.
 */
final class SelftestCommand {
    private SelftestCommand() {}

    record Result(String name, boolean passed, double millis, String message) {}

    static int run(Args args) {
        args.allow(List.of("device", "json", "seed"));
        long seed = args.integer("seed", Conformance.seed(), Long.MIN_VALUE, Long.MAX_VALUE);
        String json = args.get("json", null);
        if (json != null) {
            dev.adjoint.io.AtomicFile.checkWritable(Path.of(json), "--json");
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
            if (json != null) {
                write(Path.of(json), device, seed, results);
            }
            return failed == 0 ? 0 : 1;
        }
    }

    private static void write(Path path, Device device, long seed, List<Result> results) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("device", device.name());
        root.put("description", device.description());
        root.put("seed", seed);
        root.put("environment", Environment.describe());
        long failed = results.stream().filter(r -> !r.passed()).count();
        root.put("passed", (long) (results.size() - failed));
        root.put("failed", failed);
        List<Object> cases = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", r.name());
            c.put("passed", r.passed());
            c.put("ms", r.millis());
            if (!r.passed()) {
                c.put("message", r.message());
            }
            cases.add(c);
        }
        root.put("cases", cases);
        dev.adjoint.io.AtomicFile.writeString(path, Json.write(root) + "\n");
    }
}
