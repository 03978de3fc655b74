#!/usr/bin/env python3
"""PyTorch peer for Adjoint's SGEMM benchmark: torch.matmul FP32 (no TF32) on square n^3,
timed with CUDA events, median of `reps` after warm-up, then the median of 5 batches of 20
back-to-back products. Prints one JSON object. `make_gemm` (used by peer.py) takes any MxKxN.
usage: torch_gemm.py [n] [reps] [out.json]"""
import json
import statistics
import sys

import torch


def full_fp32():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    try:  # the newer knob (torch >= 2.9); keep full FP32 either way
        torch.backends.cuda.matmul.fp32_precision = "ieee"
    except Exception:
        pass


def make_gemm(m, k, n, seed=0, device="cuda"):
    """C = A @ B on uniform [-1, 1) inputs on the device, validated on 256 sampled entries against
    float64: (call, relative error of the sample's norm)."""
    full_fp32()
    dev = torch.device(device)
    g = torch.Generator(device=dev).manual_seed(seed)
    a = torch.rand(m, k, device=dev, generator=g) * 2 - 1
    b = torch.rand(k, n, device=dev, generator=g) * 2 - 1
    c = torch.matmul(a, b)
    idx = torch.randint(0, m, (256,), device=dev, generator=g)
    jdx = torch.randint(0, n, (256,), device=dev, generator=g)
    ref = (a[idx].double() * b[:, jdx].t().double()).sum(dim=1)
    rel = ((c[idx, jdx].double() - ref).norm() / ref.norm()).item()
    if not rel <= 1e-4:
        raise SystemExit("torch.matmul %dx%dx%d is wrong: relative error %g" % (m, k, n, rel))
    return (lambda: torch.matmul(a, b, out=c)), rel


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    gemm, rel = make_gemm(n, n, n)
    for _ in range(10):
        gemm()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        s = torch.cuda.Event(enable_timing=True)
        e = torch.cuda.Event(enable_timing=True)
        s.record()
        gemm()
        e.record()
        e.synchronize()
        times.append(s.elapsed_time(e))
    med = statistics.median(times)
    # back to back: 5 batches of 20 products between one pair of events (median batch, per product)
    batches = []
    for _ in range(5):
        s = torch.cuda.Event(enable_timing=True)
        e = torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(20):
            gemm()
        e.record()
        e.synchronize()
        batches.append(s.elapsed_time(e) / 20)
    batched = statistics.median(batches)
    out = {
        "peer": "torch.matmul", "torch": torch.__version__, "cuda": torch.version.cuda,
        "device": torch.cuda.get_device_name(0), "m": n, "n": n, "k": n, "dtype": "float32",
        "allow_tf32": torch.backends.cuda.matmul.allow_tf32, "rel_err_vs_float64_sample": rel,
        "reps": reps, "median_ms": med, "min_ms": min(times), "max_ms": max(times),
        "tflops_median": 2.0 * n ** 3 / med / 1e9,
        "batched_ms_per_gemm": batched, "tflops_batched": 2.0 * n ** 3 / batched / 1e9,
    }
    text = json.dumps(out, indent=2)
    print(text)
    if len(sys.argv) > 3:
        open(sys.argv[3], "w").write(text + "\n")


if __name__ == "__main__":
    main()
