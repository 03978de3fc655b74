#!/usr/bin/env python3
"""Every committed compare_gemm.py run, and the runs pooled per version of the GEMM code.

One compare_gemm.py run is 45 samples a side per case, taken in 10 minutes; the host's slow phases
last minutes to hours, so one run says how the code did in one window. This script reads the result
files (default: bench/results/cpu-gemm-vs-numpy*.json) and prints, as Markdown:

- per run: the commit, the time, numpy's median and the ratio of medians / median per-round ratio
  per case, with misses of the goal in bold;
- per version of the GEMM code (runs whose commits have the same src/main/java/dev/adjoint/device/cpu/gemm
  tree and Parallel.java, found with git): all samples of those runs pooled, the ratio of the pooled
  medians, the median of all per-round ratios, and how many runs met the goal on both. A run made
  with uncommitted changes (commit "...-dirty") is grouped by its commit's code and marked "+".

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
    """A result file as {commit, time, name, cases: {(shape, threads): {java, numpy, paired}}}."""
    with open(path) as f:
        d = json.load(f)
    cases = {}
    for r in d["results"]:
        java, numpy = r["java_samples"], r["numpy_samples"]
        if len(java) != len(numpy) or not java:
            raise ValueError("%s: %s, %d threads: %d java samples against %d numpy samples"
                             % (path, r["shape"], r["threads"], len(java), len(numpy)))
        cases[(r["shape"], r["threads"])] = {"java": java, "numpy": numpy,
                                             "paired": [j / n for j, n in zip(java, numpy)]}
    commit = d["git_commit"]
    return {"commit": commit.removesuffix("-dirty"), "dirty": commit.endswith("-dirty"), "time": d["timestamp"], "name": os.path.basename(path),
            "goal": d.get("goal_ratio", 0.85), "cases": cases}


def ratios(java, numpy, paired):
    return statistics.median(java) / statistics.median(numpy), statistics.median(paired)


def cell(ratio, per_round, goal):
    text = "%.3f / %.3f" % (ratio, per_round)
    return "**%s**" % text if min(ratio, per_round) < goal else text


def label(run):
    return run["commit"][:7] + ("+" if run["dirty"] else "")


def table(runs, versions):
    """Markdown for the runs (sorted by time) and the pooled versions ({key: [run]})."""
    keys = sorted({k for r in runs for k in r["cases"]}, key=lambda k: (k[0] != "1024x1024x1024", k[0], k[1]))
    head = " | ".join("%s %dT" % k for k in keys)
    out = ["Ratio of medians / median per-round ratio, Java over numpy (numpy's median in GFLOP/s in brackets); "
           "bold: below the goal on either.", "",
           "| run | commit | " + head + " |", "|---|---|" + "---|" * len(keys)]
    for r in sorted(runs, key=lambda r: r["time"]):
        cells = []
        for k in keys:
            c = r["cases"].get(k)
            cells.append("" if c is None else "%s (%.0f)" % (cell(*ratios(c["java"], c["numpy"], c["paired"]),
                                                                 r["goal"]), statistics.median(c["numpy"])))
        out.append("| %s %s | %s | %s |" % (r["name"], r["time"][:16], label(r), " | ".join(cells)))
    out += ["", "Pooled per version of the GEMM code (every sample of its runs; runs meeting the goal on both).", "",
            "| GEMM code as at | runs | " + head + " |", "|---|---|" + "---|" * len(keys)]
    for group in sorted(versions.values(), key=lambda g: min(r["time"] for r in g)):
        cells = []
        for k in keys:
            have = [r for r in group if k in r["cases"]]
            if not have:
                cells.append("")
                continue
            pool = {f: [x for r in have for x in r["cases"][k][f]] for f in ("java", "numpy", "paired")}
            met = sum(min(ratios(**r["cases"][k])) >= r["goal"] for r in have)
            cells.append("%s (%d of %d)" % (cell(*ratios(**pool), have[0]["goal"]), met, len(have)))
        commits = sorted({label(r) for r in group})
        out.append("| %s | %d | %s |" % (", ".join(commits), len(group), " | ".join(cells)))
    return "\n".join(out)


def group(runs, version):
    """{version key: [run]}; a commit git does not know is a version of its own."""
    versions = {}
    for r in runs:
        key = version(r["commit"]) or ("unknown", r["commit"])
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
