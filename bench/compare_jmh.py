#!/usr/bin/env python3
"""Checks `adjoint bench` against JMH on the same machine: per case, the ratio of the two figures
and whether it is within the tolerance (15% by default).

    python3 bench/compare_jmh.py FILE... [--tolerance 0.15] [--threads N] [--out FILE]
    python3 bench/compare_jmh.py --run ROUNDS --dir DIR [--cases C,...] [--adjoint ./adjoint] [--java J]

Each FILE is either what `./adjoint bench [--json FILE]` writes (a matrix, whole or of the cases
given by `--cases`) or JMH's `-rf json -rff FILE` output, told apart by content. With several
matrices, or several JMH runs of one benchmark, each side's figure is the median over its runs
(the machine drifts between runs; alternate the two tools run by run), and the runs are listed in
the order the files were given. Cases are matched by kind and shape:
dev.adjoint.bench.jmh.GemmBenchmark (param `shape`, MxKxN) with the matrix's gemm cases,
TrainStepBenchmark and InferenceBenchmark (param `model`, SIZES/BATCH such as 784-256-128-10/128)
with its train and infer cases; JMH's `backend` param (default cpu) names the device or backend,
and its `threads` param (0: the backend's default, all cores) must agree with the matrix's CPU
threads for a CPU case. Any JMH mode and time unit is read (s/op, ms/op, ops/s, ...), turned into
seconds per call.

ratio = JMH seconds per call / matrix seconds per call = matrix throughput / JMH throughput, so
above 1 the matrix measured faster. When both sides have the same number of runs (two or more),
run i of one is paired with run i of the other and the median of the paired ratios is shown too;
a case is within the tolerance only when both the ratio of medians and, where there is one, the
median paired ratio are. A run's round is the NN of its file name rNN-... (as --run names them),
else its place among its tool's files. Exit status: 0 when every matched case is within the
tolerance, 1 when one is not, 2 when nothing matched (or the arguments are wrong), 3 when a --run
measurement failed.

`--run ROUNDS` measures first, on the cpu backend, case by case: for each case in turn, one
`adjoint bench --device cpu --cases CASE` and one JMH run of that case alone (the two tools taking
turns going first, round by round), so that the two figures of a pair are taken seconds apart
rather than a whole matrix apart; this host's slow phases last seconds to minutes. Files go to
DIR as rNN-CASE-matrix.json and rNN-CASE-jmh.json (with their logs), then the comparison of all
of them is printed and written to DIR/comparison.json. Cases default to the matrix's GEMMs and
training steps.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

BENCHMARKS = {"GemmBenchmark": "gemm", "TrainStepBenchmark": "train", "InferenceBenchmark": "infer"}
JMH_CLASSES = {"gemm": ("GemmBenchmark", "shape"), "train": ("TrainStepBenchmark", "model"),
               "infer": ("InferenceBenchmark", "model")}
DEFAULT_CASES = ["gemm:256x256x256", "gemm:128x784x256", "gemm:512x512x512", "gemm:256x1024x1024",
                 "gemm:1024x1024x1024", "gemm:2048x2048x2048", "gemm:1024x4096x4096", "train:784-256-128-10/128",
                 "train:784-1024-1024-10/256", "train:784-4096-4096-10/1024"]
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


def round_of(path, index):
    """The round a result file belongs to: NN of a name rNN-... (as --run writes them), else its place among its tool's files."""
    m = re.match(r"r(\d+)-", os.path.basename(path))
    return int(m.group(1)) if m else index


def merge_matrices(matrices):
    """One matrix with every case any of the runs measured (a run may hold the whole matrix or a few
    cases), each result's median_s the median over the runs that measured it: runs_s lists them and
    runs_round their rounds (a matrix's "_round", else its place in the list)."""
    key = lambda r: (r["backend"], r["device"], r["kind"], r["shape"], r.get("batch"))
    merged = {"environment": matrices[0].get("environment", {}), "results": []}
    by_key = {}
    for i, m in enumerate(matrices):
        for x in m["results"]:
            r = by_key.get(key(x))
            if r is None:
                r = by_key[key(x)] = dict(x, runs_s=[], runs_round=[])
                merged["results"].append(r)
            if x.get("median_s"):
                r["runs_s"].append(x["median_s"])
                r["runs_round"].append(m.get("_round", i))
                r["skipped"] = None
    for r in merged["results"]:
        r["median_s"] = statistics.median(r["runs_s"]) if r["runs_s"] else None
    return merged


def merge_jmh(entries):
    """One entry per benchmark and parameters, scored in s/op as the median over the runs: runs_s
    lists them and runs_round their rounds (an entry's "_round", else its place in the list)."""
    groups = {}
    for i, e in enumerate(entries):
        k = (e["benchmark"], json.dumps(e.get("params", {}), sort_keys=True))
        groups.setdefault(k, []).append((e.get("_round", i), e))
    merged = []
    for es in groups.values():
        runs = [seconds_per_op(e["primaryMetric"]) for _, e in es]
        m = {k: v for k, v in es[0][1].items() if k != "_round"}
        if len(es) > 1:
            m["primaryMetric"] = {"score": statistics.median(runs), "scoreError": None, "scoreUnit": "s/op"}
        m["runs_s"] = runs
        m["runs_round"] = [r for r, _ in es]
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
        m_runs, j_runs = found.get("runs_s"), entry.get("runs_s")
        m_by = dict(zip(found.get("runs_round") or [], m_runs or []))
        j_by = dict(zip(entry.get("runs_round") or [], j_runs or []))
        rounds = sorted(set(m_by) & set(j_by))   # a run is paired with the other tool's run of its round
        pairs = [j_by[r] / m_by[r] for r in rounds] if len(rounds) > 1 else None
        paired = statistics.median(pairs) if pairs else None
        rows.append({"order": matrix["results"].index(found), "case": label, "kind": kind, "shape": shape, "batch": batch, "backend": backend,
                     "matrix_median_s": found["median_s"],
                     "matrix_spread": found.get("spread") if len(m_runs or []) <= 1 else None,
                     "jmh_s_per_op": jmh_s, "jmh_mode": entry.get("mode"),
                     "jmh_relative_error": relative_error(entry["primaryMetric"]),
                     "ratio": ratio, "paired_ratio": paired, "paired_ratios": pairs,
                     "paired_rounds": rounds if pairs else None,
                     "within": abs(ratio - 1) <= tolerance and (paired is None or abs(paired - 1) <= tolerance),
                     "matrix_runs_s": m_runs, "jmh_runs_s": j_runs})
    rows.sort(key=lambda r: r.pop("order"))   # the matrix's order of cases (stable for one case's JMH variants)
    return rows, unmatched


def case_slug(case):
    """A file-name form of a case: gemm:128x784x256 -> gemm-128x784x256, train:784-256-128-10/128 -> train-784-256-128-10-b128."""
    kind, what = case.split(":", 1)
    return "%s-%s" % (kind, what.replace("/", "-b"))


def run_rounds(rounds, cases, directory, adjoint, java, jar, log=print):
    """Runs `rounds` rounds of every case, the matrix and JMH taking turns going first; returns the files written."""
    os.makedirs(directory, exist_ok=True)
    chart = os.path.join(directory, ".chart.svg")
    try:
        run_all(rounds, cases, directory, adjoint, java, jar, chart, log)
    finally:
        if os.path.exists(chart):
            os.remove(chart)
    stems = [os.path.join(directory, "r%02d-%s" % (r, case_slug(c))) for r in range(1, rounds + 1) for c in cases]
    return [s + "-matrix.json" for s in stems] + [s + "-jmh.json" for s in stems]   # round by round, cases in order


def run_all(rounds, cases, directory, adjoint, java, jar, chart, log):
    for r in range(1, rounds + 1):
        for case in cases:
            kind, what = case.split(":", 1)
            cls, param = JMH_CLASSES[kind]
            stem = os.path.join(directory, "r%02d-%s" % (r, case_slug(case)))
            matrix = [adjoint, "bench", "--device", "cpu", "--cases", case, "--json", stem + "-matrix.json",
                      "--svg", chart]
            jmh = [java, "-cp", jar, "org.openjdk.jmh.Main", r"^dev\.adjoint\.bench\.jmh\.%s\." % cls,
                   "-p", "backend=cpu", "-p", "%s=%s" % (param, what), "-p", "threads=0", "-foe", "true",
                   "-rf", "json", "-rff", stem + "-jmh.json"]
            steps = [("matrix", matrix), ("jmh", jmh)]
            for side, cmd in steps if r % 2 == 1 else reversed(steps):
                log("%s round %d/%d %s: %s" % (time.strftime("%H:%M:%S"), r, rounds, case, side))
                with open("%s-%s.log" % (stem, side), "w") as out:
                    done = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
                if done.returncode != 0:
                    print("compare_jmh: %s exited with %d; see %s-%s.log" % (" ".join(cmd), done.returncode, stem, side),
                          file=sys.stderr)
                    raise SystemExit(3)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", help="matrix JSON files and JMH JSON files, in any order")
    ap.add_argument("--tolerance", type=float, default=0.15)
    ap.add_argument("--threads", type=int, help="the CPU threads of the matrix run (default: from its JSON)")
    ap.add_argument("--out", help="also write the comparison as JSON")
    ap.add_argument("--run", type=int, metavar="ROUNDS", help="measure first: ROUNDS rounds, case by case (see above)")
    ap.add_argument("--dir", help="with --run: where the runs' files go")
    ap.add_argument("--cases", default=",".join(DEFAULT_CASES), help="with --run: the cases, as adjoint bench --cases")
    ap.add_argument("--adjoint", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                      "adjoint"), help="with --run: the launcher")
    ap.add_argument("--java", default=os.path.join(os.environ["JAVA_HOME"], "bin", "java") if "JAVA_HOME" in os.environ
                    else "java", help="with --run: a JDK 25 java for JMH (default $JAVA_HOME/bin/java)")
    ap.add_argument("--jar", help="with --run: the JMH benchmarks jar (default bench/target/adjoint-benchmarks.jar,"
                    " built by bench/pom.xml)")
    a = ap.parse_args(argv)
    if a.run is not None:
        if a.run < 1 or not a.dir or a.files:
            ap.error("--run takes a positive number of rounds and --dir, and no files")
        cases = [c.strip() for c in a.cases.split(",")]
        n = r"[1-9]\d*"
        bad = [c for c in cases if not re.fullmatch(r"gemm:{0}x{0}x{0}|(train|infer):{0}(-{0})+/{0}".format(n), c)]
        if bad:
            ap.error("--cases: %s: expected gemm:MxKxN, train:SIZES/BATCH or infer:SIZES/BATCH, sizes positive"
                     % ", ".join("'%s'" % c for c in bad))
        if len(set(cases)) != len(cases):
            ap.error("--cases: a case is named twice: %s" % a.cases)
        jar = a.jar or os.path.join(os.path.dirname(a.adjoint), "bench", "target", "adjoint-benchmarks.jar")
        if not a.jar and not os.path.isfile(jar):
            ap.error("no JMH jar at %s: build it (bench/README.md, JMH) or give --jar" % jar)
        a.files = run_rounds(a.run, cases, a.dir, a.adjoint, a.java, jar, log=lambda m: print(m, flush=True))
        a.out = a.out or os.path.join(a.dir, "comparison.json")
    elif not a.files:
        ap.error("give result files, or --run")
    matrices, entries, matrix_files, jmh_files = [], [], [], []
    for path in a.files:
        with open(path) as f:
            data = json.load(f)
        if isinstance(data, dict) and "results" in data:
            data["_round"] = round_of(path, len(matrix_files))
            matrices.append(data)
            matrix_files.append(path)
        elif isinstance(data, list):
            entries += [dict(e, _round=round_of(path, len(jmh_files))) for e in data]
            jmh_files.append(path)
        else:
            ap.error("%s is neither an adjoint bench matrix nor a JMH result file" % path)
    if not matrices or not entries:
        ap.error("give at least one matrix and one JMH result file")
    matrix = merge_matrices(matrices)
    entries = merge_jmh(entries)
    rows, unmatched = compare(matrix, entries, a.tolerance, a.threads)
    print("%-46s %12s %12s %7s %7s  %s" % ("case", "matrix s", "JMH s/op", "ratio", "paired",
                                            "within %d%%" % round(100 * a.tolerance)))
    for r in rows:
        paired = "-" if r["paired_ratio"] is None else "%.3f" % r["paired_ratio"]
        print("%-46s %12.6g %12.6g %7.3f %7s  %s" % (r["case"], r["matrix_median_s"], r["jmh_s_per_op"], r["ratio"],
                                                     paired, "yes" if r["within"] else "NO"))
    for u in unmatched:
        print("%-46s %s" % (u["case"], u["why"]))
    outside = [r for r in rows if not r["within"]]
    print("%d case(s) compared, %d outside %.0f%%, %d JMH result(s) without a matrix figure"
          % (len(rows), len(outside), 100 * a.tolerance, len(unmatched)))
    if a.out:
        with open(a.out, "w") as f:
            json.dump({"matrix": matrix_files, "jmh": jmh_files, "tolerance": a.tolerance,
                       "ratio": "JMH seconds per op / matrix median seconds per call (each the median over its runs)",
                       "paired_ratio": "median over the rounds both tools ran (a file's rNN- prefix, else its place"
                                       " among its tool's files) of JMH's seconds per call / the matrix's",
                       "cases": rows,
                       "unmatched": unmatched}, f, indent=2)
            f.write("\n")
    if not rows:
        return 2
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
