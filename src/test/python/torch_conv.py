"""PyTorch's side of TorchConvolutionTest: convolution, pooling, layer and batch norm cases, computed by PyTorch.

  torch_conv.py DIR
      writes DIR/cases.safetensors (float32, laid out by hand: no safetensors package needed) with, for
      each case C, its inputs (C.x, C.w, C.b, ...), a random cotangent C.u, the output C.y and the
      gradients C.gx (and C.gw, C.gb) of sum(C.y * C.u); prints "ok N". Batch norm (bn1d on [N, C, L],
      bn2d on [N, C, H, W]) runs as a module: a training step on C.x (C.y, its gradients), a second on
      C.x2 (C.y2), the running statistics then (C.rm, C.rv), and eval mode on C.x3 (C.y3).
"""
import sys

import torch
import torch.nn.functional as F

from torch_half import write     # the safetensors layout, by hand


def main(d):
    g = torch.Generator().manual_seed(7)
    r = lambda *s: torch.randn(*s, generator=g)
    out = {}

    def case(name, fn, **inputs):
        leaves = {k: v.clone().requires_grad_(True) for k, v in inputs.items()}
        y = fn(**leaves)
        u = r(*y.shape)
        (y * u).sum().backward()
        for k, v in inputs.items():
            out[f"{name}.{k}"] = v
            out[f"{name}.g{k}"] = leaves[k].grad
        out[f"{name}.u"] = u
        out[f"{name}.y"] = y

    case("conv2d", lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2),
         x=r(2, 4, 9, 8), w=r(6, 2, 3, 2), b=r(6))
    case("same", lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(1, 2)),
         x=r(2, 3, 7, 6), w=r(4, 3, 4, 3), b=r(4))
    case("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), x=r(2, 3, 11), w=r(5, 3, 4), b=r(5))
    case("maxpool", lambda x: F.max_pool2d(x, (3, 2), stride=(2, 2), padding=(1, 1), ceil_mode=True), x=r(2, 3, 7, 9))
    case("avgpool", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), x=r(2, 3, 7, 9))
    case("avgceil", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True), x=r(2, 3, 8, 10))
    case("layernorm", lambda x, w, b: F.layer_norm(x, (9,), w, b, eps=1e-5), x=r(2, 3, 9) * 3 + 1, w=r(9), b=r(9))
    for name, module, shape in (("bn1d", torch.nn.BatchNorm1d(3), (4, 3, 5)), ("bn2d", torch.nn.BatchNorm2d(3), (4, 3, 5, 6))):
        with torch.no_grad():
            module.weight.copy_(r(3))
            module.bias.copy_(r(3))
        x = (r(*shape) * 2 + 1).requires_grad_(True)
        out[f"{name}.w"], out[f"{name}.b"] = module.weight.clone(), module.bias.clone()
        y = module(x)
        u = r(*y.shape)
        (y * u).sum().backward()
        out.update({f"{name}.x": x, f"{name}.y": y, f"{name}.u": u, f"{name}.gx": x.grad, f"{name}.gw": module.weight.grad,
                    f"{name}.gb": module.bias.grad})
        out[f"{name}.x2"] = r(*shape) * 0.5 - 1
        out[f"{name}.y2"] = module(out[f"{name}.x2"])
        out[f"{name}.rm"], out[f"{name}.rv"] = module.running_mean.clone(), module.running_var.clone()
        module.eval()
        out[f"{name}.x3"] = r(2, *shape[1:])
        out[f"{name}.y3"] = module(out[f"{name}.x3"])
    write(d + "/cases.safetensors", {k: v.detach().float() for k, v in out.items()})
    print("ok", len(out))


if __name__ == "__main__":
    main(sys.argv[1])
