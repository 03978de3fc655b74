#!/usr/bin/env python3
"""Java (adjoint bench gemm, CPU backend) against numpy (OpenBLAS) SGEMM, interleaved.

The machine drifts by +-30% (other processes, clocks), so the two are never timed in separate
windows: each round runs numpy, then Java, for every thread count, and the ratio is taken from
medians over rounds (and, as a check, the median of the per-round paired ratios). The CPU time
other processes took during each run is recorded; the quiet ratio uses only rounds where neither
run was disturbed. Each Java run is
a fresh JVM that warms up for --warmup seconds before timing (C2 must compile the Vector API
code); the warm-up is never counted.

Writes bench/results/cpu-gemm-vs-numpy.json with every sample, the medians, the ratios, the
machine, the JDK, numpy/OpenBLAS and the git commit.

    bench/compare_gemm.py [--rounds 5] [--threads 1,2] [--shapes 1024x1024x1024,128x784x256]
"""
import argparse
import datetime
import json
import os
import platform
import resource
import time
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "target", "adjoint.jar")
GOAL = 0.85
# A run during which other processes used more than this many cores is "contended".
CONTENDED_CORES = 0.15


def java_home():
    for cand in (os.environ.get("JAVA_HOME"), "/usr/lib/jvm/temurin-25-jdk-amd64"):
        if cand and os.path.exists(os.path.join(cand, "bin", "java")):
            out = subprocess.run([os.path.join(cand, "bin", "java"), "-version"], capture_output=True, text=True)
            if 'version "25' in out.stderr:
                return cand
    raise SystemExit("no JDK 25 found: set JAVA_HOME")


def busy_seconds():
    """CPU seconds all processes have used so far (the cpu line of /proc/stat, USER_HZ ticks)."""
    with open("/proc/stat") as f:
        t = [int(x) for x in f.readline().split()[1:]]
    idle = t[3] + (t[4] if len(t) > 4 else 0)
    return (sum(t[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_json(cmd, env=None):
    """Runs cmd --json FILE; returns its JSON plus 'foreign_cores': CPU used meanwhile by other processes."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        b0, c0, w0 = busy_seconds(), children_seconds(), time.monotonic()
        proc = subprocess.run(cmd + ["--json", path], capture_output=True, text=True, env=env, cwd=ROOT)
        b1, c1, w1 = busy_seconds(), children_seconds(), time.monotonic()
        if proc.returncode != 0:
            raise SystemExit("failed (%d): %s\n%s%s" % (proc.returncode, " ".join(cmd), proc.stdout, proc.stderr))
        sys.stdout.write(proc.stdout)
        with open(path) as f:
            res = json.load(f)
        res["foreign_cores"] = max(0.0, ((b1 - b0) - (c1 - c0)) / (w1 - w0))
        return res
    finally:
        os.unlink(path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--shapes", default="1024x1024x1024,128x784x256")
    p.add_argument("--repeat", type=int, default=7, help="samples per run")
    p.add_argument("--warmup", type=float, default=3.0, help="Java warm-up seconds per shape and run")
    p.add_argument("--no-build", action="store_true", help="use target/adjoint.jar as it is")
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "results", "cpu-gemm-vs-numpy.json"))
    a = p.parse_args()
    jh = java_home()
    env = dict(os.environ, JAVA_HOME=jh, MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow")
    if not a.no_build:
        subprocess.run(["mvn", "-B", "-ntp", "-q", "package", "-DskipTests"], cwd=ROOT, env=env, check=True)
    shapes = a.shapes.split(",")
    threads = [int(t) for t in a.threads.split(",")]
    java = [os.path.join(jh, "bin", "java"), "--add-modules", "jdk.incubator.vector",
            "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-cp", JAR, "dev.adjoint.bench.GemmBench",
            "--device", "cpu", "--repeat", str(a.repeat), "--warmup", str(a.warmup)]
    numpy = [sys.executable, os.path.join(ROOT, "bench", "reference", "numpy_gemm.py"),
             "--repeat", str(a.repeat), "--warmup", "1"]
    for s in shapes:
        java += ["--shape", s]
        numpy += ["--shape", s]

    samples = {(s, t, who): [] for s in shapes for t in threads for who in ("numpy", "java")}
    round_medians = {(s, t, who): [] for s in shapes for t in threads for who in ("numpy", "java")}
    foreign = {(t, who): [] for t in threads for who in ("numpy", "java")}
    runs_meta = {}
    for r in range(a.rounds):
        for t in threads:
            for who, cmd in (("numpy", numpy), ("java", java)):
                print("round %d/%d, %d thread(s), %s" % (r + 1, a.rounds, t, who), flush=True)
                res = run_json(cmd + ["--threads", str(t)], env=env)
                runs_meta.setdefault(who, {k: v for k, v in res.items() if k not in ("results", "foreign_cores")})
                foreign[(t, who)].append(round(res["foreign_cores"], 3))
                print("  other processes used %.2f cores meanwhile" % res["foreign_cores"])
                for x in res["results"]:
                    samples[(x["shape"], t, who)] += x["samples_gflops"]
                    round_medians[(x["shape"], t, who)].append(x["median_gflops"])

    combos = []
    print("\n%-16s %7s %12s %12s %7s %13s %14s" % ("shape (MxKxN)", "threads", "numpy GF/s", "java GF/s", "ratio",
                                                   "paired ratio", "quiet ratio"))
    for s in shapes:
        for t in threads:
            n_med = statistics.median(round_medians[(s, t, "numpy")])
            j_med = statistics.median(round_medians[(s, t, "java")])
            paired = [j / n for j, n in zip(round_medians[(s, t, "java")], round_medians[(s, t, "numpy")])]
            ratio = j_med / n_med
            quiet = [i for i in range(len(paired))
                     if foreign[(t, "numpy")][i] <= CONTENDED_CORES and foreign[(t, "java")][i] <= CONTENDED_CORES]
            q_n = [round_medians[(s, t, "numpy")][i] for i in quiet]
            q_j = [round_medians[(s, t, "java")][i] for i in quiet]
            q_ratio = statistics.median(q_j) / statistics.median(q_n) if quiet else None
            combos.append({
                "shape": s, "threads": t,
                "numpy_median_gflops": round(n_med, 2), "java_median_gflops": round(j_med, 2),
                "ratio": round(ratio, 3), "paired_ratio_median": round(statistics.median(paired), 3),
                "paired_ratios": [round(x, 3) for x in paired],
                "quiet_rounds": quiet, "quiet_numpy_median_gflops": round(statistics.median(q_n), 2) if quiet else None,
                "quiet_java_median_gflops": round(statistics.median(q_j), 2) if quiet else None,
                "quiet_ratio": round(q_ratio, 3) if quiet else None,
                "numpy_foreign_cores": foreign[(t, "numpy")], "java_foreign_cores": foreign[(t, "java")],
                "goal": GOAL, "goal_met_all_rounds": ratio >= GOAL,
                "goal_met_quiet_rounds": (q_ratio >= GOAL) if quiet else None,
                "numpy_round_medians": round_medians[(s, t, "numpy")],
                "java_round_medians": round_medians[(s, t, "java")],
                "numpy_samples": samples[(s, t, "numpy")], "java_samples": samples[(s, t, "java")],
            })
            print("%-16s %7d %12.1f %12.1f %7.3f %13.3f %8s (%d/%d)" % (
                s, t, n_med, j_med, ratio, statistics.median(paired),
                "%.3f" % q_ratio if quiet else "-", len(quiet), len(paired)))

    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    # Dirty means source changes; earlier result files under bench/results do not count.
    dirty = any(not line[3:].startswith("bench/results/") for line in subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
        capture_output=True, text=True).stdout.splitlines())
    out = {
        "benchmark": "cpu sgemm, adjoint (pure Java, Vector API) vs numpy (OpenBLAS), interleaved rounds",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": commit + ("-dirty" if dirty else ""),
        "method": ("each round: numpy then java, per thread count; %d samples per run; ratio = median of java "
                   "round medians / median of numpy round medians; java warm-up %.1f s per shape per JVM, "
                   "not counted. Other engineers share this 2-core machine: foreign_cores is the CPU other "
                   "processes used during each run (from /proc/stat minus our children's rusage); quiet_ratio "
                   "uses only the rounds where both runs saw <= %.2f foreign cores" % (a.repeat, a.warmup,
                                                                                     CONTENDED_CORES)),
        "shape_order": "MxKxN", "flops_per_call": "2*m*n*k", "rounds": a.rounds, "goal_ratio": GOAL,
        "machine": runs_meta.get("java", {}).get("machine"),
        "platform": platform.platform(),
        "jdk": runs_meta.get("java", {}).get("jdk"),
        "device": runs_meta.get("java", {}).get("device"),
        "numpy": runs_meta.get("numpy", {}).get("numpy"),
        "blas": runs_meta.get("numpy", {}).get("blas"),
        "python": runs_meta.get("numpy", {}).get("python"),
        "results": combos,
    }
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print("wrote " + a.out)


if __name__ == "__main__":
    main()
