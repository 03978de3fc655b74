#!/usr/bin/env bash
# One GPU-machine run from the bundle (copied to .bundle/ with the unpacked dist and this folder's
# torch_gemm.py): devices, the conformance selftest on cuda, CudaCheck (conformance + CUDA-vs-CPU +
# SGEMM 4096^3), and torch.matmul FP32 before and after, all into $OUT.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
A="$here/dist/bin/adjoint"
J="$here/dist/runtime/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp $here/dist/lib/adjoint.jar"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
{
  date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  ldconfig -p | grep -E 'libcuda.so.1|libcublas' ; uname -r
} > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
python3 "$here/torch_gemm.py" 4096 30 "$OUT/torch-gemm-before.json" | tail -3
"$A" devices 2>&1 | tee "$OUT/devices.txt"
timeout 240 "$A" selftest --device cuda --json "$OUT/selftest-cuda.json" > "$OUT/selftest.log" 2>&1; echo "selftest rc=$?"
tail -5 "$OUT/selftest.log"; grep -E '^FAIL' "$OUT/selftest.log" | head -20
timeout 300 $J dev.adjoint.device.cuda.CudaCheck "$OUT/cudacheck.json" 4096 > "$OUT/cudacheck.log" 2>&1; echo "cudacheck rc=$?"
grep -E '"pass": false|error|Exception' "$OUT/cudacheck.log" | head -30
grep -A2 '"sgemm"' "$OUT/cudacheck.log"; grep 'conformance' "$OUT/cudacheck.log" | head -3
python3 "$here/torch_gemm.py" 4096 30 "$OUT/torch-gemm-after.json" | grep -E 'median|tflops'
