#!/usr/bin/env bash
# A short check of the landing code on the GPU machine: selftest on cuda and on NVIDIA's OpenCL,
# the replay check (define-by-run vs replay vs CUDA graph, bit for bit), and the graph-replayed
# training step against PyTorch eager, from the bundle in .bundle/.
#   run: bash bench/gpu/check-run.sh   (with carry [".bundle"])
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 ADJOINT_COMMIT="$(cat .bundle/COMMIT 2>/dev/null || echo unknown)"
{
mkdir -p /tmp/adj && tar -xJf .bundle/adjoint.tar.xz -C /tmp/adj
A=$(ls -d /tmp/adj/*/bin/adjoint); echo "commit $ADJOINT_COMMIT"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
timeout 200 "$A" selftest --device cuda --json "$OUT/final-selftest-cuda.json" | grep -E 'FAIL|passed'
timeout 200 "$A" selftest --device opencl:nvidia --json "$OUT/final-selftest-opencl-nvidia.json" | grep -E 'FAIL|passed'
timeout 200 "$A" bench replay-check --device cuda --json "$OUT/final-replay-check.json" | tail -4
timeout 200 "$A" bench train --device cuda --replay --compare --peer torch --repeat 5 --json "$OUT/final-train-graph-small.json" | tail -2
} 2>&1 | grep -v WARNING | tee "$OUT/final-check.log"
