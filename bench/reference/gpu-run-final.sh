#!/usr/bin/env bash
# The final GPU run from the bundle (.bundle/dist + these scripts): devices, `adjoint selftest` on
# cuda, CudaCheck, `adjoint bench gemm` (when the CLI has it), SGEMM 4096^3 interleaved with
# torch.matmul FP32 (default cuBLAS workspace and a 32 MiB one), then compute-sanitizer memcheck
# and racecheck. At most 8 files come back, so small outputs are gathered into a few.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
A="$here/dist/bin/adjoint"
JAVA="$here/dist/runtime/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
CP="-cp $here/dist/lib/adjoint.jar"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"; T="$(mktemp -d)"
export PYTHONUNBUFFERED=1
{
  date -u; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv
  ldconfig -p | grep -E 'libcuda.so.1|libcublas'; uname -r; echo "bundle commit $(cat "$here/dist/COMMIT")"
  "$A" devices 2>&1
} > "$OUT/machine.txt" 2>&1
cat "$OUT/machine.txt"
timeout 240 "$A" selftest --device cuda --json "$OUT/selftest-cuda.json" > "$OUT/selftest.log" 2>&1; echo "selftest rc=$?"
tail -1 "$OUT/selftest.log"; grep -E '^FAIL' "$OUT/selftest.log" | head -20
timeout 300 $JAVA $CP dev.adjoint.device.cuda.CudaCheck "$OUT/cudacheck.json" 4096 > "$T/cudacheck.log" 2>&1; echo "cudacheck rc=$?"
grep -E '"pass": false|Exception' "$T/cudacheck.log" | head -30; grep -E '^conformance' "$T/cudacheck.log"
if "$A" --help 2>&1 | grep -q 'bench gemm'; then
  timeout 200 "$A" bench gemm --device cuda --size 4096 --repeat 20 --warmup 2 --json "$OUT/bench-gemm-cuda.json" > "$T/bench.log" 2>&1; echo "bench gemm rc=$?"
  tail -5 "$T/bench.log"
fi
for round in 1 2; do
  python3 "$here/torch_gemm.py" 4096 30 "$T/torch-$round.json" | grep -E '"median_ms"|batched_ms'
  $JAVA $CP dev.adjoint.device.cuda.CudaCheck "$T/adjoint-$round.json" 4096 gemm 2>&1 | grep sgemm
  $JAVA -Dadjoint.cuda.cublasWorkspaceMiB=32 $CP dev.adjoint.device.cuda.CudaCheck "$T/adjoint-ws32-$round.json" 4096 gemm 2>&1 | grep sgemm
done
python3 - "$T" "$OUT/gemm-rounds.json" <<'PY'
import glob, json, os, sys
t, out = sys.argv[1], sys.argv[2]
runs = {}
for f in sorted(glob.glob(os.path.join(t, "*-[12].json"))):
    d = json.load(open(f))
    runs[os.path.basename(f)[:-5]] = d.get("sgemm", d)
json.dump(runs, open(out, "w"), indent=2)
PY
CS="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
{
  timeout 150 "$CS" --tool memcheck --leak-check no --print-limit 20 $JAVA $CP dev.adjoint.device.cuda.CudaCheck "$T/mc.json" 256 > "$T/memcheck.log" 2>&1
  echo "memcheck rc=$?"; grep -E '^=========' "$T/memcheck.log" | grep -vE 'Host Frame|Saved host backtrace|^========= *$' | head -20
  timeout 120 "$CS" --tool racecheck --print-limit 20 $JAVA -jar "$here/dist/lib/adjoint.jar" selftest --device cuda > "$T/racecheck.log" 2>&1
  echo "racecheck rc=$?"; grep -E '^=========|passed,' "$T/racecheck.log" | head -10
} > "$OUT/sanitizer.txt" 2>&1
cat "$OUT/sanitizer.txt"
cp "$T/cudacheck.log" "$OUT/cudacheck.log"
