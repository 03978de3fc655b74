#!/usr/bin/env python3
"""PyTorch peer for Adjoint's SGEMM benchmark: torch.matmul FP32 (no TF32) on square n^3,
timed with CUDA events, median of `reps` after warm-up, then the median of 5 batches of 20
back-to-back products. Prints one JSON object.
usage: torch_gemm.py [n] [reps] [out.json]"""
import json
import statistics
import sys

import torch

n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
try:  # the newer knob (torch >= 2.9); keep full FP32 either way
    torch.backends.cuda.matmul.fp32_precision = "ieee"
except Exception:
    pass

dev = torch.device("cuda")
g = torch.Generator(device=dev).manual_seed(0)
a = torch.rand(n, n, device=dev, generator=g) * 2 - 1
b = torch.rand(n, n, device=dev, generator=g) * 2 - 1
c = torch.matmul(a, b)
# validate on a sample against float64
idx = torch.randint(0, n, (256,), device=dev, generator=g)
jdx = torch.randint(0, n, (256,), device=dev, generator=g)
ref = (a[idx].double() * b[:, jdx].t().double()).sum(dim=1)
rel = ((c[idx, jdx].double() - ref).norm() / ref.norm()).item()
for _ in range(10):
    torch.matmul(a, b, out=c)
torch.cuda.synchronize()
times = []
for _ in range(reps):
    s = torch.cuda.Event(enable_timing=True)
    e = torch.cuda.Event(enable_timing=True)
    s.record()
    torch.matmul(a, b, out=c)
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
        torch.matmul(a, b, out=c)
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
