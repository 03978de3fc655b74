#!/usr/bin/env python3
"""The peer side of `adjoint bench --compare`: times numpy (CPU) or PyTorch (CUDA, or its CPU build)
on the cases of Adjoint's benchmark matrix, one case per request, so that Adjoint and its peer are
timed in turn within a few seconds of each other.

    python3 bench/reference/peer.py numpy|torch [--device cpu|cuda]

--device says where the Adjoint device being compared computes (default cuda for torch): torch then
runs there too, and a cuda peer without a CUDA device is unavailable, never a silent CPU run.

The first line written is {"ready": true, "peer": ..., "versions": {...}}, or {"ready": false,
"reason": ...} when the runtime cannot be used here (then it exits). Then each line read is one
case, a JSON object:
    {"kind": "gemm", "shape": "MxKxN", ...budget}          C = A @ B, float32 (numpy_gemm / torch_gemm)
    {"kind": "train" | "infer", "sizes": [784, 256, 128, 10], "batch": 128, "precision": "fp32", ...budget}
                                                           the MLP step or forward pass (numpy_mlp / pytorch_mlp);
                                                           precision fp32 (the default), or for torch tf32, bf16,
                                                           fp16 (pytorch_mlp's autocast), which numpy refuses;
                                                           with "conv": [8, 16], the CNN of `adjoint train --conv`
                                                           (torch only), and "norm": "batch" its --norm batch
with the budget {"warmup": s, "sample": s, "repeat": n, "min_samples": n, "timed": s}, timed as
Adjoint's dev.adjoint.bench.Timing does: warm up (at least one call) for `warmup` seconds, then
samples of at least `sample` seconds each (a whole number of calls, then a synchronize) until
there are `repeat`, or, once `min_samples` are in, the next would end past `timed` seconds. Each
case is answered with one line: {"seconds": [per call, per sample], "calls_per_sample": n} (and
"max_rel_error" for GEMM), or {"error": ...}. Thread count: OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, set
by the caller (PyTorch on the CPU takes OMP_NUM_THREADS).
"""
import json
import math
import os
import platform
import sys
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


class NumpyPeer:
    name = "numpy"

    def __init__(self, device="cpu"):
        if device != "cpu":
            raise RuntimeError("numpy computes on the CPU only, not on %s" % device)
        import numpy as np
        import numpy_gemm
        import numpy_mlp
        self.np, self.gemm, self.mlp = np, numpy_gemm, numpy_mlp
        blas = numpy_gemm.blas_info(np)
        self.versions = {"numpy": np.__version__, "blas": "%s %s" % (blas.get("name"), blas.get("version")),
                         "blas_core": blas.get("core"),
                         "python": platform.python_version(),
                         "threads": os.environ.get("OPENBLAS_NUM_THREADS", "default")}

    def sync(self):
        pass

    def workload(self, case):
        if case["kind"] == "gemm":
            m, k, n = (int(x) for x in case["shape"].split("x"))
            return self.gemm.make_gemm(self.np, m, k, n, self.np.random.default_rng(42))
        precision = case.get("precision", "fp32")
        if precision != "fp32":
            raise ValueError("numpy computes in fp32 only, not %s; compare it with the torch peer" % precision)
        if case.get("conv"):
            raise ValueError("numpy has no convolution here; compare a CNN with the torch peer")
        mlp = self.mlp.Mlp(case["sizes"], case["batch"])
        return (mlp.train_step if case["kind"] == "train" else mlp.infer), None


class TorchPeer:
    name = "torch"

    def __init__(self, device="cuda"):
        import torch
        if device == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("torch %s sees no CUDA device" % torch.__version__)
        import pytorch_mlp
        import torch_gemm
        self.torch, self.gemm, self.mlp, self.device = torch, torch_gemm, pytorch_mlp, device
        if device == "cpu":
            threads = os.environ.get("OMP_NUM_THREADS")
            if threads:
                torch.set_num_threads(int(threads))
            self.versions = {"torch": torch.__version__, "device": "cpu", "threads": torch.get_num_threads(),
                             "python": platform.python_version()}
        else:
            self.versions = {"torch": torch.__version__, "cuda": str(torch.version.cuda),
                             "device": torch.cuda.get_device_name(0), "python": platform.python_version()}

    def sync(self):
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def workload(self, case):
        if case["kind"] == "gemm":
            m, k, n = (int(x) for x in case["shape"].split("x"))
            return self.gemm.make_gemm(m, k, n, device=self.device)
        mlp = self.mlp.TorchMlp(case["sizes"], case["batch"], device=self.device,
                                precision=case.get("precision", "fp32"), conv=case.get("conv", ()),
                                batch_norm=case.get("norm") == "batch")
        return (mlp.train_step if case["kind"] == "train" else mlp.infer), None


def measure(call, sync, budget):
    """Seconds per call of each sample and the calls per sample, as dev.adjoint.bench.Timing.measure."""
    t0 = time.perf_counter()
    end = t0 + budget["warmup"]
    calls = 0
    while True:
        call()
        sync()
        calls += 1
        if time.perf_counter() >= end:
            break
    per_call = (time.perf_counter() - t0) / calls
    batch = int(max(1, min(1_000_000, math.ceil(budget["sample"] / max(per_call, 1e-9)))))
    seconds = []
    start = time.perf_counter()
    while len(seconds) < budget["repeat"]:
        t = time.perf_counter()
        for _ in range(batch):
            call()
        sync()
        seconds.append(max(1e-12, (time.perf_counter() - t) / batch))
        spent = time.perf_counter() - start
        if len(seconds) >= budget["min_samples"] and spent + seconds[-1] * batch > budget["timed"]:
            break
    return seconds, batch


def main(argv):
    runtimes = {"numpy": NumpyPeer, "torch": TorchPeer}
    device = None
    if len(argv) == 3 and argv[1] == "--device" and argv[2] in ("cpu", "cuda"):
        device = argv[2]
    elif len(argv) != 1:
        argv = []
    if not argv or argv[0] not in runtimes:
        print("usage: peer.py numpy|torch [--device cpu|cuda]", file=sys.stderr)
        return 2
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    try:
        peer = runtimes[argv[0]](device) if device else runtimes[argv[0]]()
    except Exception as e:  # a missing module or device is an answer, not a crash
        emit({"ready": False, "reason": "%s: %s" % (type(e).__name__, e)})
        return 0
    emit({"ready": True, "peer": peer.name, "versions": peer.versions})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            case = json.loads(line)
            call, err = peer.workload(case)
            seconds, batch = measure(call, peer.sync, case)
            answer = {"seconds": seconds, "calls_per_sample": batch}
            if err is not None:
                answer["max_rel_error"] = err
        except (Exception, SystemExit) as e:
            answer = {"error": "%s: %s" % (type(e).__name__, e)}
        emit(answer)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
