#!/usr/bin/env bash
# A/B of two adjoint jars under each garbage collector: fresh JVMs, old and new alternating, each
# running `GemmBench --compare` (1024^3 and 128x784x256, 5 rounds of one sample by Java and one by
# numpy, so the host's state shows in numpy's figure beside each). The collector matters to the GEMM
# only through C2's register allocation of the kernel loop (bench/NOTES-gemm.md, item 29). Pairs
# alternate which jar runs first (old-new, new-old, ...), so a drift of the host favours
# neither. A JVM that fails prints its error and stops the script.
#   bench/probes/gc_ab.sh OLD.jar NEW.jar OUT_DIR [PAIRS]
set -euo pipefail
old=$1 new=$2 out=$3 pairs=${4:-2}
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
mkdir -p "$out"
for threads in 1 2; do
  for gc in G1 Serial Parallel; do
    for ((i = 1; i <= pairs; i++)); do
      order="old new"; ((i % 2 == 0)) && order="new old"
      for side in $order; do
        jar=$old; [ "$side" = new ] && jar=$new
        f="$out/${gc}-${threads}t-${side}-$i.json"
        "$java" "-XX:+Use${gc}GC" -Xmx2g --add-modules jdk.incubator.vector -cp "$jar" dev.adjoint.bench.GemmBench \
          --threads "$threads" --size 1024 --shape 128x784x256 --repeat 5 --warmup 2 --compare --json "$f" \
          2> >(grep -v "incubator modules" >&2) | grep "^numpy" | sed "s/^/$gc ${threads}T $side $i: /"
      done
    done
  done
done
