#!/usr/bin/env python3
"""Independent check that an Adjoint checkpoint loads into PyTorch: rebuild the model from
config.json as a torch.nn.Sequential (an MLP, or a CNN: Unflatten, then per stage Conv2d 5x5 'same',
the activation and MaxPool2d(2), then Flatten and the MLP; with "norm": "batch", BatchNorm2d/1d before
each hidden activation; or a model file's layers: build_model, which src/test/python/torch_model.py uses too), load model.safetensors (read by hand: no
safetensors package needed) with strict names, and report the test accuracy on Fashion-MNIST (IDX
files) with the checkpoint's normalization. Usage:
  check_safetensors_torch.py CHECKPOINT_DIR FASHION_MNIST_DIR [--json OUT]"""
import gzip
import json
import os
import sys

import numpy as np
import torch

# the hand-written safetensors reader the Java tests' PyTorch side uses (no safetensors package needed)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "python"))
from torch_half import read  # noqa: E402


def load_file(path):
    """A safetensors file's F32 tensors, by name, read with torch_half.read (the one hand-written reader)."""
    out = {}
    for name, (dtype, t) in read(path).items():
        if dtype != "F32":
            raise SystemExit(f"{path}: {name} is {dtype}, this check reads F32 checkpoints")
        out[name] = t
    return out


def idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


ACTIVATIONS = {"relu": torch.nn.ReLU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "tanh": torch.nn.Tanh,
               "sigmoid": torch.nn.Sigmoid, "gelu": torch.nn.GELU}


def build_model(model_cfg):
    """The torch.nn.Sequential of a checkpoint's "model": an MLP or CNN of the flags, or a model file's layers."""
    if model_cfg.get("type") == "layers":
        return build_layers(model_cfg)
    sizes = model_cfg["sizes"]
    act = ACTIVATIONS[model_cfg["activation"]]
    layers = []
    batch_norm = model_cfg.get("norm") == "batch"   # after every convolution and hidden Linear, before the activation
    if model_cfg.get("type") == "cnn":
        c, h, w = model_cfg["image"]
        layers.append(torch.nn.Unflatten(1, (c, h, w)))
        for ch in model_cfg["conv"]:
            layers.append(torch.nn.Conv2d(c, ch, 5, padding="same"))
            if batch_norm:
                layers.append(torch.nn.BatchNorm2d(ch))
            layers += [act(), torch.nn.MaxPool2d(2)]
            c, h, w = ch, h // 2, w // 2
        layers.append(torch.nn.Flatten())
        sizes = [c * h * w] + sizes[1:]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(sizes) - 2:
            if batch_norm:
                layers.append(torch.nn.BatchNorm1d(b))
            layers.append(act())
            if model_cfg.get("dropout", 0) > 0:
                layers.append(torch.nn.Dropout(model_cfg["dropout"]))   # Adjoint's place for it: after each hidden activation
    return torch.nn.Sequential(*layers)


def build_layers(model_cfg):
    """A model file's layers (dev.adjoint.train.LayerSpec) as torch modules, each one's input size found by running
    a row of zeros through the ones before it, as Adjoint does."""
    def pair(v):
        return tuple(v) if isinstance(v, list) else (v, v)

    layers = []
    if "input" in model_cfg:
        layers.append(torch.nn.Unflatten(1, tuple(model_cfg["input"])))
        x = torch.zeros(1, *model_cfg["input"])
    else:
        x = torch.zeros(1, model_cfg["inputs"])
    for spec in model_cfg["layers"]:
        t, g = spec["type"], spec.get
        if t == "linear":
            layer = torch.nn.Linear(x.shape[1], spec["out"], bias=g("bias", True))
        elif t in ("conv2d", "conv1d"):
            two = t == "conv2d"
            size = pair if two else (lambda v: v)
            pad = g("padding", 0)
            layer = (torch.nn.Conv2d if two else torch.nn.Conv1d)(
                x.shape[1], spec["out"], size(spec["kernel"]), stride=size(g("stride", 1)),
                padding=pad if isinstance(pad, str) else size(pad), dilation=size(g("dilation", 1)),
                groups=g("groups", 1), bias=g("bias", True))
        elif t in ("maxpool2d", "avgpool2d", "maxpool1d", "avgpool1d"):
            size = pair if t.endswith("2d") else (lambda v: v)
            k = spec["kernel"]
            if t.startswith("max"):
                layer = (torch.nn.MaxPool2d if t.endswith("2d") else torch.nn.MaxPool1d)(
                    size(k), stride=size(g("stride", k)), padding=size(g("padding", 0)), dilation=size(g("dilation", 1)),
                    ceil_mode=g("ceil_mode", False))
            else:
                layer = (torch.nn.AvgPool2d if t.endswith("2d") else torch.nn.AvgPool1d)(
                    size(k), stride=size(g("stride", k)), padding=size(g("padding", 0)))
        elif t in ("batchnorm1d", "batchnorm2d"):
            layer = (torch.nn.BatchNorm1d if t == "batchnorm1d" else torch.nn.BatchNorm2d)(
                x.shape[1], eps=g("eps", 1e-5), momentum=g("momentum", 0.1))
        elif t == "layernorm":
            layer = torch.nn.LayerNorm(x.shape[-1], eps=g("eps", 1e-5))
        elif t == "dropout":
            layer = torch.nn.Dropout(g("p", 0.5))
        elif t == "flatten":
            layer = torch.nn.Flatten()
        else:
            layer = ACTIVATIONS[t]()
        layer.eval()
        with torch.no_grad():
            x = layer(x)
        layers.append(layer)
    return torch.nn.Sequential(*layers)


def main():
    ckpt, data = sys.argv[1], sys.argv[2]
    out = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--json" else None
    cfg = json.load(open(f"{ckpt}/config.json"))
    model = build_model(cfg["model"])
    model.eval()
    state = load_file(f"{ckpt}/model.safetensors")
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not missing, f"missing tensors: {missing}"
    x = idx(f"{data}/t10k-images-idx3-ubyte.gz").reshape(-1, 784).astype(np.float32) / 255.0
    y = idx(f"{data}/t10k-labels-idx1-ubyte.gz")
    norm = cfg["normalization"]
    x = (x - norm["mean"]) / norm["std"]
    with torch.no_grad():
        pred = model(torch.from_numpy(x)).argmax(1).numpy()
    acc = float((pred == y).mean())
    result = {"torch": torch.__version__, "tensors": sorted(state.keys()), "ignored": sorted(unexpected),
              "test_accuracy": acc, "samples": int(len(y))}
    print(json.dumps(result))
    if out:
        json.dump(result, open(out, "w"), indent=2)


if __name__ == "__main__":
    main()
