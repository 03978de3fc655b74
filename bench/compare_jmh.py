#!/usr/bin/env python3
"""Checks `adjoint bench` against JMH on the same machine: per case, the ratio of the two figures
and whether it is within the tolerance (15% by default).

    python3 bench/compare_jmh.py FILE... [--tolerance 0.15] [--threads N] [--out FILE]

Each FILE is either what `./adjoint bench [--json FILE]` writes (a matrix) or JMH's
`-rf json -rff FILE` output, told apart by content. With several matrices, or several JMH runs of
one benchmark, each side's figure is the median over its runs (the machine drifts between runs;
alternate the two tools run by run), and the runs are listed. Cases are matched by kind and shape: dev.adjoint.bench.jmh.GemmBenchmark (param `shape`,
MxKxN) with the matrix's gemm cases, TrainStepBenchmark and InferenceBenchmark (param `model`,
SIZES/BATCH such as 784-256-128-10/128) with its train and infer cases; JMH's `backend` param
(default cpu) names the device or backend, and its `threads` param (0: the backend's default, all
cores) must agree with the matrix's CPU threads for a CPU case. Any JMH mode and time unit is read
(s/op, ms/op, ops/s, ...), turned into seconds per call.

ratio = JMH seconds per call / matrix seconds per call = matrix throughput / JMH throughput, so
above 1 the matrix measured faster. Exit status: 0 when every matched case is within the
tolerance, 1 when one is not, 2 when nothing matched.
"""
import argparse
import json
import statistics
import sys

BENCHMARKS = {"GemmBenchmark": "gemm", "TrainStepBenchmark": "train", "InferenceBenchmark": "infer"}
SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "min": 60.0, "hr": 3600.0, "day": 86400.0}


def seconds_per_op(metric):
    """A JMH primary metric as seconds per operation: 's/op', 'ms/op', ... or 'ops/s', 'ops/ms', ..."""
    unit, score = metric["scoreUnit"], float(metric["score"])
    if unit.endswith("/op"):
        return score * SECONDS[unit[:-3]]
    if unit.startswith("ops/"):
        return SECONDS[unit[4:]] / score
    raise ValueError("unknown JMH score unit %r" % unit)


def relative_error(metric):
    """JMH's 99.9% confidence half-width over its score, or None when it has none (one iteration: "NaN")."""
    try:
        e = float(metric.get("scoreError"))
        return e / float(metric["score"]) if e == e else None
    except (TypeError, ValueError):
        return None


def jmh_case(entry):
    """(kind, shape, batch, backend, threads) of a JMH result, or None for a benchmark this script does not know."""
    parts = entry["benchmark"].split(".")
    kind = BENCHMARKS.get(parts[-2] if len(parts) >= 2 else "")
    if kind is None:
        return None
    params = entry.get("params", {})
    backend = params.get("backend", "cpu")
    threads = int(params.get("threads", "0"))
    if kind == "gemm":
        return kind, params["shape"].lower(), None, backend, threads
    sizes, batch = params["model"].split("/")
    return kind, sizes, int(batch), backend, threads


def merge_matrices(matrices):
    """One matrix whose every result's median_s is the median over the runs that measured it (runs_s lists them)."""
    merged = json.loads(json.dumps(matrices[0]))
    key = lambda r: (r["backend"], r["device"], r["kind"], r["shape"], r.get("batch"))
    for r in merged["results"]:
        runs = [x["median_s"] for m in matrices for x in m["results"] if key(x) == key(r) and x.get("median_s")]
        r["median_s"] = statistics.median(runs) if runs else None
        r["runs_s"] = runs
    return merged


def merge_jmh(entries):
    """One entry per benchmark and parameters, scored in s/op as the median over the runs (runs_s lists them)."""
    groups = {}
    for e in entries:
        k = (e["benchmark"], json.dumps(e.get("params", {}), sort_keys=True))
        groups.setdefault(k, []).append(e)
    merged = []
    for es in groups.values():
        runs = [seconds_per_op(e["primaryMetric"]) for e in es]
        m = dict(es[0])
        if len(es) > 1:
            m["primaryMetric"] = {"score": statistics.median(runs), "scoreError": None, "scoreUnit": "s/op"}
        m["runs_s"] = runs
        merged.append(m)
    return merged


def compare(matrix, jmh_entries, tolerance, threads=None):
    """One row per JMH result that matches a case the matrix measured; and the JMH results that matched nothing."""
    cpu_threads = threads or matrix.get("environment", {}).get("cpu_threads")
    cores = matrix.get("environment", {}).get("cores")
    rows, unmatched = [], []
    for entry in jmh_entries:
        case = jmh_case(entry)
        if case is None:
            continue
        kind, shape, batch, backend, jmh_threads = case
        found, why = None, "not in the matrix"
        for r in matrix["results"]:
            if r["kind"] != kind or r["shape"] != shape or (batch is not None and r["batch"] != batch):
                continue
            if backend not in (r["device"], r["backend"]):
                continue
            if r["backend"] == "cpu" and (jmh_threads or cores) != cpu_threads:
                why = "JMH ran %s CPU threads, the matrix %s" % (jmh_threads or cores, cpu_threads)
                continue
            found = r
            break
        label = "%s %s%s on %s" % (kind, shape, "" if batch is None else " b%d" % batch, backend)
        if found is None or found.get("median_s") is None:
            if found is not None:
                why = "skipped in the matrix: %s" % found.get("skipped")
            unmatched.append({"case": label, "jmh_threads": jmh_threads, "why": why})
            continue
        jmh_s = seconds_per_op(entry["primaryMetric"])
        ratio = jmh_s / found["median_s"]
        rows.append({"case": label, "kind": kind, "shape": shape, "batch": batch, "backend": backend,
                     "matrix_median_s": found["median_s"], "matrix_spread": found.get("spread"),
                     "jmh_s_per_op": jmh_s, "jmh_mode": entry.get("mode"),
                     "jmh_relative_error": relative_error(entry["primaryMetric"]),
                     "ratio": ratio, "within": abs(ratio - 1) <= tolerance,
                     "matrix_runs_s": found.get("runs_s"), "jmh_runs_s": entry.get("runs_s")})
    return rows, unmatched


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="matrix JSON files and JMH JSON files, in any order")
    ap.add_argument("--tolerance", type=float, default=0.15)
    ap.add_argument("--threads", type=int, help="the CPU threads of the matrix run (default: from its JSON)")
    ap.add_argument("--out", help="also write the comparison as JSON")
    a = ap.parse_args(argv)
    matrices, entries, matrix_files, jmh_files = [], [], [], []
    for path in a.files:
        with open(path) as f:
            data = json.load(f)
        if isinstance(data, dict) and "results" in data:
            matrices.append(data)
            matrix_files.append(path)
        elif isinstance(data, list):
            entries += data
            jmh_files.append(path)
        else:
            ap.error("%s is neither an adjoint bench matrix nor a JMH result file" % path)
    if not matrices or not entries:
        ap.error("give at least one matrix and one JMH result file")
    matrix = merge_matrices(matrices)
    entries = merge_jmh(entries)
    rows, unmatched = compare(matrix, entries, a.tolerance, a.threads)
    print("%-46s %12s %12s %7s  %s" % ("case", "matrix s", "JMH s/op", "ratio", "within %d%%" % round(100 * a.tolerance)))
    for r in rows:
        print("%-46s %12.6g %12.6g %7.3f  %s" % (r["case"], r["matrix_median_s"], r["jmh_s_per_op"], r["ratio"],
                                                 "yes" if r["within"] else "NO"))
    for u in unmatched:
        print("%-46s %s" % (u["case"], u["why"]))
    outside = [r for r in rows if not r["within"]]
    print("%d case(s) compared, %d outside %.0f%%, %d JMH result(s) without a matrix figure"
          % (len(rows), len(outside), 100 * a.tolerance, len(unmatched)))
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"matrix": matrix_files, "jmh": jmh_files, "tolerance": a.tolerance,
                       "ratio": "JMH seconds per op / matrix median seconds per call (each the median over its runs)",
                       "cases": rows,
                       "unmatched": unmatched}, f, indent=2)
            f.write("\n")
    if not rows:
        return 2
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
