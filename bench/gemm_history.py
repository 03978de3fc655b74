#!/usr/bin/env python3
"""Every committed compare_gemm.py run, and the runs pooled per version of the GEMM code.

One compare_gemm.py run is 45 samples a side per case, taken in 10 minutes; the host's slow phases
last minutes to hours, so one run says how the code did in one window. This script reads the result
files (default: bench/results/cpu-gemm-vs-numpy*.json) and prints, as Markdown:

- per run: the commit, the time, and per case the run's own ratio of medians / median per-round
  ratio as compare_gemm.py stored them, numpy's median beside them (so the host's state shows), and
  misses of the goal in bold;
- per version: runs whose commits have the same src/main/java/dev/adjoint/device/cpu/gemm tree and
  Parallel.java (git object ids) and that were measured by the same method (the result file's
  `method` text, and its `gc_flag` when compare_gemm.py --gc set one) pooled: the median of all their per-round ratios, the ratio of the pooled medians,
  and how many of the runs met the goal. The per-round median is the sounder of the two: each
  round's pair was taken seconds apart, while the pooled medians mix windows. Runs made with
  uncommitted changes (commit "...-dirty", marked "+") pool only with dirty runs of the same commit,
  since the change may have been to the GEMM.

    bench/gemm_history.py [FILE...]
"""
import glob
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CODE = ["src/main/java/dev/adjoint/device/cpu/gemm", "src/main/java/dev/adjoint/device/cpu/Parallel.java"]


def code_version(commit, git=None):
    """The git object ids of the GEMM sources at commit (None when git does not know the commit)."""
    git = git or (lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True))
    ids = []
    for path in CODE:
        out = git("rev-parse", "--verify", "--quiet", "%s:%s" % (commit, path))
        if out.returncode != 0:
            return None
        ids.append(out.stdout.strip())
    return tuple(ids)


def load(path):
    """A result file as {commit, dirty, time, name, method, goal, cases: {(shape, threads): case}}."""
    with open(path) as f:
        d = json.load(f)
    goal = d.get("goal_ratio", 0.85)
    cases = {}
    for r in d["results"]:
        java, numpy = r["java_samples"], r["numpy_samples"]
        if len(java) != len(numpy) or not java:
            raise ValueError("%s: %s, %d threads: %d java samples against %d numpy samples"
                             % (path, r["shape"], r["threads"], len(java), len(numpy)))
        cases[(r["shape"], r["threads"])] = {
            "java": java, "numpy": numpy, "paired": [j / n for j, n in zip(java, numpy)],
            "ratio": r["ratio"], "per_round": r["paired_ratio_median"], "numpy_median": r["numpy_median_gflops"],
            "met": r["ratio"] >= goal and r["paired_ratio_median"] >= goal}
    commit = d["git_commit"]
    return {"commit": commit.removesuffix("-dirty"), "dirty": commit.endswith("-dirty"), "time": d["timestamp"],
            "name": os.path.basename(path), "method": method(d), "goal": goal, "cases": cases}


def method(d):
    """The result file's method text, plus the collector flag when the Java side ran under one (--gc)."""
    flag = d.get("gc_flag", "")
    return d.get("method", "") + (" Java side: " + flag if flag.startswith("-XX:") else "")


def cell(ratio, per_round, goal):
    text = "%.3f / %.3f" % (ratio, per_round)
    return "**%s**" % text if min(ratio, per_round) < goal else text


def label(run):
    return run["commit"][:7] + ("+" if run["dirty"] else "")


def table(runs, versions):
    """Markdown for the runs (sorted by time) and the pooled versions ({key: [run]})."""
    keys = sorted({k for r in runs for k in r["cases"]}, key=lambda k: (k[0] != "1024x1024x1024", k[0], k[1]))
    head = " | ".join("%s %dT" % k for k in keys)
    out = ["Per run: ratio of medians / median per-round ratio, Java over numpy, as the run stored them "
           "(numpy's median in GFLOP/s in brackets); bold: below the goal on either.", "",
           "| run | commit | " + head + " |", "|---|---|" + "---|" * len(keys)]
    for r in sorted(runs, key=lambda r: r["time"]):
        cells = []
        for k in keys:
            c = r["cases"].get(k)
            cells.append("" if c is None else "%s (%.0f)" % (cell(c["ratio"], c["per_round"], r["goal"]),
                                                             c["numpy_median"]))
        out.append("| %s %s | %s | %s |" % (r["name"], r["time"][:16], label(r), " | ".join(cells)))
    out += ["", "Pooled per version (same GEMM sources, same method): median of all per-round ratios / ratio of "
                "the pooled medians (runs meeting the goal on both).", "",
            "| GEMM code as at | runs | " + head + " |", "|---|---|" + "---|" * len(keys)]
    for group in sorted(versions.values(), key=lambda g: min(r["time"] for r in g)):
        cells = []
        for k in keys:
            have = [r for r in group if k in r["cases"]]
            if not have:
                cells.append("")
                continue
            pool = {f: [x for r in have for x in r["cases"][k][f]] for f in ("java", "numpy", "paired")}
            per_round = statistics.median(pool["paired"])
            ratio = statistics.median(pool["java"]) / statistics.median(pool["numpy"])
            met = sum(r["cases"][k]["met"] for r in have)
            text = "%.3f / %.3f" % (per_round, ratio)
            if min(per_round, ratio) < have[0]["goal"]:
                text = "**%s**" % text
            cells.append("%s (%d of %d)" % (text, met, len(have)))
        commits = ", ".join(sorted({label(r) for r in group}))
        flag = group[0]["method"].partition(" Java side: ")[2]
        out.append("| %s | %d | %s |" % (commits + (" (" + flag + ")" if flag else ""), len(group), " | ".join(cells)))
    return "\n".join(out)


def group(runs, version):
    """{key: [run]}: same code (by version(commit)) and same method; unknown commits and dirty runs alone."""
    versions = {}
    for r in runs:
        code = None if r["dirty"] else version(r["commit"])
        key = (code, r["method"]) if code is not None else ("alone", r["commit"], r["dirty"], r["method"])
        versions.setdefault(key, []).append(r)
    return versions


def main(argv):
    files = argv or sorted(glob.glob(os.path.join(ROOT, "bench", "results", "cpu-gemm-vs-numpy*.json")))
    if not files:
        raise SystemExit("no result files")
    runs = [load(f) for f in files]
    print(table(runs, group(runs, code_version)))


if __name__ == "__main__":
    main(sys.argv[1:])
