#!/usr/bin/env bash
# One call on the lent GPU machine (no Java there): unpack the jlink bundle carried in .bundle/,
# then, on cuda: the conformance selftest; SGEMM 4096^3 interleaved with torch.matmul FP32; the
# training step vs PyTorch eager (and CUDA-graph) at two MLP sizes; Fashion-MNIST training; and an
# independent load of the resulting safetensors checkpoint into PyTorch. Results go to $OUT.
#   run: bash bench/gpu/final-run.sh   (with carry [".bundle"]: adjoint.tar.xz, fm/*.gz, COMMIT)
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
OUT="${OUT:-/tmp/out}"; R=/tmp/res; mkdir -p "$OUT" "$R"
export PYTHONUNBUFFERED=1 ADJOINT_COMMIT="$(cat .bundle/COMMIT 2>/dev/null || echo unknown)"
log() { echo "== $*"; }
{
log machine
date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
grep -m1 'model name' /proc/cpuinfo; nproc
mkdir -p /tmp/adj && tar -xJf .bundle/adjoint.tar.xz -C /tmp/adj
A=$(ls -d /tmp/adj/*/bin/adjoint); echo "bundle: $A commit $ADJOINT_COMMIT"
"$A" devices

log selftest cuda
timeout 300 "$A" selftest --device cuda --json "$R/selftest.json" | tail -4

log sgemm 4096 interleaved with torch
for round in 1 2; do
  timeout 120 python3 bench/reference/torch_gemm.py 4096 30 "$R/torch-gemm-$round.json" | tail -2
  timeout 120 "$A" bench gemm --device cuda --size 4096 --repeat 10 --json "$R/adjoint-gemm-$round.json" | tail -2
done

log training step vs PyTorch eager, interleaved
timeout 240 "$A" bench train --device cuda --sizes 784,256,128,10 --batch 128 --compare --peer torch --repeat 5 \
  --json "$R/train-small.json" | tail -3
timeout 240 "$A" bench train --device cuda --sizes 784,4096,4096,10 --batch 1024 --compare --peer torch --repeat 5 \
  --json "$R/train-large.json" | tail -3
log PyTorch with a captured CUDA graph, for reference
timeout 120 python3 bench/reference/pytorch_mlp.py --mode graph --sizes 784,256,128,10 --batch 128 --repeat 5 \
  --json "$R/torch-graph-small.json" | tail -1
timeout 120 python3 bench/reference/pytorch_mlp.py --mode graph --sizes 784,4096,4096,10 --batch 1024 --repeat 5 \
  --json "$R/torch-graph-large.json" | tail -1

log Fashion-MNIST on cuda with the train defaults
timeout 300 "$A" train --device cuda --data .bundle/fm --json "$R/fashion.json" --checkpoint /tmp/ck | tail -6
timeout 60 "$A" eval --device cuda --checkpoint /tmp/ck --data .bundle/fm
log the checkpoint read by PyTorch through the safetensors package
timeout 120 python3 bench/reference/check_safetensors_torch.py /tmp/ck .bundle/fm --json "$R/interop.json"
} 2>&1 | tee "$OUT/log.txt"

python3 - "$R" "$OUT" <<'PY'
import json, os, sys
r, out = sys.argv[1], sys.argv[2]
def load(name):
    p = os.path.join(r, name)
    return json.load(open(p)) if os.path.exists(p) else None
def dump(name, obj):
    json.dump(obj, open(os.path.join(out, name), "w"), indent=1)
dump("cuda-h100-selftest.json", load("selftest.json"))
dump("cuda-h100-sgemm-vs-torch.json", {"rounds": [{"torch": load(f"torch-gemm-{i}.json"), "adjoint": load(f"adjoint-gemm-{i}.json")} for i in (1, 2)]})
dump("cuda-h100-train-step-vs-torch.json", {"small": load("train-small.json"), "large": load("train-large.json"),
     "torch_cuda_graph_small": load("torch-graph-small.json"), "torch_cuda_graph_large": load("torch-graph-large.json")})
dump("cuda-h100-fashion-mnist-train.json", {"adjoint": load("fashion.json"), "pytorch_reads_checkpoint": load("interop.json")})
PY
ls -la "$OUT"
