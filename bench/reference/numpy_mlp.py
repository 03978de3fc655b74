#!/usr/bin/env python3
"""The MLP of `adjoint bench train` and `adjoint bench`, in numpy (float32): the CPU peer.

Same model and update as Adjoint's: Linear layers with weights stored [out, in] (y = x W^T + b),
ReLU between them, mean softmax cross-entropy from logits, backward by hand, Adam (lr 1e-3,
betas 0.9/0.999, eps 1e-8) over every parameter. Synthetic batches (normal inputs, random labels)
are made once; the timed loop only trains. Inference (`Mlp.infer`, used by peer.py) is the
forward pass to softmax probabilities. Thread count: OPENBLAS_NUM_THREADS (set it before numpy is
imported; `adjoint bench train --threads T --compare` does).

Prints `samples_per_second N` once per repeat; --json FILE writes all of them.
"""
import argparse
import json
import time

import numpy as np


class Mlp:
    """Parameters, Adam state and four batches, taken in turn by train_step() and infer()."""

    def __init__(self, sizes, batch, seed=1):
        rng = np.random.default_rng(seed)
        self.params = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = np.sqrt(6.0 / fan_in)
            self.params.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32))
            self.params.append(np.zeros(fan_out, np.float32))
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.xs = [rng.standard_normal((batch, sizes[0]), dtype=np.float32) for _ in range(4)]
        self.ys = [rng.integers(0, sizes[-1], batch) for _ in range(4)]
        self.t = 0
        self.i = 0

    def _batch(self):
        k = self.i % 4
        self.i += 1
        return self.xs[k], self.ys[k]

    def _forward(self, x):
        """Activations of every layer, the input first and the logits last."""
        acts = [x]
        h = x
        layers = len(self.params) // 2
        for i in range(layers):
            h = h @ self.params[2 * i].T + self.params[2 * i + 1]
            if i < layers - 1:
                np.maximum(h, 0, out=h)
            acts.append(h)
        return acts

    def infer(self):
        """Softmax probabilities of the next batch, forward only."""
        x, _ = self._batch()
        logits = self._forward(x)[-1]
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def train_step(self):
        """One step on the next batch: forward, loss, backward, Adam; returns the loss."""
        x, y = self._batch()
        params, m, v = self.params, self.m, self.v
        acts = self._forward(x)
        logits = acts[-1]
        z = logits - logits.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        n = x.shape[0]
        loss = float(np.log(e.sum(axis=1)).mean() - z[np.arange(n), y].mean())
        # backward
        g = p
        g[np.arange(n), y] -= 1
        g /= n
        layers = len(params) // 2
        grads = [None] * len(params)
        for i in reversed(range(layers)):
            grads[2 * i] = g.T @ acts[i]
            grads[2 * i + 1] = g.sum(axis=0)
            if i > 0:
                g = g @ params[2 * i]
                g *= acts[i] > 0
        # Adam
        lr, b1, b2, eps = np.float32(1e-3), np.float32(0.9), np.float32(0.999), np.float32(1e-8)
        self.t += 1
        step_size = lr / (1 - b1 ** self.t)
        bc2 = np.sqrt(1 - b2 ** self.t)
        for k in range(len(params)):
            m[k] *= b1
            m[k] += (1 - b1) * grads[k]
            v[k] *= b2
            v[k] += (1 - b2) * grads[k] * grads[k]
            params[k] -= step_size * m[k] / (np.sqrt(v[k]) / bc2 + eps)
        return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="784,256,128,10")
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--seconds", type=float, default=1.0, help="minimum seconds per timed repeat")
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    mlp = Mlp(sizes, a.batch)

    end = time.perf_counter() + a.warmup
    while time.perf_counter() < end:
        mlp.train_step()
    results = []
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        n = 0
        while True:
            mlp.train_step()
            n += 1
            if time.perf_counter() - t0 >= a.seconds:
                break
        sps = n * a.batch / (time.perf_counter() - t0)
        results.append(sps)
        print(f"samples_per_second {sps:.1f}", flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"peer": "numpy", "numpy": np.__version__, "sizes": sizes, "batch": a.batch,
                       "samples_per_second": results}, f, indent=2)


if __name__ == "__main__":
    main()
