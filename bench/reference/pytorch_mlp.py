#!/usr/bin/env python3
"""The MLP training step of `adjoint bench train`, in PyTorch on the GPU (the GPU peer) or on the CPU
(peer.py torch --device cpu).

Same model and update as Adjoint's: nn.Sequential of Linear/ReLU, mean cross-entropy from
logits, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), full FP32 (TF32 off, as Adjoint's default).
Synthetic batches are made on the device once; the timed loop only trains. `TorchMlp.infer` (used by
peer.py) is the forward pass to softmax probabilities, gradients off. Modes:
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


class TorchMlp:
    """Model, Adam, loss and four batches on the device (full FP32). step(x, y) is one training step;
    train_step() and infer() (forward only, to softmax probabilities; used by peer.py) take the
    batches in turn."""

    def __init__(self, sizes, batch, mode="eager", seed=1, device="cuda"):
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        dev = torch.device(device)
        torch.manual_seed(seed)
        self.model = build(sizes, dev)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, capturable=(mode == "graph"))
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.xs = [torch.randn(batch, sizes[0], device=dev) for _ in range(4)]
        self.ys = [torch.randint(0, sizes[-1], (batch,), device=dev) for _ in range(4)]
        self.fwd = torch.compile(self.model, mode="max-autotune-no-cudagraphs") if mode == "compile" else self.model
        self.i = 0

    def step(self, x, y):
        self.opt.zero_grad(set_to_none=False)
        loss = self.loss_fn(self.fwd(x), y)
        loss.backward()
        self.opt.step()
        return loss

    def _batch(self):
        k = self.i % 4
        self.i += 1
        return self.xs[k], self.ys[k]

    def train_step(self):
        return self.step(*self._batch())

    def infer(self):
        x, _ = self._batch()
        with torch.no_grad():
            return torch.softmax(self.fwd(x), dim=1)


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
    sizes = [int(s) for s in a.sizes.split(",")]
    mlp = TorchMlp(sizes, a.batch, a.mode)
    xs, ys, step = mlp.xs, mlp.ys, mlp.step

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
