#!/usr/bin/env python3
"""Evaluate an Adjoint checkpoint from its files alone, with numpy and nothing else: the model from
config.json's "model" and model.safetensors (parsed here by hand: an 8-byte little-endian header
length, a JSON header, then the raw little-endian float32 data), the test data from config.json's
"data"."test_source" (IDX or CSV; a CSV's test rows drawn again as Adjoint's stratified split draws
them), each sample's features through config.json's "preprocessing" steps in order (a CSV's
"csv_columns" step: per-column standardisation, one-hot categories, fills, string labels), then
the MLP forward pass and the argmax. Prints one JSON object:
{"samples": n, "correct": k, "accuracy": k / n}, which must match `adjoint eval`.

usage: eval_checkpoint.py CHECKPOINT_DIR [--test FILE...]
  --test FILE...  the test data instead of data.test_source's files (IDX: images then labels; CSV: one file)
"""
import csv
import gzip
import io
import json
import math
import struct
import sys

import numpy as np


def fail(message):
    print(f"eval_checkpoint.py: {message}", file=sys.stderr)
    sys.exit(2)


def read_safetensors(path):
    """name -> float32 array, from the file's own header (no safetensors package)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    tensors = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        if t["dtype"] != "F32":
            fail(f"{path}: tensor {name} is {t['dtype']}, expected F32")
        begin, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(t["shape"]).astype(np.float32)
    return tensors


def open_maybe_gzip(path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def read_idx(path):
    with open_maybe_gzip(path) as f:
        raw = f.read()
    if raw[2] != 0x08:
        fail(f"{path}: IDX type {raw[2]:#x}, expected unsigned bytes (0x08)")
    dims = raw[3]
    shape = struct.unpack(">" + "I" * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def read_csv(path, label_column):
    """Features (every column but the label, in file order) as float32, and the labels as written."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = [[cell.strip() for cell in row] for row in csv.reader(f) if any(cell.strip() for cell in row)]
    header, body = rows[0], rows[1:]
    if label_column not in header:
        fail(f"{path}: no column {label_column!r} (columns: {header})")
    at = header.index(label_column)
    x = np.array([[float(c) for i, c in enumerate(r) if i != at] for r in body], dtype=np.float64).astype(np.float32)
    labels = [int(float(r[at])) for r in body]
    return x, labels


MASK = (1 << 64) - 1


class SplitMix:
    """Adjoint's SplitMix64 (dev.adjoint.data.SplitMix), in 64-bit unsigned arithmetic."""

    def __init__(self, seed):
        self.state = seed & MASK

    @staticmethod
    def mix(z):
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    @staticmethod
    def derive(seed, index):
        return SplitMix.mix((SplitMix.mix(seed & MASK) + 0x9E3779B97F4A7C15 * (index + 1)) & MASK)

    def next_long(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        return SplitMix.mix(self.state)

    def next_int(self, bound):
        while True:
            r = self.next_long() >> 1
            v = r % bound
            if r - v + (bound - 1) < 1 << 63:
                return v


def stratified_test_rows(classes, k, fraction, seed):
    """The rows Datasets.stratified puts in the test set: per class, Fisher-Yates, the first round(fraction * n)."""
    rnd = SplitMix(SplitMix.derive(seed, 7))
    test = set()
    for c in range(k):
        idx = [i for i, y in enumerate(classes) if y == c]
        for i in range(len(idx) - 1, 0, -1):
            j = rnd.next_int(i + 1)
            idx[i], idx[j] = idx[j], idx[i]
        n = 0 if len(idx) <= 1 else min(len(idx) - 1, math.floor(fraction * len(idx) + 0.5))
        test.update(idx[:n])
    return sorted(test)


def read_cells(path, delimiter):
    """Header and rows of text cells, close to CsvRecords: line breaks inside quotes read as \\n, cells trimmed
    (Adjoint keeps the spaces inside a quoted cell: the only difference), blank lines skipped."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        text = f.read().replace("\r\n", "\n").replace("\r", "\n")
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)
            if any(cell.strip() for cell in row)]
    return rows[0], rows[1:]


def encode_csv(step, labels_of_classes, path, split):
    """A CSV's features and class indices through a fitted csv_columns step (and its recorded split)."""
    header, body = read_cells(path, step["delimiter"])
    columns = step["columns"]
    if header != [c["name"] for c in columns]:
        fail(f"{path}: columns {header} are not those of the training data {[c['name'] for c in columns]}")
    names = step.get("label_names")
    at = [c["encode"] for c in columns].index("label")
    index = {(name if names else label): i for i, (name, label) in
             enumerate(zip(names or labels_of_classes, labels_of_classes))}
    y = [index[r[at] if names else int(float(r[at]))] for r in body]
    rows = range(len(body))
    if split is not None:
        rows = stratified_test_rows(y, len(labels_of_classes), split["test_fraction"], split["seed"])
    out = []
    for r in rows:
        feats = []
        for c, col in zip(body[r], columns):
            if col["encode"] == "standardize":
                v = np.float32(col["fill"]) if c == "" else np.float32(float(c))
                feats.append((v - np.float32(col["mean"])) / np.float32(col["std"]))
            elif col["encode"] == "one_hot":
                feats.extend(np.float32(1) if c == k else np.float32(0) for k in col["categories"])
        out.append(feats)
    return np.array(out, dtype=np.float32), np.array([y[r] for r in rows], dtype=np.int64)


def test_data(cfg, files):
    """The test set's stored values (before any preprocessing) and class indices."""
    data = cfg.get("data", {})
    source = data.get("test_source")
    if source is None:
        fail("config.json has no data.test_source (a checkpoint from before it was recorded): pass --test FILE...")
    files = files or source["files"]
    classes = data.get("labels")
    if classes is None:
        fail("config.json has no data.labels, the label each output stands for")
    index = {label: i for i, label in enumerate(classes)}
    if source["format"] == "idx":
        x = read_idx(files[0])
        x = x.reshape(x.shape[0], -1).astype(np.float32)
        labels = read_idx(files[1]).astype(np.int64).tolist()
    elif source["format"] == "csv" and any(s["op"] == "csv_columns" for s in cfg["preprocessing"]):
        step = next(s for s in cfg["preprocessing"] if s["op"] == "csv_columns")
        return encode_csv(step, classes, files[0], source.get("split"))
    elif source["format"] == "csv":
        x, labels = read_csv(files[0], source["label_column"])
    else:
        fail(f"test data of format {source['format']!r} cannot be read here (the spiral set is generated in Java)")
    return x, np.array([index[label] for label in labels], dtype=np.int64)


def preprocess(x, steps):
    for step in steps:
        if step["op"] == "divide":
            x = x / np.float32(step["by"])
        elif step["op"] == "csv_columns":
            pass  # applied while reading the file (encode_csv)
        elif step["op"] == "standardize":
            x = (x - np.float32(step["mean"])) / np.float32(step["std"])
        else:
            fail(f"unknown preprocessing step {step['op']!r}")
    return x.astype(np.float32)


ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, np.float32(0)),
    "leaky_relu": lambda x: np.where(x > 0, x, np.float32(0.01) * x),
    "sigmoid": lambda x: np.float32(1) / (np.float32(1) + np.exp(-x)),
    "tanh": np.tanh,
    "gelu": lambda x: (0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))).astype(np.float32),
}


def forward(model, tensors, x):
    """Linear layers in nn.Sequential order ('0.weight', '2.weight', ...), the activation between them; dropout is off."""
    layers = sorted({int(name.split(".")[0]) for name in tensors if not name.startswith("optimizer.")})
    if model.get("type") != "mlp" or len(layers) != len(model["sizes"]) - 1:
        fail(f"config.json's model {model} does not match the tensors' layers {layers}")
    act = ACTIVATIONS[model["activation"]]
    for n, i in enumerate(layers):
        x = x @ tensors[f"{i}.weight"].T + tensors[f"{i}.bias"]
        if n + 1 < len(layers):
            x = act(x)
    return x


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if args else 2)
    ckpt, files = args[0], args[2:] if len(args) > 1 and args[1] == "--test" else []
    with open(f"{ckpt}/config.json", encoding="utf-8") as f:
        cfg = json.load(f)
    for key in ("model", "preprocessing"):
        if key not in cfg:
            fail(f"{ckpt}/config.json has no {key!r}: it was written before config.json recorded how to rebuild"
                 " the model and its input; evaluate it with 'adjoint eval --checkpoint DIR'")
    kind = (cfg.get("task") or {}).get("kind", "classification")
    if kind != "classification":
        fail(f"{ckpt} holds a {kind} model: this script counts a classifier's correct arg-maxes; evaluate it with"
             " 'adjoint eval --checkpoint DIR'")
    tensors = read_safetensors(f"{ckpt}/model.safetensors")
    x, y = test_data(cfg, files)
    logits = forward(cfg["model"], tensors, preprocess(x, cfg["preprocessing"]))
    correct = int((logits.argmax(axis=1) == y).sum())
    print(json.dumps({"samples": int(len(y)), "correct": correct, "accuracy": correct / len(y)}))


if __name__ == "__main__":
    main()
