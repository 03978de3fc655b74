#!/usr/bin/env python3
"""Java (adjoint bench gemm, CPU backend) against numpy (OpenBLAS) SGEMM, interleaved sample by sample.

The machine drifts by +-30% (other virtual machines on the host), in phases that last from seconds
to minutes, so Adjoint and numpy are never timed in separate windows: `adjoint bench gemm --compare`
keeps its GEMMs in one JVM and alternates, round by round, one sample of its own with one sample
of the numpy peer (bench/reference/peer.py, same thread count) for every shape; the two samples of a
round are about a second apart, and each side runs 0.3 s of untimed calls right before each of its
samples (a vCPU that idled while the other side ran comes back slowly). Several JVMs per thread
count (--runs, alternating the thread counts) cover JIT differences between JVMs. The ratio is the median of all of Java's samples over the
median of all of numpy's; the median of the per-round ratios is reported as a check. The CPU that
other processes used during each run is recorded too (from /proc/stat minus our own children).

With --widths 512,256 each run starts one JVM per vector width (-Dadjoint.cpu.vectorBits and the
same -XX:MaxVectorSize), alternating, so the widths are compared in one window as well.

Writes bench/results/cpu-gemm-vs-numpy.json (with --gc G: cpu-gemm-vs-numpy-<g>-gc.json, so a run
replaces the latest of its case) with every sample, the medians, the ratios, the machine (CPU model,
vector extensions, the width each JVM chose), the JDK, numpy/OpenBLAS and the git commit.

    bench/compare_gemm.py [--runs 3] [--rounds 15] [--threads 1,2] [--shapes 1024x1024x1024,128x784x256]
                          [--widths 512,256]
"""
import argparse
import datetime
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "target", "adjoint.jar")
GOAL = 0.85


def java_home():
    for cand in (os.environ.get("JAVA_HOME"), "/usr/lib/jvm/temurin-25-jdk-amd64"):
        if cand and os.path.exists(os.path.join(cand, "bin", "java")):
            out = subprocess.run([os.path.join(cand, "bin", "java"), "-version"], capture_output=True, text=True)
            if 'version "25' in out.stderr:
                return cand
    raise SystemExit("no JDK 25 found: set JAVA_HOME")


def git_commit():
    """HEAD's commit, with "-dirty" when tracked sources differ from it (result files under bench/results do not count)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = any(not line[3:].startswith("bench/results/") for line in subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
        capture_output=True, text=True).stdout.splitlines())
    return (head or "unknown") + ("-dirty" if dirty else "")


def busy_seconds():
    """CPU seconds all processes have used so far (the cpu line of /proc/stat, USER_HZ ticks)."""
    with open("/proc/stat") as f:
        t = [int(x) for x in f.readline().split()[1:]]
    idle = t[3] + (t[4] if len(t) > 4 else 0)
    return (sum(t[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def children_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_json(cmd, env):
    """Runs cmd --json FILE; returns its JSON plus 'foreign_cores': CPU used meanwhile by other processes."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        b0, c0, w0 = busy_seconds(), children_seconds(), time.monotonic()
        proc = subprocess.run(cmd + ["--json", path], capture_output=True, text=True, env=env, cwd=ROOT)
        b1, c1, w1 = busy_seconds(), children_seconds(), time.monotonic()
        if proc.returncode != 0:
            raise SystemExit("failed (%d): %s\n%s%s" % (proc.returncode, " ".join(cmd), proc.stdout, proc.stderr))
        sys.stdout.write("".join(l + "\n" for l in proc.stdout.splitlines() if not l.startswith("round ")))
        with open(path) as f:
            res = json.load(f)
        res["foreign_cores"] = round(max(0.0, ((b1 - b0) - (c1 - c0)) / (w1 - w0)), 3)
        return res
    finally:
        os.unlink(path)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=3, help="JVMs per thread count")
    p.add_argument("--rounds", type=int, default=15, help="rounds (one sample of each per shape) per JVM")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--shapes", default="1024x1024x1024,128x784x256")
    p.add_argument("--sample", type=float, default=0.2, help="seconds per sample")
    p.add_argument("--warmup", type=float, default=3.0, help="Java warm-up seconds per shape and JVM")
    p.add_argument("--no-build", action="store_true", help="use target/adjoint.jar as it is")
    p.add_argument("--gc", choices=("G1", "Serial", "Parallel"),
                   help="collector for the Java side (default: the JVM's own pick, G1 on 2 CPUs). C2 allocates the"
                        " kernel loop's registers differently under Serial/Parallel (bench/NOTES-gemm.md), so a"
                        " JDK or kernel change is worth one run with --gc Serial")
    p.add_argument("--widths", default="", help="CPU vector widths in bits to force, one JVM each per run"
                   " (default: the JVM's own choice)")
    p.add_argument("--jvm-flags", default="", help="more JVM options, e.g. -XX:UseAVX=2 (the code C2 makes on an"
                   " AVX2 host; with OPENBLAS_CORETYPE=Haswell for numpy, an AVX2 host on AVX-512 hardware)")
    p.add_argument("--out", help="default: bench/results/cpu-gemm-vs-numpy.json, or cpu-gemm-vs-numpy-<gc>-gc.json with --gc")
    a = p.parse_args()
    if a.out is None:
        name = "cpu-gemm-vs-numpy" + ("-%s-gc" % a.gc.lower() if a.gc else "") + ".json"
        a.out = os.path.join(ROOT, "bench", "results", name)
    jh = java_home()
    commit = git_commit()
    # Each JVM's own JSON names the commit it ran (environment.commit), as the ./adjoint launcher does.
    env = dict(os.environ, JAVA_HOME=jh, MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow", ADJOINT_COMMIT=commit)
    if not a.no_build:
        subprocess.run([os.path.join(ROOT, "mvnw"), "-B", "-ntp", "-q", "package", "-DskipTests"], cwd=ROOT, env=env,
                       check=True)
    shapes = a.shapes.split(",")
    threads = [int(t) for t in a.threads.split(",")]
    widths = [int(w) for w in a.widths.split(",") if w] or [None]
    java = (["-XX:+Use%sGC" % a.gc] if a.gc else []) + a.jvm_flags.split() + [
            "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-cp", JAR, "dev.adjoint.bench.GemmBench",
            "--device", "cpu", "--compare", "--repeat", str(a.rounds), "--sample", str(a.sample),
            "--warmup", str(a.warmup)]
    for s in shapes:
        java += ["--shape", s]

    keys = [(s, t, w) for s in shapes for t in threads for w in widths]
    samples = {k + (who,): [] for k in keys for who in ("numpy", "java")}
    paired = {k: [] for k in keys}
    run_medians = {k: [] for k in keys}
    foreign = {(t, w): [] for t in threads for w in widths}
    chosen = {}
    meta = {}
    for r in range(a.runs):
        for t in threads:
            for w in widths:
                print("run %d/%d, %d thread(s)%s" % (r + 1, a.runs, t, ", %d-bit" % w if w else ""), flush=True)
                flags = ["-Dadjoint.cpu.vectorBits=%d" % w, "-XX:MaxVectorSize=%d" % (w // 8)] if w else []
                res = run_json([os.path.join(jh, "bin", "java")] + flags + java + ["--threads", str(t)], env)
                if w == widths[0]:
                    meta = res  # the environment of the first width's JVMs (the JVM's own when it leads)
                chosen[w] = res["environment"].get("cpu_vectors")
                foreign[(t, w)].append(res["foreign_cores"])
                print("  other processes used %.2f cores meanwhile" % res["foreign_cores"])
                for x in res["results"]:
                    key = (x["shape"], t, w)
                    samples[key + ("java",)] += x["samples_gflops"]
                    samples[key + ("numpy",)] += x["peer_samples_gflops"]
                    paired[key] += [j / n for j, n in zip(x["samples_gflops"], x["peer_samples_gflops"])]
                    run_medians[key].append({"java": x["median_gflops"], "numpy": x["peer_median_gflops"],
                                             "ratio": x["ratio"]})

    combos = []
    print("\n%-16s %7s %6s %12s %12s %7s %13s %7s" % ("shape (MxKxN)", "threads", "bits", "numpy GF/s", "java GF/s",
                                                      "ratio", "paired ratio", "goal"))
    for (s, t, w) in keys:
            n_med = statistics.median(samples[(s, t, w, "numpy")])
            j_med = statistics.median(samples[(s, t, w, "java")])
            ratio = j_med / n_med
            pr = statistics.median(paired[(s, t, w)])
            combos.append({
                "shape": s, "threads": t, "vector_bits": w or meta["environment"].get("cpu_vector_bits"),
                "vectors": chosen[w],
                "numpy_median_gflops": round(n_med, 2), "java_median_gflops": round(j_med, 2),
                "ratio": round(ratio, 3), "paired_ratio_median": round(pr, 3), "goal": GOAL,
                "goal_met": ratio >= GOAL and pr >= GOAL,
                "per_run": run_medians[(s, t, w)], "foreign_cores_per_run": foreign[(t, w)],
                "numpy_samples": [round(x, 2) for x in samples[(s, t, w, "numpy")]],
                "java_samples": [round(x, 2) for x in samples[(s, t, w, "java")]],
            })
            print("%-16s %7d %6s %12.1f %12.1f %7.3f %13.3f %7s" % (s, t, combos[-1]["vector_bits"], n_med, j_med,
                                                                   ratio, pr,
                                                                   "met" if combos[-1]["goal_met"] else "not met"))

    if git_commit() != commit:
        print("the sources changed during the run: the result is marked dirty")
        commit = commit.removesuffix("-dirty") + "-dirty"
    out = {
        "benchmark": "cpu sgemm, adjoint (pure Java, Vector API) vs numpy (OpenBLAS), interleaved sample by sample",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "git_commit": commit,
        "method": ("per thread count (and forced width), %d JVMs (alternating thread counts and widths), each running `adjoint bench gemm --compare`:"
                   " %d rounds of one %.2f s sample by adjoint then one by the numpy peer (bench/reference/peer.py,"
                   " same thread count; the order alternates per round), per shape; Java warmed up %.1f s per shape"
                   " per JVM, then each side %.1f s of untimed calls right before each of its samples."
                   " ratio = median of all java samples / median of"
                   " all numpy samples; paired_ratio_median = median over rounds of java/numpy within the round. The"
                   " goal counts as met when both are >= %.2f. foreign_cores: CPU other processes used during each"
                   " JVM's run" % (a.runs, a.rounds, a.sample, a.warmup, meta.get(
                       "warmup_seconds_per_sample", 0), GOAL)),
        "shape_order": "MxKxN", "flops_per_call": "2*m*n*k", "goal_ratio": GOAL,
        "gc_flag": "-XX:+Use%sGC" % a.gc if a.gc else "none (the JVM's pick; environment.gc names it)",
        "jvm_flags": a.jvm_flags, "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "environment": meta.get("environment"),
        "platform": platform.platform(),
        "device": meta.get("device"),
        "peer": meta.get("peer"),
        "results": combos,
    }
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print("wrote " + a.out)


if __name__ == "__main__":
    main()
