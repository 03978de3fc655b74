#!/usr/bin/env bash
# One call on the lent GPU machine (no Java there) for the CUDA-graph replay: unpack the jlink
# bundle carried in .bundle/, then on cuda: the conformance selftest; replay-check (100 steps
# define-by-run vs plan replayed call by call vs plan replayed as a CUDA graph: the two replays
# must be bit-identical) at both MLP sizes; the training step timed as graph replay (interleaved
# with PyTorch eager), plain replay (-Dadjoint.cuda.graphs=false) and define-by-run; PyTorch with
# a captured CUDA graph for reference. Results go to $OUT.
#   run: bash .bundle/graph-run.sh   (carry [".bundle"]: adjoint.tar.xz, peer.py, pytorch_mlp.py,
#        torch_gemm.py, COMMIT, this script)
set -uo pipefail
bundle="$(cd "$(dirname "$0")" && pwd)"
OUT="${OUT:-/tmp/out}"; R=/tmp/res; mkdir -p "$OUT" "$R"
export PYTHONUNBUFFERED=1 ADJOINT_COMMIT="$(cat "$bundle/COMMIT" 2>/dev/null || echo unknown)"
# bench train --compare runs bench/reference/peer.py (which imports pytorch_mlp.py and torch_gemm.py)
# relative to the working directory
W=/tmp/work; mkdir -p "$W/bench/reference"
cp "$bundle/peer.py" "$bundle/pytorch_mlp.py" "$bundle/torch_gemm.py" "$W/bench/reference/"; cd "$W"
log() { echo "== $*"; }
{
log machine
date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
mkdir -p /tmp/adj && tar -xJf "$bundle/adjoint.tar.xz" -C /tmp/adj
A=$(ls -d /tmp/adj/*/bin/adjoint); echo "bundle: $A commit $ADJOINT_COMMIT"

log selftest cuda
timeout 150 "$A" selftest --device cuda --json "$R/selftest.json" | tail -3

log replay-check: define-by-run vs replay vs CUDA-graph replay, 100 steps
timeout 60 "$A" bench replay-check --device cuda --sizes 784,256,128,10 --batch 128 --steps 100 --json "$R/check-small.json"
timeout 90 "$A" bench replay-check --device cuda --sizes 784,4096,4096,10 --batch 1024 --steps 100 --json "$R/check-large.json"

for size in small large; do
  if [[ $size == small ]]; then S=784,256,128,10; B=128; else S=784,4096,4096,10; B=1024; fi
  log "$size: graph replay, interleaved with PyTorch eager"
  timeout 120 "$A" bench train --device cuda --sizes $S --batch $B --warmup 2 --repeat 5 --replay --compare --peer torch \
    --json "$R/graph-$size.json" | tail -3
  log "$size: replay call by call (graphs off)"
  timeout 40 "$A" bench train --device cuda --sizes $S --batch $B --warmup 2 --repeat 5 --replay --graphs off \
    --json "$R/replay-$size.json" | tail -1
  log "$size: define-by-run"
  timeout 40 "$A" bench train --device cuda --sizes $S --batch $B --warmup 2 --repeat 5 --json "$R/dbr-$size.json" | tail -1
  log "$size: PyTorch with a captured CUDA graph"
  timeout 60 python3 bench/reference/pytorch_mlp.py --mode graph --sizes $S --batch $B --repeat 5 \
    --json "$R/torch-graph-$size.json" | tail -1
done
} 2>&1 | tee "$OUT/log.txt"

python3 - "$R" "$OUT" <<'PY'
import json, os, sys
r, out = sys.argv[1], sys.argv[2]
def load(name):
    p = os.path.join(r, name)
    return json.load(open(p)) if os.path.exists(p) else None
def dump(name, obj):
    json.dump(obj, open(os.path.join(out, name), "w"), indent=1)
dump("cuda-h100-selftest-graphs.json", load("selftest.json"))
dump("cuda-h100-replay-check.json", {"small": load("check-small.json"), "large": load("check-large.json")})
summary, full = {}, {}
for size in ("small", "large"):
    g, p, d, t = (load(f"{k}-{size}.json") for k in ("graph", "replay", "dbr", "torch-graph"))
    full[size] = {"graph_replay_vs_torch_eager": g, "plain_replay": p, "define_by_run": d, "torch_cuda_graph": t}
    med = lambda x, k="adjoint_median": x.get(k) if x else None
    tg = sorted(t["samples_per_second"])[len(t["samples_per_second"]) // 2] if t else None
    summary[size] = {"graph_replay": med(g), "plain_replay": med(p), "define_by_run": med(d),
                     "torch_eager": med(g, "peer_median"), "graph_vs_torch_eager": med(g, "ratio"),
                     "torch_cuda_graph": tg, "device_graphs_used": g.get("device_graphs") if g else None}
full["summary"] = summary
dump("cuda-h100-train-step-graphs.json", full)
print(json.dumps(summary, indent=1))
PY
ls -la "$OUT"
