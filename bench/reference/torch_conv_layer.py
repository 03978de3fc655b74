#!/usr/bin/env python3
"""One Conv2d layer's forward and backward in PyTorch on the CPU, the peer of `adjoint bench conv`:
y = conv(x), then y.sum().backward() (gradients of the input, the weight and the bias), with the threads
given. Warms up for --warmup seconds, then times whole calls for at least --seconds and prints
`seconds_per_call S`. Usage:
  torch_conv_layer.py --shape N,C,H,W --out O --kernel K --padding P [--threads T] [--seconds 1] [--warmup 1]"""
import argparse
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", required=True)
    ap.add_argument("--out", type=int, required=True)
    ap.add_argument("--kernel", type=int, required=True)
    ap.add_argument("--padding", type=int, required=True)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=1.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    a = ap.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    n, c, h, w = (int(s) for s in a.shape.split(","))
    torch.manual_seed(0)
    x = torch.randn(n, c, h, w, requires_grad=True)
    conv = torch.nn.Conv2d(c, a.out, a.kernel, padding=a.padding)

    def step():
        x.grad = None
        conv.zero_grad(set_to_none=True)
        conv(x).sum().backward()

    end = time.perf_counter() + a.warmup
    step()
    while time.perf_counter() < end:
        step()
    t0 = time.perf_counter()
    calls = 0
    while True:
        step()
        calls += 1
        if time.perf_counter() - t0 >= a.seconds:
            break
    print("seconds_per_call %.9f" % ((time.perf_counter() - t0) / calls), flush=True)
    print("torch %s threads %d" % (torch.__version__, torch.get_num_threads()), flush=True)


if __name__ == "__main__":
    main()
