#!/usr/bin/env bash
# Builds kernels/cuda/<name>.ptx from each kernels/cuda/<name>.cu with nvcc.
#   native/build-ptx.sh           regenerate the committed PTX
#   native/build-ptx.sh --check   regenerate into a temporary folder; fail if it differs
# Without nvcc it says so and exits 0 (the committed PTX is used as is).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/kernels/cuda"
NVCC="${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}"
# compute_75: PTX that the driver JIT-compiles for any sm_75+ GPU. -fmad=false: float expressions
# round like Java's (no contraction into FMA), so elementwise results match the CPU backend.
FLAGS=(-ptx -arch=compute_75 -O3 -fmad=false -std=c++17)

if [[ ! -x "$NVCC" ]]; then
    echo "build-ptx: nvcc not found (set NVCC=...); keeping the committed PTX" >&2
    exit 0
fi

check=false
[[ "${1:-}" == "--check" ]] && check=true
out="$src"
if $check; then
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
fi

status=0
for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    "$NVCC" "${FLAGS[@]}" -I "$src" -o "$out/$name.ptx" "$cu"
    if $check && ! cmp -s "$out/$name.ptx" "$src/$name.ptx"; then
        echo "build-ptx --check: kernels/cuda/$name.ptx is stale; run native/build-ptx.sh and commit" >&2
        status=1
    fi
done
$check && [[ $status == 0 ]] && echo "build-ptx --check: committed PTX is up to date ($("$NVCC" --version | tail -1))"
exit $status
