#!/usr/bin/env bash
# Builds kernels/cuda/<name>.ptx from each kernels/cuda/<name>.cu with nvcc, after writing
# kernels/cuda/op_codes.cuh from the Java enums (dev.adjoint.device.KernelOpCodes, run from source).
#   native/build-ptx.sh           regenerate the committed header and PTX
#   native/build-ptx.sh --check   regenerate into a temporary folder; fail if either differs
# Without nvcc it writes (or checks) only the header, says so and exits 0 (the committed PTX is used
# as is; KernelOpCodesTest then fails if that PTX was built from other op codes).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/kernels/cuda"
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
# compute_75: PTX that the driver JIT-compiles for any sm_75+ GPU. -fmad=false: float expressions
# round like Java's (no contraction into FMA), so elementwise results match the CPU backend.
FLAGS=(-ptx -arch=compute_75 -O3 -fmad=false -std=c++17)

# A java that runs a program of several source files (JDK 22+): $JAVA, $JAVA_HOME, the PATH, /usr/lib/jvm.
find_java() {
    local j
    for j in "${JAVA:-}" "${JAVA_HOME:+$JAVA_HOME/bin/java}" "$(command -v java || true)" /usr/lib/jvm/*/bin/java; do
        [[ -n "$j" && -x "$j" ]] || continue
        local v
        v="$("$j" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
        [[ "${v%%.*}" -ge 22 ]] 2>/dev/null && { echo "$j"; return 0; }
    done
    return 1
}

check=false
[[ "${1:-}" == "--check" ]] && check=true
out="$src"
if $check; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

status=0
if java="$(find_java)"; then
    "$java" "$root/src/main/java/dev/adjoint/device/KernelOpCodes.java" "$out/op_codes.cuh"
    if $check && ! cmp -s "$out/op_codes.cuh" "$src/op_codes.cuh"; then
        echo "build-ptx --check: kernels/cuda/op_codes.cuh is stale; run native/build-ptx.sh and commit" >&2
        status=1
    fi
elif ! $check; then
    echo "build-ptx: needs a JDK 22+ (JAVA=... or JAVA_HOME=...) to write kernels/cuda/op_codes.cuh" >&2
    exit 1
else
    echo "build-ptx --check: no JDK 22+, op_codes.cuh not checked here (KernelOpCodesTest checks it)" >&2
fi

if [[ ! -x "$NVCC" ]]; then
    echo "build-ptx: nvcc not found (set NVCC=...); keeping the committed PTX" >&2
    exit $status
fi

# The PTX is compiled from the committed sources, header included (with --check too: it must match them).
for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    "$NVCC" "${FLAGS[@]}" -I "$src" -o "$out/$name.ptx" "$cu"
    if $check && ! cmp -s "$out/$name.ptx" "$src/$name.ptx"; then
        echo "build-ptx --check: kernels/cuda/$name.ptx is stale; run native/build-ptx.sh and commit" >&2
        status=1
    fi
done
$check && [[ $status == 0 ]] && echo "build-ptx --check: committed header and PTX are up to date ($("$NVCC" --version | tail -1))"
exit $status
