"""PyTorch's side of cli/ModelFileTest: an Adjoint checkpoint rebuilt in PyTorch and run.

  torch_model.py CHECKPOINT_DIR INPUTS OUT
      builds the checkpoint's model with bench/reference/check_safetensors_torch.py's build_model (MLP, CNN or a
      model file's layers), loads model.safetensors with strict names (only the optimizer's tensors left over;
      BatchNorm's num_batches_tracked, which Adjoint does not keep, is the one PyTorch fills in), and writes, in
      eval mode, the model's outputs for INPUTS' "x" (rows of features) to OUT as "y"; prints "ok".
"""
import os
import sys

import torch

from torch_half import read, write     # the safetensors layout, by hand

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "bench", "reference"))
from check_safetensors_torch import build_model  # noqa: E402


def main(ckpt, inputs, out):
    import json
    cfg = json.load(open(f"{ckpt}/config.json"))
    model = build_model(cfg["model"])
    state = {name: t for name, (dtype, t) in read(f"{ckpt}/model.safetensors").items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    leftover = [u for u in unexpected if not u.startswith("optimizer.")]
    if missing or leftover:
        raise SystemExit(f"names differ: missing {missing}, unexpected {leftover}")
    model.eval()
    x = read(inputs)["x"][1]
    with torch.no_grad():
        y = model(x)
    write(out, {"y": y.float()})
    print("ok")


if __name__ == "__main__":
    main(*sys.argv[1:4])
