#!/usr/bin/env bash
# OpenCL on the NVIDIA GPU (NVIDIA's OpenCL platform, when the machine has it): the conformance
# selftest, then SGEMM 4096^3 through OpenCL and through CUDA/cuBLAS, interleaved, in one run.
#   run: bash bench/gpu/opencl-run.sh   (with carry [".bundle"])
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
export ADJOINT_COMMIT="$(cat .bundle/COMMIT 2>/dev/null || echo unknown)"
{
mkdir -p /tmp/adj && tar -xJf .bundle/adjoint.tar.xz -C /tmp/adj
A=$(ls -d /tmp/adj/*/bin/adjoint)
ls /etc/OpenCL/vendors; "$A" devices 2>&1 | grep -A3 '^opencl'
timeout 300 "$A" selftest --device opencl:nvidia --json "$OUT/opencl-nvidia-h100-selftest.json" | grep -E 'FAIL|passed'
for r in 1 2; do
  timeout 120 "$A" bench gemm --device opencl:nvidia --size 4096 --repeat 5 --json "$OUT/opencl-gemm-$r.json" | grep -E 'GFLOP|Exception'
  timeout 120 "$A" bench gemm --device cuda --size 4096 --repeat 5 --json "$OUT/cublas-gemm-$r.json" | grep -E 'GFLOP|Exception'
done
} 2>&1 | grep -v WARNING | tee "$OUT/opencl-log.txt"
