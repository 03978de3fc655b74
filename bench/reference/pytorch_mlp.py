#!/usr/bin/env python3
"""The MLP training step of `adjoint bench train`, in PyTorch on the GPU: the GPU peer.

Same model and update as Adjoint's: nn.Sequential of Linear/ReLU, mean cross-entropy from
logits, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), full FP32 (TF32 off, as Adjoint's default).
Synthetic batches are made on the device once; the timed loop only trains. Modes:
  eager    the usual Python loop (PyTorch eager);
  graph    the whole step captured once as a CUDA graph and replayed (torch.cuda.graphs);
  compile  torch.compile of the model (mode max-autotune-no-cudagraphs), eager optimizer.
Prints `samples_per_second N` once per repeat; --json FILE writes them with versions.
"""
import argparse
import json
import time

import torch


def build(sizes, device):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).to(device)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="784,256,128,10")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--mode", choices=["eager", "graph", "compile"], default="eager")
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device("cuda")
    sizes = [int(s) for s in a.sizes.split(",")]
    torch.manual_seed(1)
    model = build(sizes, dev)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, capturable=(a.mode == "graph"))
    loss_fn = torch.nn.CrossEntropyLoss()
    xs = [torch.randn(a.batch, sizes[0], device=dev) for _ in range(4)]
    ys = [torch.randint(0, sizes[-1], (a.batch,), device=dev) for _ in range(4)]
    fwd = torch.compile(model, mode="max-autotune-no-cudagraphs") if a.mode == "compile" else model

    def step(x, y):
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(fwd(x), y)
        loss.backward()
        opt.step()
        return loss

    run = step
    if a.mode == "graph":
        sx, sy = xs[0].clone(), ys[0].clone()
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):
                step(sx, sy)
        torch.cuda.current_stream().wait_stream(s)
        g = torch.cuda.CUDAGraph()
        with torch.cuda.graph(g):
            step(sx, sy)

        def run(x, y):
            sx.copy_(x)
            sy.copy_(y)
            g.replay()

    i = 0
    end = time.perf_counter() + a.warmup
    while time.perf_counter() < end:
        run(xs[i % 4], ys[i % 4])
        i += 1
    torch.cuda.synchronize()
    results = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        n = 0
        while True:
            run(xs[i % 4], ys[i % 4])
            i += 1
            n += 1
            if n % 8 == 0:
                torch.cuda.synchronize()
                if time.perf_counter() - t0 >= a.seconds:
                    break
        sps = n * a.batch / (time.perf_counter() - t0)
        results.append(sps)
        print(f"samples_per_second {sps:.1f}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"peer": "torch-" + a.mode, "torch": torch.__version__, "cuda": torch.version.cuda,
                       "device": torch.cuda.get_device_name(), "sizes": sizes, "batch": a.batch,
                       "samples_per_second": results}, f, indent=2)


if __name__ == "__main__":
    main()
