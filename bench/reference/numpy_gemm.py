#!/usr/bin/env python3
"""Times numpy float32 matmul (OpenBLAS SGEMM), the peer of `adjoint bench gemm`.

Shapes are MxKxN: A is MxK, B is KxN, one call is 2*M*N*K floating-point operations.
--threads sets OPENBLAS_NUM_THREADS (and OMP/MKL equivalents) before numpy is imported.
Each sample is a batch of calls lasting at least --sample seconds; the median GFLOP/s is reported.
"""
import argparse
import json
import os
import platform
import sys
import time

# The JMH GemmBenchmark's shapes (its @Param "shape"; bench/test_reference.py keeps the two equal):
# squares, then the MLP layers 784-256-128-10 at batch 128, 784-1024-1024-10 at 256, 784-4096-4096-10 at 1024.
DEFAULT_SHAPES = ["256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
                  "128x784x256", "128x256x128", "256x784x1024", "256x1024x1024", "1024x784x4096", "1024x4096x4096"]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", action="append", default=[],
                   help="MxKxN (repeatable; with neither --shape nor --size, the JMH benchmark's shapes)")
    p.add_argument("--size", action="append", type=int, default=[], help="adds NxNxN (repeatable)")
    p.add_argument("--threads", type=int, default=0, help="BLAS threads (default: numpy's choice)")
    p.add_argument("--repeat", type=int, default=10, help="timed samples per shape")
    p.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per shape")
    p.add_argument("--sample", type=float, default=0.2, help="minimum seconds per sample")
    p.add_argument("--json", help="write results as JSON to this file")
    a = p.parse_args(argv)
    shapes = []
    for s in a.shape:
        parts = s.lower().split("x")
        if len(parts) != 3 or not all(x.isdigit() and int(x) > 0 for x in parts):
            p.error("--shape %s: expected MxKxN, e.g. 128x784x256" % s)
        shapes.append(tuple(int(x) for x in parts))
    shapes += [(n, n, n) for n in a.size]
    a.shapes = shapes or [tuple(int(x) for x in s.split("x")) for s in DEFAULT_SHAPES]
    return a


def main(argv):
    a = parse_args(argv)
    if a.threads > 0:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(a.threads)
    if "numpy" in sys.modules:
        raise SystemExit("numpy was imported before the thread count was set")
    import numpy as np

    rng = np.random.default_rng(42)
    results = []
    for (m, k, n) in a.shapes:
        gemm, err = make_gemm(np, m, k, n, rng)
        t0 = time.perf_counter()
        calls = 0
        while True:
            gemm()
            calls += 1
            if time.perf_counter() - t0 >= a.warmup:
                break
        per_call = (time.perf_counter() - t0) / calls
        batch = max(1, int(-(-a.sample // per_call)))
        flops = 2.0 * m * n * k
        samples = []
        for _ in range(a.repeat):
            t = time.perf_counter()
            for _ in range(batch):
                gemm()
            samples.append(flops * batch / (time.perf_counter() - t) / 1e9)
        s = sorted(samples)
        med = s[len(s) // 2] if len(s) % 2 else (s[len(s) // 2 - 1] + s[len(s) // 2]) / 2
        results.append({"shape": "%dx%dx%d" % (m, k, n), "m": m, "k": k, "n": n,
                        "median_gflops": round(med, 2), "min_gflops": round(s[0], 2),
                        "max_gflops": round(s[-1], 2), "calls_per_sample": batch,
                        "max_rel_error": float("%.3g" % err),
                        "samples_gflops": [round(v, 2) for v in samples]})
        print("numpy %dx%dx%d (MxKxN) threads=%s: median %.1f GFLOP/s, min %.1f, max %.1f (%d samples of %d calls)"
              % (m, k, n, a.threads or "default", med, s[0], s[-1], len(s), batch))
    if a.json:
        info = {"benchmark": "gemm", "peer": "numpy", "numpy": np.__version__, "blas": blas_info(np),
                "python": platform.python_version(), "threads": a.threads or None,
                "shape_order": "MxKxN", "flops_per_call": "2*m*n*k",
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": results}
        with open(a.json, "w") as f:
            json.dump(info, f, indent=2)
            f.write("\n")


def make_gemm(np, m, k, n, rng):
    """C = A @ B on uniform [-1, 1) float32 inputs, validated once against float64: (call, max error).

    The error of each entry is relative to the sum of |a*b| over its dot product; above 1e-4 is wrong.
    """
    x = rng.uniform(-1, 1, (m, k)).astype(np.float32)
    y = rng.uniform(-1, 1, (k, n)).astype(np.float32)
    out = np.empty((m, n), np.float32)
    np.matmul(x, y, out=out)
    rows = rng.integers(0, m, min(m, 64))
    ref = x[rows].astype(np.float64) @ y.astype(np.float64)
    mag = np.abs(x[rows]).astype(np.float64) @ np.abs(y).astype(np.float64)
    err = float(np.max(np.abs(out[rows] - ref) / mag))
    if not err <= 1e-4:
        raise SystemExit("numpy matmul %dx%dx%d is wrong: relative error %g" % (m, k, n, err))
    return (lambda: np.matmul(x, y, out=out)), err


def blas_info(np):
    """numpy's BLAS as it reports itself (name and version), e.g. scipy-openblas 0.3.29."""
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        return {"name": blas.get("name"), "version": blas.get("version"),
                "config": blas.get("openblas configuration"), "core": openblas_core(np)}
    except Exception as e:  # older numpy: no dict mode
        return {"error": str(e)}


def openblas_core(np):
    """The kernel set OpenBLAS chose at run time (e.g. SkylakeX on an AVX-512 host, Haswell on AVX2, or
    what OPENBLAS_CORETYPE forces), from numpy's bundled library; None where it cannot be asked."""
    import ctypes
    import glob
    import os
    for lib in glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs", "*openblas*")):
        try:
            dll = ctypes.CDLL(lib)
        except OSError:
            continue
        for name in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_",
                     "openblas_get_corename"):
            f = getattr(dll, name, None)
            if f is not None:
                f.restype = ctypes.c_char_p
                return f().decode()
    return None


if __name__ == "__main__":
    main(sys.argv[1:])
