#!/usr/bin/env bash
# One GPU-machine run from the bundle (copied to .bundle/ with the unpacked dist as .bundle/dist and
# this folder's scripts): devices, the conformance selftest on cuda, CudaCheck (conformance +
# CUDA-vs-CPU per primitive + out-of-memory + SGEMM 4096^3), then SGEMM 4096^3 interleaved with
# torch.matmul FP32 (torch, adjoint, torch, adjoint), all written to $OUT.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
A="$here/dist/bin/adjoint"
J="$here/dist/runtime/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp $here/dist/lib/adjoint.jar"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
{
  date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  ldconfig -p | grep -E 'libcuda.so.1|libcublas' ; uname -r; echo "bundle commit $(cat "$here/dist/COMMIT")"
} > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
"$A" devices 2>&1 | tee "$OUT/devices.txt"
timeout 240 "$A" selftest --device cuda --json "$OUT/selftest-cuda.json" > "$OUT/selftest.log" 2>&1; echo "selftest rc=$?"
tail -1 "$OUT/selftest.log"; grep -E '^FAIL' "$OUT/selftest.log" | head -20
timeout 300 $J dev.adjoint.device.cuda.CudaCheck "$OUT/cudacheck.json" 4096 > "$OUT/cudacheck.log" 2>&1; echo "cudacheck rc=$?"
grep -E '"pass": false|Exception' "$OUT/cudacheck.log" | head -30; grep -E '^conformance' "$OUT/cudacheck.log"
for round in 1 2; do
  python3 "$here/torch_gemm.py" 4096 30 "$OUT/torch-gemm-$round.json" | grep -E '"median_ms"|tflops'
  $J dev.adjoint.device.cuda.CudaCheck "$OUT/adjoint-gemm-$round.json" 4096 gemm 2>&1 | grep sgemm
done
