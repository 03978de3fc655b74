"""PyTorch's side of SafetensorsTorchTest: BF16 and F16 safetensors files, with PyTorch and nothing else.

The safetensors package is not needed: files are laid out by hand (8-byte little-endian header length,
JSON header padded with spaces, then each tensor's raw little-endian bytes).

  torch_half.py write DIR
      writes DIR/torch.safetensors (BF16, F16 and F32 tensors as PyTorch holds them) and
      DIR/expected.safetensors (the same tensors' .float(), as F32)
  torch_half.py check SOURCE CONVERTED DTYPE
      SOURCE holds F32 tensors, CONVERTED the same names as DTYPE (BF16 or F16), written by Adjoint;
      checks that every element of CONVERTED has the bits of PyTorch's own .to(DTYPE) of SOURCE's
      (any NaN for a NaN: PyTorch's BF16 NaN is 0xFFFF, Adjoint's the quiet NaN of its sign).
      Prints "ok N" and exits 0, or prints the mismatches and exits 1.
"""
import json
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def write(path, tensors, metadata=None):
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        name_of = {v: k for k, v in DTYPES.items()}[t.dtype]
        raw = t.contiguous().view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": name_of, "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        dtype = DTYPES[spec["dtype"]]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        out[name] = (spec["dtype"], t.reshape(spec["shape"]))
    return out


def wide(n, low, high, seed):
    """n float32 values, normal samples scaled by 10^u with u uniform in [low, high)."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, generator=g, dtype=torch.float64)
    return (x * torch.pow(10.0, torch.empty(n, dtype=torch.float64).uniform_(low, high, generator=g))).float()


def write_files(d):
    inf, nan = float("inf"), float("nan")
    specials = torch.tensor([0.0, -0.0, inf, -inf, nan, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -11,
                             65504.0, 65520.0, 2 ** -24, 2 ** -25, 2 ** -133, 3.0e38, 3.3961776e38, -1e-40])
    tensors = {
        "encoder.weight": torch.cat([wide(4000 - len(specials), -45, 39, 1), specials]).reshape(40, 100).to(torch.bfloat16),
        "encoder.bias": torch.cat([wide(1000 - len(specials), -9, 5, 2), specials]).reshape(1000).to(torch.float16),
        "scale": torch.tensor([0.5, -2.0, 1e-30]),
        "empty": torch.empty(0, 4, dtype=torch.bfloat16),
    }
    write(d + "/torch.safetensors", tensors, {"format": "pt"})
    write(d + "/expected.safetensors", {k: v.float() for k, v in tensors.items()})
    print(torch.__version__)


def check(source, converted, dtype_name):
    src = read(source)
    dst = read(converted)
    dtype = DTYPES[dtype_name]
    bad = []
    count = 0
    if sorted(src) != sorted(dst):
        bad.append("names differ: %s vs %s" % (sorted(src), sorted(dst)))
    for name in sorted(set(src) & set(dst)):
        (sd, s), (dd, d) = src[name], dst[name]
        if sd != "F32" or dd != dtype_name or list(s.shape) != list(d.shape):
            bad.append("%s: %s %s vs %s %s" % (name, sd, list(s.shape), dd, list(d.shape)))
            continue
        mine = s.to(dtype).flatten()
        theirs = d.flatten()
        same = (mine.view(torch.int16) == theirs.view(torch.int16)) | (mine.isnan() & theirs.isnan())
        count += same.numel()
        for i in (~same).nonzero().flatten()[:10].tolist():
            bad.append("%s[%d]: float32 %r (bits %08x): torch %04x, adjoint %04x" % (
                name, i, s.flatten()[i].item(), s.flatten()[i:i + 1].view(torch.int32).item() & 0xFFFFFFFF,
                mine[i:i + 1].view(torch.int16).item() & 0xFFFF, theirs[i:i + 1].view(torch.int16).item() & 0xFFFF))
    if bad:
        print("\n".join(bad))
        sys.exit(1)
    print("ok %d" % count)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write_files(sys.argv[2])
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit("usage: torch_half.py write DIR | check SOURCE CONVERTED BF16|F16")
