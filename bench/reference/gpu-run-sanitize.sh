#!/usr/bin/env bash
# Second kind of GPU run: CudaCheck again (with the out-of-memory check), CUDA compute-sanitizer
# memcheck over CudaCheck and racecheck over the selftest, and SGEMM with TF32 allowed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
A="$here/dist/bin/adjoint"
JAVA="$here/dist/runtime/bin/java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED"
CP="-cp $here/dist/lib/adjoint.jar"
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
CS="$(command -v compute-sanitizer || ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null)"
timeout 200 $JAVA $CP dev.adjoint.device.cuda.CudaCheck "$OUT/cudacheck.json" 4096 > "$OUT/cudacheck.log" 2>&1; echo "cudacheck rc=$?"
grep -E '"pass": false|Exception' "$OUT/cudacheck.log" | head; grep -E 'out_of_memory|"sgemm"' "$OUT/cudacheck.log"
timeout 100 $JAVA -Dadjoint.cuda.tf32=true $CP dev.adjoint.device.cuda.CudaCheck "$OUT/cudacheck-tf32.json" 4096 gemm > "$OUT/tf32.log" 2>&1; echo "tf32 rc=$?"; grep sgemm "$OUT/tf32.log"
echo "sanitizer: $CS"
timeout 180 "$CS" --tool memcheck --leak-check no --print-limit 20 $JAVA $CP dev.adjoint.device.cuda.CudaCheck /tmp/mc.json 256 > "$OUT/memcheck.log" 2>&1; echo "memcheck rc=$?"
grep -E 'ERROR SUMMARY|Invalid|========= [A-Z]' "$OUT/memcheck.log" | head -8
timeout 120 "$CS" --tool racecheck --print-limit 20 "$here/dist/runtime/bin/java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar "$here/dist/lib/adjoint.jar" selftest --device cuda > "$OUT/racecheck.log" 2>&1; echo "racecheck rc=$?"
grep -E 'RACECHECK SUMMARY|ERROR SUMMARY|passed,' "$OUT/racecheck.log" | head -5
