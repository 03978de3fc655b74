#!/usr/bin/env python3
"""PyTorch peer for Adjoint's SGEMM benchmark: torch.matmul FP32 (no TF32; with --tf32, TF32 tensor
cores, as Adjoint's -Dadjoint.cuda.tf32=true) on square n^3, timed with CUDA events, median of `reps`
after warm-up, then the median of 5 batches of 20 back-to-back products. Prints one JSON object.
`make_gemm` (used by peer.py) takes any MxKxN.
usage: torch_gemm.py [n] [reps] [out.json] [--tf32]"""
import json
import statistics
import sys

import torch


def fp32_mode(tf32=False):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    try:  # the newer knob (torch >= 2.9), set the same way
        torch.backends.cuda.matmul.fp32_precision = "tf32" if tf32 else "ieee"
    except Exception:
        pass


def make_gemm(m, k, n, seed=0, device="cuda", tf32=False):
    """C = A @ B on uniform [-1, 1) inputs on the device, validated on 256 sampled entries against
    float64: (call, relative error of the sample's norm; at most 1e-4 in FP32, 5e-3 in TF32, whose
    operands keep 10 mantissa bits)."""
    fp32_mode(tf32)
    dev = torch.device(device)
    g = torch.Generator(device=dev).manual_seed(seed)
    a = torch.rand(m, k, device=dev, generator=g) * 2 - 1
    b = torch.rand(k, n, device=dev, generator=g) * 2 - 1
    c = torch.matmul(a, b)
    idx = torch.randint(0, m, (256,), device=dev, generator=g)
    jdx = torch.randint(0, n, (256,), device=dev, generator=g)
    ref = (a[idx].double() * b[:, jdx].t().double()).sum(dim=1)
    rel = ((c[idx, jdx].double() - ref).norm() / ref.norm()).item()
    if not rel <= (5e-3 if tf32 else 1e-4):
        raise SystemExit("torch.matmul %dx%dx%d is wrong: relative error %g" % (m, k, n, rel))
    return (lambda: torch.matmul(a, b, out=c)), rel


def main():
    tf32 = "--tf32" in sys.argv[1:]
    args = [a for a in sys.argv[1:] if a != "--tf32"]
    n = int(args[0]) if len(args) > 0 else 4096
    reps = int(args[1]) if len(args) > 1 else 30
    gemm, rel = make_gemm(n, n, n, tf32=tf32)
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
        "device": torch.cuda.get_device_name(0), "m": n, "n": n, "k": n, "dtype": "float32" + (" (tf32)" if tf32 else ""),
        "allow_tf32": torch.backends.cuda.matmul.allow_tf32, "rel_err_vs_float64_sample": rel,
        "reps": reps, "median_ms": med, "min_ms": min(times), "max_ms": max(times),
        "tflops_median": 2.0 * n ** 3 / med / 1e9,
        "batched_ms_per_gemm": batched, "tflops_batched": 2.0 * n ** 3 / batched / 1e9,
    }
    text = json.dumps(out, indent=2)
    print(text)
    if len(args) > 2:
        open(args[2], "w").write(text + "\n")


if __name__ == "__main__":
    main()
