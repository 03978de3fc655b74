#!/usr/bin/env bash
# The CPU performance goals of the project (issue #23), measured on the host at hand, side by side:
#   1. SGEMM 1024^3, 128x784x256 and 1024x4096x4096 on 1 and 2 threads against numpy (OpenBLAS), at the
#      width the JVM picks and at 256 bits forced, JVMs of each width alternating (compare_gemm.py)
#                                                   -> bench/results/cpu-gemm-vs-numpy.json
#   2. the training step of the three standard MLPs (784-256-128-10 b128, 784-1024-1024-10 b256,
#      784-4096-4096-10 b1024), all cores, interleaved with PyTorch CPU and with numpy
#                                                   -> bench/results/cpu-train-step-vs-peers.json (all six runs)
# Every result names the CPU model, its vector extensions and the width each JVM chose (environment).
# Needs a quiet machine: any other load on a 2-core host makes the 2-thread figures meaningless.
# PyTorch CPU: python3 -m venv --system-site-packages V && V/bin/pip install --no-index --no-deps torch
#
#   bench/cpu-goals.sh [--torch-python V/bin/python] [--widths 512,256] [gemm] [train]
set -euo pipefail
cd "$(dirname "$0")/.."
torch_python=python3
widths=""
sections=()
while [ $# -gt 0 ]; do
  case "$1" in
    --torch-python) torch_python="$2"; shift 2 ;;
    --widths) widths="$2"; shift 2 ;;
    gemm|train) sections+=("$1"); shift ;;
    *) echo "usage: bench/cpu-goals.sh [--torch-python PY] [--widths 512,256] [gemm] [train]" >&2; exit 2 ;;
  esac
done
[ ${#sections[@]} -gt 0 ] || sections=(gemm train)
if [ -z "$widths" ]; then
  # the JVM's own width, and 256 bits beside it where the JVM picks more (an AVX-512 host)
  jvm_bits=$(./adjoint devices 2>/dev/null | sed -n 's/.*vectors \([0-9]*\)-bit.*/\1/p' | head -1)
  widths="${jvm_bits:-256}"
  [ "${jvm_bits:-256}" -gt 256 ] && widths="$widths,256"
fi
lscpu | grep -E "Model name|^Flags" | cut -c1-160
for s in "${sections[@]}"; do
  case "$s" in
    gemm)
      python3 bench/compare_gemm.py --runs 2 --rounds 9 --threads 1,2 --widths "$widths" \
        --shapes 1024x1024x1024,128x784x256,1024x4096x4096 ;;
    train)
      runs=$(mktemp -d)
      for model in 784,256,128,10/128 784,1024,1024,10/256 784,4096,4096,10/1024; do
        sizes=${model%/*}; batch=${model#*/}
        for peer in torch numpy; do
          py=python3; [ "$peer" = torch ] && py="$torch_python"
          ./adjoint bench train --sizes "$sizes" --batch "$batch" --compare --peer "$peer" --python "$py" \
            --repeat 9 --warmup 3 --json "$runs/${sizes//,/-}-vs-$peer.json" 2>&1 \
            | grep -vE "^round|^WARNING: Using incubator"
        done
      done
      # one result file for the case (the latest run replaces it; git keeps the history)
      python3 - "$runs" bench/results/cpu-train-step-vs-peers.json <<'PY'
import json, sys
runs, out = sys.argv[1], sys.argv[2]
names = [m + "-vs-" + p + ".json" for m in ("784-256-128-10", "784-1024-1024-10", "784-4096-4096-10")
         for p in ("torch", "numpy")]
results = [json.load(open(runs + "/" + n)) for n in names]
with open(out, "w") as f:
    json.dump({"benchmark": "train-step, the three standard MLPs, each against PyTorch CPU and against numpy"
               " (bench/cpu-goals.sh)", "results": results}, f, indent=2)
    f.write("\n")
print("wrote " + out)
PY
      rm -rf "$runs" ;;
  esac
done
