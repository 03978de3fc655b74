#!/usr/bin/env python3
"""The MLP training step of `adjoint bench train`, in PyTorch on the GPU (the GPU peer) or on the CPU
(peer.py torch --device cpu).

Same model and update as Adjoint's: nn.Sequential of Linear/ReLU, mean cross-entropy from
logits, Adam (lr 1e-3, betas 0.9/0.999, eps 1e-8), full FP32 (TF32 off, as Adjoint's default), or
--precision as `adjoint train --precision`: tf32 (allow_tf32), bf16 or fp16 (torch.autocast around the
forward and loss, FP32 parameters and Adam state; fp16 with torch.amp.GradScaler's defaults).
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


def build(sizes, device, conv=(), batch_norm=False):
    """Linear/ReLU layers of `sizes`; with `conv` channels, first Adjoint's convolution stages on square grey
    images of sizes[0] values (train --conv): 5x5 same convolution, ReLU, 2x2 max pooling each, then Flatten;
    with `batch_norm` (train --norm batch), BatchNorm2d/1d before every hidden ReLU."""
    layers = []
    if conv:
        side = int(round(sizes[0] ** 0.5))
        layers.append(torch.nn.Unflatten(1, (1, side, side)))
        c = 1
        for out in conv:
            layers.append(torch.nn.Conv2d(c, out, 5, padding=2))
            if batch_norm:
                layers.append(torch.nn.BatchNorm2d(out))
            layers += [torch.nn.ReLU(), torch.nn.MaxPool2d(2)]
            c, side = out, side // 2
        layers.append(torch.nn.Flatten())
        sizes = [c * side * side] + list(sizes[1:])
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(torch.nn.BatchNorm1d(b))
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).to(device)


PRECISIONS = ("fp32", "tf32", "bf16", "fp16")


class TorchMlp:
    """Model, Adam, loss and four batches on the device (FP32 master weights). step(x, y) is one training
    step; train_step() and infer() (forward only, to softmax probabilities; used by peer.py) take the
    batches in turn."""

    def __init__(self, sizes, batch, mode="eager", seed=1, device="cuda", precision="fp32", conv=(), batch_norm=False):
        if precision not in PRECISIONS:
            raise ValueError("precision must be one of %s, got %r" % (", ".join(PRECISIONS), precision))
        if precision == "fp16" and mode == "graph":
            raise ValueError("fp16's GradScaler reads the scale back on the host: no CUDA graph capture")
        torch.backends.cuda.matmul.allow_tf32 = precision == "tf32"
        torch.backends.cudnn.allow_tf32 = precision == "tf32"
        self.precision = precision
        self.cast = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(precision)
        self.device_type = torch.device(device).type
        self.scaler = torch.amp.GradScaler(self.device_type) if precision == "fp16" else None
        dev = torch.device(device)
        torch.manual_seed(seed)
        self.model = build(sizes, dev, conv, batch_norm)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-3, capturable=(mode == "graph"))
        self.loss_fn = torch.nn.CrossEntropyLoss()
        self.xs = [torch.randn(batch, sizes[0], device=dev) for _ in range(4)]
        self.ys = [torch.randint(0, sizes[-1], (batch,), device=dev) for _ in range(4)]
        self.fwd = torch.compile(self.model, mode="max-autotune-no-cudagraphs") if mode == "compile" else self.model
        self.i = 0

    def autocast(self):
        return torch.autocast(self.device_type, dtype=self.cast, enabled=self.cast is not None)

    def step(self, x, y):
        self.opt.zero_grad(set_to_none=False)
        with self.autocast():
            loss = self.loss_fn(self.fwd(x), y)
        if self.scaler is None:
            loss.backward()
            self.opt.step()
        else:
            self.scaler.scale(loss).backward()
            self.scaler.step(self.opt)
            self.scaler.update()
        return loss

    def _batch(self):
        k = self.i % 4
        self.i += 1
        return self.xs[k], self.ys[k]

    def train_step(self):
        return self.step(*self._batch())

    def infer(self):
        x, _ = self._batch()
        with torch.no_grad(), self.autocast():
            return torch.softmax(self.fwd(x).float(), dim=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="784,256,128,10")
    ap.add_argument("--conv", default="", help="convolution stages' channels, e.g. 8,16 (as adjoint train --conv)")
    ap.add_argument("--norm", choices=["none", "batch"], default="none", help="as adjoint train --norm")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--mode", choices=["eager", "graph", "compile"], default="eager")
    ap.add_argument("--precision", choices=PRECISIONS, default="fp32")
    ap.add_argument("--json")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    conv = [int(c) for c in a.conv.split(",") if c]
    mlp = TorchMlp(sizes, a.batch, a.mode, precision=a.precision, conv=conv, batch_norm=a.norm == "batch")
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
            json.dump({"peer": "torch-" + a.mode, "precision": a.precision, "torch": torch.__version__, "cuda": torch.version.cuda,
                       "device": torch.cuda.get_device_name(), "sizes": sizes, "batch": a.batch,
                       "samples_per_second": results}, f, indent=2)


if __name__ == "__main__":
    main()
