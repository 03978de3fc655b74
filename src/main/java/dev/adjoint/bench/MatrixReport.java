package dev.adjoint.bench;

import dev.adjoint.bench.MatrixResult.DeviceRun;
import dev.adjoint.bench.MatrixResult.PeerTiming;
import dev.adjoint.bench.MatrixResult.Row;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The matrix's results as a terminal table, a JSON document and a chart. The JSON is meant to be
 * read by scripts ({@code bench/compare_jmh.py}): its keys are fixed, and a value that does not
 * apply is null rather than absent.
 */
final class MatrixReport {
    private static final String ROW = "%-10s %-30s %3s %10s %7s %9s %11s  %-6s %11s %6s";

    private MatrixReport() {}

    static String header() {
        return String.format(Locale.ROOT, ROW, "device", "case", "n", "median", "spread", "GFLOP/s", "samples/s",
                "peer", "peer value", "ratio");
    }

    /** One table line: the case on the device, and the peer's figure (GFLOP/s or samples/s) with the ratio. */
    static String line(Row r) {
        if (r.ours() == null) {
            return String.format(Locale.ROOT, "%-10s %-30s skipped: %s", r.device().name(), r.c().title(), r.skipped());
        }
        Samples s = r.ours();
        String peer = "";
        String peerValue = "";
        String ratio = "";
        if (r.peer() != null) {
            peer = r.peer().name();
            if (r.peer().samples() == null) {
                peerValue = "failed";
            } else {
                Samples p = r.peer().samples();
                peerValue = r.c().samplesPerCall() > 0 ? number(Row.samplesPerSecond(r.c(), p), 0)
                        : number(Row.gflops(r.c(), p), 1);
                ratio = String.format(Locale.ROOT, "%.2f", r.peer().ratio(s));
            }
        }
        return String.format(Locale.ROOT, ROW, r.device().name(), r.c().title(), s.count(), duration(s.median()),
                String.format(Locale.ROOT, "%.1f%%", 100 * s.spread()), number(r.gflops(), 1),
                r.c().samplesPerCall() > 0 ? number(r.samplesPerSecond(), 0) : "-", peer, peerValue, ratio).stripTrailing();
    }

    /** The GEMM case with the most work that ran on {@code device}: the "large GEMM" set against the peak. */
    static Optional<Row> largeGemm(List<Row> rows, DeviceRun device) {
        return rows.stream().filter(r -> r.device() == device && r.ours() != null
                && r.c().kind() == MatrixCase.Kind.GEMM).max(java.util.Comparator.comparingDouble(r -> r.c().flops()));
    }

    /** {@code cpu: large GEMM (1024x4096x4096) = 64% of measured peak (183.2 GFLOP/s; 2 threads x ...)}. */
    static String peakLine(List<Row> rows, DeviceRun d) {
        if (d.peak() == null) {
            return d.name() + ": no peak measured (" + d.peakNote() + ")";
        }
        Optional<Row> big = largeGemm(rows, d);
        String head = d.name() + ": ";
        String peak = String.format(Locale.ROOT, "measured peak %.1f GFLOP/s (%s)", d.peak().gflops(), d.peak().method());
        return big.map(r -> head + String.format(Locale.ROOT, "large GEMM (%s, %.1f GFLOP/s) = %.0f%% of %s",
                r.c().shape(), r.gflops(), 100 * r.gflops() / d.peak().gflops(), peak)).orElse(head + peak);
    }

    /** The result file: environment, settings, devices with their peaks, peers, then one entry per case and device. */
    static Map<String, Object> json(Map<String, Object> environment, Map<String, Object> settings, List<DeviceRun> devices,
                                    List<Peer> peers, List<Row> rows, double wallSeconds) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "adjoint bench");
        root.put("environment", environment);
        root.put("settings", settings);
        List<Object> ds = new ArrayList<>();
        for (DeviceRun d : devices) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("backend", d.backend());
            m.put("device", d.name());
            m.put("description", d.description());
            m.put("peak_gflops", d.peak() == null ? null : d.peak().gflops());
            m.put("peak_method", d.peak() == null ? d.peakNote() : d.peak().method());
            Optional<Row> big = largeGemm(rows, d);
            m.put("large_gemm", big.map(r -> {
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("shape", r.c().shape());
                g.put("gflops", r.gflops());
                g.put("fraction_of_peak", d.peak() == null ? null : r.gflops() / d.peak().gflops());
                return (Object) g;
            }).orElse(null));
            ds.add(m);
        }
        root.put("devices", ds);
        List<Object> ps = new ArrayList<>();
        for (Peer p : peers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("available", p.available());
            m.put("reason", p.unavailableReason());
            m.put("versions", p.versions());
            ps.add(m);
        }
        root.put("peers", ps);
        List<Object> results = new ArrayList<>();
        for (Row r : rows) {
            results.add(row(r));
        }
        root.put("results", results);
        root.put("wall_s", wallSeconds);
        return root;
    }

    private static Map<String, Object> row(Row r) {
        MatrixCase c = r.c();
        Samples s = r.ours();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backend", r.device().backend());
        m.put("device", r.device().name());
        m.put("kind", c.kind().label());
        m.put("shape", c.shape());
        m.put("batch", c.kind() == MatrixCase.Kind.GEMM ? null : (Object) (long) c.batch());
        m.put("flops_per_call", c.flops());
        m.put("samples", s == null ? 0L : (long) s.count());
        m.put("calls_per_sample", s == null ? null : (Object) (long) s.callsPerSample());
        m.put("median_s", s == null ? null : s.median());
        m.put("min_s", s == null ? null : s.min());
        m.put("max_s", s == null ? null : s.max());
        m.put("spread", s == null ? null : s.spread());
        m.put("gflops", finite(r.gflops()));
        m.put("samples_per_s", finite(r.samplesPerSecond()));
        m.put("samples_s", s == null ? List.of() : boxed(s.seconds()));
        m.put("skipped", r.skipped());
        m.put("peer", peer(r));
        return m;
    }

    private static Map<String, Object> peer(Row r) {
        PeerTiming p = r.peer();
        if (p == null) {
            return null;
        }
        Samples s = p.samples();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("samples", s == null ? 0L : (long) s.count());
        m.put("calls_per_sample", s == null ? null : (Object) (long) s.callsPerSample());
        m.put("median_s", s == null ? null : s.median());
        m.put("spread", s == null ? null : s.spread());
        m.put("gflops", finite(Row.gflops(r.c(), s)));
        m.put("samples_per_s", finite(Row.samplesPerSecond(r.c(), s)));
        m.put("samples_s", s == null ? List.of() : boxed(s.seconds()));
        m.put("ratio", finite(p.ratio(r.ours())));
        m.put("error", p.error());
        return m;
    }

    /**
     * Two panels: samples/s of the training step and of inference per model, and SGEMM GFLOP/s per
     * shape; one series per device, then one per peer that measured anything.
     */
    static String chart(String title, String subtitle, List<DeviceRun> devices, List<Row> rows) {
        List<String> series = new ArrayList<>();
        for (DeviceRun d : devices) {
            series.add(d.label());
        }
        List<String> peerNames = rows.stream().filter(r -> r.peer() != null && r.peer().samples() != null)
                .map(r -> r.peer().name()).distinct().toList();
        for (String p : peerNames) {
            series.add(p + " (peer)");
        }
        List<Chart.Panel> panels = new ArrayList<>();
        List<MatrixCase> mlp = cases(rows, false);
        if (!mlp.isEmpty()) {
            panels.add(new Chart.Panel("Training step and inference (forward + softmax), samples/s",
                    "model (layer sizes) and batch", "samples/s", mlp.stream().map(c -> c.kind().label() + "\n"
                            + c.shape() + " b" + c.batch()).toList(), values(devices, peerNames, rows, mlp, false)));
        }
        List<MatrixCase> gemm = cases(rows, true);
        if (!gemm.isEmpty()) {
            panels.add(new Chart.Panel("SGEMM C = A·B, float32", "shape M×K×N (A is M×K, B is K×N)", "GFLOP/s",
                    gemm.stream().map(MatrixCase::shape).toList(), values(devices, peerNames, rows, gemm, true)));
        }
        return Chart.svg(title, subtitle, series, panels);
    }

    private static List<MatrixCase> cases(List<Row> rows, boolean gemm) {
        return rows.stream().map(Row::c).filter(c -> (c.kind() == MatrixCase.Kind.GEMM) == gemm).distinct().toList();
    }

    private static double[][] values(List<DeviceRun> devices, List<String> peers, List<Row> rows, List<MatrixCase> cases,
                                     boolean gflops) {
        double[][] v = new double[devices.size() + peers.size()][cases.size()];
        for (double[] line : v) {
            java.util.Arrays.fill(line, Double.NaN);
        }
        for (Row r : rows) {
            int g = cases.indexOf(r.c());
            if (g < 0) {
                continue;
            }
            v[devices.indexOf(r.device())][g] = gflops ? r.gflops() : r.samplesPerSecond();
            if (r.peer() != null && r.peer().samples() != null) {
                Samples p = r.peer().samples();
                v[devices.size() + peers.indexOf(r.peer().name())][g] = gflops ? Row.gflops(r.c(), p)
                        : Row.samplesPerSecond(r.c(), p);
            }
        }
        return v;
    }

    private static Object finite(double v) {
        return Double.isFinite(v) ? v : null;
    }

    /** Doubles as a JSON list. */
    static List<Object> boxed(double[] xs) {
        List<Object> l = new ArrayList<>();
        for (double x : xs) {
            l.add(x);
        }
        return l;
    }

    private static String number(double v, int decimals) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%,." + decimals + "f", v) : "-";
    }

    /** 412 µs, 12.3 ms, 1.52 s. */
    static String duration(double seconds) {
        if (seconds < 1e-3) {
            return String.format(Locale.ROOT, "%.1f µs", seconds * 1e6);
        }
        if (seconds < 1) {
            return String.format(Locale.ROOT, "%.2f ms", seconds * 1e3);
        }
        return String.format(Locale.ROOT, "%.2f s", seconds);
    }
}
