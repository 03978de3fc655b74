#!/usr/bin/env bash
# Data-parallel scaling on one CPU host (issue #26): for the three standard MLPs, the training step at one
# global batch as 1 rank x 2 threads (`adjoint bench train --threads 2`) and as 2 ranks x 1 thread
# (`mpirun -np 2 adjoint bench train --threads 1`: each rank steps on half the batch, the gradients averaged
# over Open MPI after every backward), and the same 2 ranks summing 4 MiB buckets while backward runs
# (-Dadjoint.dist.bucketMb=4), interleaved round by round, the order rotating.
# usage: bench/dist-scaling.sh [ROUNDS=3] [OUT=bench/results/cpu-data-parallel-scaling.json]
# Needs Open MPI (Debian: openmpi-bin libopenmpi-dev) and a quiet 2-core host; ~8 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${1:-3}"
OUT="${2:-bench/results/cpu-data-parallel-scaling.json}"
T="$(mktemp -d)"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
models=("784,256,128,10 128" "784,1024,1024,10 256" "784,4096,4096,10 1024")
for r in $(seq 1 "$ROUNDS"); do
  for m in "${models[@]}"; do
    read -r sizes batch <<< "$m"
    one=(./adjoint bench train --sizes "$sizes" --batch "$batch" --warmup 3 --repeat 5 --threads 2)
    two=(mpirun -np 2 ./adjoint bench train --sizes "$sizes" --batch "$batch" --warmup 3 --repeat 5 --threads 1)
    case $((r % 3)) in 1) order="one two buckets" ;; 2) order="two buckets one" ;; *) order="buckets one two" ;; esac
    for k in $order; do
      case "$k" in
        one) "${one[@]}" --json "$T/one-$sizes-$r.json" | tail -1 ;;
        two) "${two[@]}" --json "$T/two-$sizes-$r.json" 2>&1 | grep -v '^WARNING' | tail -1 ;;
        buckets) ADJOINT_JAVA_OPTS="-Dadjoint.dist.bucketMb=4 ${ADJOINT_JAVA_OPTS:-}" "${two[@]}" \
                   --json "$T/buckets-$sizes-$r.json" 2>&1 | grep -v '^WARNING' | tail -1 ;;
      esac
    done
  done
done
python3 - "$T" "$OUT" "$ROUNDS" <<'PY'
import glob, json, os, statistics, sys
t, out, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = {"benchmark": "data-parallel training step on one CPU host: 1 rank x 2 threads against 2 ranks x 1 thread "
                    "(mpirun -np 2, Open MPI, gradients all-reduced on the host after every backward), and 2 ranks "
                    "summing 4 MiB buckets while backward runs (MPI_Iallreduce), same global batch, interleaved "
                    "rounds; samples/s of the whole job, medians of 5 samples",
       "models": []}
for sizes, batch in (("784,256,128,10", 128), ("784,1024,1024,10", 256), ("784,4096,4096,10", 1024)):
    one = [json.load(open(f"{t}/one-{sizes}-{r}.json")) for r in range(1, rounds + 1)]
    two = [json.load(open(f"{t}/two-{sizes}-{r}.json")) for r in range(1, rounds + 1)]
    bk = [json.load(open(f"{t}/buckets-{sizes}-{r}.json")) for r in range(1, rounds + 1)]
    ratios = [b["adjoint_median"] / a["adjoint_median"] for a, b in zip(one, two)]
    bucket_ratios = [c["adjoint_median"] / b["adjoint_median"] for b, c in zip(two, bk)]
    doc["environment"] = one[0]["environment"]
    doc["models"].append({"sizes": sizes, "global_batch": batch,
                          "one_rank_two_threads": [a["adjoint_median"] for a in one],
                          "two_ranks_one_thread": [b["adjoint_median"] for b in two],
                          "two_ranks_over_one_rank": ratios, "median_ratio": statistics.median(ratios),
                          "two_ranks_buckets": [c["adjoint_median"] for c in bk],
                          "buckets_over_after_backward": bucket_ratios,
                          "median_buckets_ratio": statistics.median(bucket_ratios),
                          "buckets": bk[0].get("gradient_buckets"), "world": two[0].get("world")})
    print(f"{sizes} b{batch}: 1x2 {statistics.median(a['adjoint_median'] for a in one):,.0f}, "
          f"2x1 {statistics.median(b['adjoint_median'] for b in two):,.0f} samples/s; ratio {statistics.median(ratios):.2f}; "
          f"buckets / after backward {statistics.median(bucket_ratios):.2f}")
json.dump(doc, open(out, "w"), indent=1)
print("wrote", out)
PY
rm -rf "$T"
