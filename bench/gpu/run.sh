#!/usr/bin/env bash
# The GPU run: one call on the lent GPU machine checks Adjoint's CUDA and OpenCL backends and times
# them beside PyTorch, with the `adjoint` launcher of a jlink bundle (there is no Java there), and
# writes the result files that bench/README.md's index lists into $OUT.
#
# 1. Here (JDK 25), build the bundle of the commit to measure and put it in the git-ignored .bundle/:
#      ADJOINT_JLINK_COMPRESS=zip-0 native/dist.sh
#      rm -rf .bundle && mkdir .bundle && (cd dist && tar -cJf ../.bundle/adjoint.tar.xz adjoint-*-linux-x86_64/)
#    (about 13 MiB; dist/*.tar.gz works too, at about 29 MiB). For the fashion section also copy
#    the data: mkdir .bundle/fm && cp /usr/share/datasets/fashion-mnist/*.gz .bundle/fm/
# 2. Call it with the device tool's `run`, from the repository root, carrying the bundle:
#      command: bash bench/gpu/run.sh [SECTION...]    carry: [".bundle"]    timeout_s: 600
#    Name kind nvidia-h100-x1 to compare with the committed H100 figures.
# 3. Copy the result files it wrote (not run-log.txt) into bench/results/, replacing those of the
#    same name, and update the index in bench/README.md.
#
# Sections, in this order (default: selftest sgemm replay train-step; 6-8 minutes on an H100 by the
# timings of the scripts it replaces, not yet measured as one call).
# G is the GPU's model in lower case (h100, h200).
#   selftest     `adjoint selftest` on cuda and on NVIDIA's OpenCL    cuda-G-selftest.json, opencl-nvidia-G-selftest.json
#   sgemm        SGEMM 4096^3 FP32: `bench gemm` and torch_gemm.py in two interleaved rounds, then
#                one TF32 run of Adjoint's                             cuda-G-sgemm-vs-torch.json
#   replay       `bench replay-check`, both MLPs, 100 steps: CUDA-graph replay and call-by-call
#                replay bit for bit, define-by-run beside them         cuda-G-replay-check.json
#   train-step   the training step, 784-256-128-10 b128 and 784-4096-4096-10 b1024: graph replay
#                interleaved with PyTorch eager (`--compare --peer torch`: peer.py, pytorch_mlp.py),
#                replay without graphs, define-by-run, PyTorch with a captured CUDA graph
#                                                                      cuda-G-train-step-vs-torch.json
#   opencl-gemm  SGEMM 4096^3 on NVIDIA's OpenCL against cuBLAS, two rounds
#                                                                      opencl-nvidia-G-sgemm-vs-cublas.json
#   opencl-tune  every named OpenCL GEMM config (GemmConfig.NAMED, -Dadjoint.opencl.gemm) in two
#                rounds against cuBLAS, and the OpenCL selftest with round 1's best
#                                                                      opencl-nvidia-G-gemm-tuning.json
#   sanitize     compute-sanitizer memcheck and racecheck over the cuda selftest
#                                                                      cuda-G-sanitizer.txt
#   fashion      Fashion-MNIST with the `train` defaults (data in .bundle/fm), `eval`, and the
#                checkpoint read by PyTorch (check_safetensors_torch.py)
#                                                                      cuda-G-fashion-mnist-train.json
#   precision    issue #25's goals, each with its verdict: `replay-check --precision bf16` (both MLPs) and fp16
#                (small): CUDA-graph replay bit for bit; the training step with graph replay, FP32 then BF16,
#                two rounds (small), and the large MLP in BF16 interleaved with PyTorch eager under
#                torch.autocast(bfloat16); TF32 SGEMM 4096^3 against torch.matmul with TF32, two rounds;
#                Fashion-MNIST defaults in FP32 and in BF16 (data in .bundle/fm). About 4 minutes by estimate
#                (not yet run); the selftest section checks the 16-bit primitives (DTypeCases).
#                                                                      cuda-G-mixed-precision.json
#   dist         issue #26 on one GPU: the training step (graph replay) without data parallelism and through
#                NCCL as a group of one (-Dadjoint.dist.engine=nccl: the gradient slab scaled and all-reduced
#                on the device between graph launches), both MLPs, two rounds; libnccl.so.2 is looked for in
#                PyTorch's site-packages. Not yet run.                 cuda-G-data-parallel.json
#   cnn          issue #27 on the GPU: the CNN training step of `train --model cnn` (conv 16,32, MLP 784-128-10,
#                b128), define-by-run and graph replay, interleaved with PyTorch eager (pytorch_mlp.py --conv), two
#                rounds; the selftest section checks im2col/col2im (WindowCases) and the index primitives
#                (IndexingCases) on cuda. Not yet run.                  cuda-G-cnn-train-step-vs-torch.json
# Always: run-log.txt. At most 8 files come back from $OUT, so one call takes at most 7 result
# files. Every step has a time limit, and steps that would start after ADJOINT_GPU_DEADLINE_S
# (default 540) seconds are skipped and say so, so the call ends inside the tool's 600 s.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
OUT="${OUT:-/tmp/out}"
R=/tmp/adjoint-gpu-run
DEADLINE="${ADJOINT_GPU_DEADLINE_S:-540}"
export PYTHONUNBUFFERED=1

declare -A FILES=([selftest]=2 [sgemm]=1 [replay]=1 [train-step]=1 [opencl-gemm]=1 [opencl-tune]=1 [sanitize]=1 [fashion]=1
                  [precision]=1 [dist]=1 [cnn]=1)
ORDER=(selftest sgemm replay train-step opencl-gemm opencl-tune sanitize fashion precision dist cnn)
want=("$@")
[ ${#want[@]} -gt 0 ] || want=(selftest sgemm replay train-step)
files=0
for s in "${want[@]}"; do
  [ -n "${FILES[$s]:-}" ] || { echo "run.sh: unknown section '$s' (sections: ${ORDER[*]})" >&2; exit 2; }
  files=$((files + FILES[$s]))
done
if [ "$files" -gt 7 ]; then
  echo "run.sh: these sections write $files result files; 7 come back with the log: split them over two calls" >&2
  exit 2
fi
SECTIONS=()
for s in "${ORDER[@]}"; do [[ " ${want[*]} " == *" $s "* ]] && SECTIONS+=("$s"); done

command -v nvidia-smi >/dev/null || { echo "run.sh: no nvidia-smi: this is not the GPU machine" >&2; exit 2; }
G="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1 | grep -oE '[A-Z][0-9]{2,4}' | head -1 | tr '[:upper:]' '[:lower:]')"
G="${G:-gpu}"

rm -rf "$R" /tmp/adj && mkdir -p "$OUT" "$R" /tmp/adj
for t in .bundle/*.tar.xz .bundle/*.tar.gz; do
  [ -f "$t" ] && { tar -xf "$t" -C /tmp/adj; break; }
done
A=""
for a in /tmp/adj/*/bin/adjoint .bundle/*/bin/adjoint; do [ -x "$a" ] && { A=$a; break; }; done
[ -n "$A" ] || { echo "run.sh: no bundle in .bundle/ (see the top of this script)" >&2; exit 2; }
[ -f .bundle/COMMIT ] && ADJOINT_COMMIT="$(cat .bundle/COMMIT)" && export ADJOINT_COMMIT

has() { [[ " ${SECTIONS[*]} " == *" $1 "* ]]; }
log() { echo "== [$SECONDS s] $*"; }
# step LIMIT CMD...: CMD under a time limit, cut to what is left before the deadline; skipped past
# it. What it says goes to stderr, past the filters that the callers pipe stdout through.
step() {
  local limit=$1 left=$((DEADLINE - SECONDS)) rc
  shift
  if [ "$left" -lt 15 ]; then echo "skipped (deadline ${DEADLINE} s): $*" >&2; return 1; fi
  [ "$limit" -gt "$left" ] && limit=$left
  timeout "$limit" "$@"
  rc=$?
  [ "$rc" -eq 0 ] || echo "exit $rc: $*" >&2
  return "$rc"
}
gemm() { step "$1" "$A" bench gemm --size 4096 "${@:2}" | grep -E 'GFLOP|Exception|rror'; }
SMALL=(--sizes "784,256,128,10" --batch 128)
LARGE=(--sizes "784,4096,4096,10" --batch 1024)

{
log "machine, bundle, sections: ${SECTIONS[*]}"
date -u
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm,temperature.gpu --format=csv
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
grep -m1 'model name' /proc/cpuinfo; nproc
echo "launcher $A, commit ${ADJOINT_COMMIT:-$(cat "$(dirname "$A")/../COMMIT" 2>/dev/null)}"
step 60 "$A" devices

if has selftest; then
  log "selftest cuda"
  step 240 "$A" selftest --device cuda --json "$R/selftest-cuda.json" | grep -E '^FAIL|passed'
  log "selftest opencl:nvidia"
  step 240 "$A" selftest --device opencl:nvidia --json "$R/selftest-opencl.json" | grep -E '^FAIL|passed'
fi

if has sgemm; then
  for round in 1 2; do
    log "sgemm 4096^3 round $round: torch.matmul, then Adjoint"
    step 120 python3 bench/reference/torch_gemm.py 4096 30 "$R/torch-gemm-$round.json" | grep -E 'tflops'
    gemm 120 --device cuda --repeat 10 --json "$R/adjoint-gemm-$round.json"
  done
  log "sgemm 4096^3 with TF32 tensor cores (Adjoint only)"
  ADJOINT_JAVA_OPTS=-Dadjoint.cuda.tf32=true gemm 90 --device cuda --repeat 10 --json "$R/adjoint-gemm-tf32.json"
fi

if has replay; then
  log "replay-check, 100 steps: define-by-run, replay, CUDA-graph replay"
  step 120 "$A" bench replay-check --device cuda "${SMALL[@]}" --steps 100 --json "$R/check-small.json" | tail -3
  step 150 "$A" bench replay-check --device cuda "${LARGE[@]}" --steps 100 --json "$R/check-large.json" | tail -3
fi

if has train-step; then
  for size in small large; do
    if [ "$size" = small ]; then M=("${SMALL[@]}"); else M=("${LARGE[@]}"); fi
    log "training step, $size: graph replay interleaved with PyTorch eager"
    step 180 "$A" bench train --device cuda "${M[@]}" --warmup 2 --repeat 5 --replay --compare --peer torch \
      --json "$R/graph-$size.json" | tail -2
    log "training step, $size: replay without graphs, then define-by-run"
    step 90 "$A" bench train --device cuda "${M[@]}" --warmup 2 --repeat 5 --replay --graphs off \
      --json "$R/replay-$size.json" | tail -1
    step 90 "$A" bench train --device cuda "${M[@]}" --warmup 2 --repeat 5 --json "$R/dbr-$size.json" | tail -1
    log "training step, $size: PyTorch with a captured CUDA graph"
    step 90 python3 bench/reference/pytorch_mlp.py --mode graph "${M[@]}" --repeat 5 \
      --json "$R/torch-graph-$size.json" | tail -1
  done
fi

if has opencl-gemm; then
  for round in 1 2; do
    log "sgemm 4096^3 round $round: NVIDIA's OpenCL, then cuBLAS"
    gemm 120 --device opencl:nvidia --repeat 5 --json "$R/ocl-gemm-$round.json"
    gemm 60 --device cuda --repeat 5 --json "$R/cublas-gemm-$round.json"
  done
fi

if has opencl-tune; then
  configs="gpu1 v2-128x128k16 v2-128x128k8 v2-128x128k16-8x16 v2-64x128k16 v2-128x128k16-nopad v2-128x256k8-8x16"
  mkdir -p "$R/tune"
  for round in 1 2; do
    gemm 60 --device cuda --repeat 5 --warmup 1 --json "$R/tune/cublas-$round.json"
    for c in $configs; do
      log "opencl gemm config $c, round $round"
      ADJOINT_JAVA_OPTS="-Dadjoint.opencl.gemm=$c" gemm 60 --device opencl:nvidia --repeat 5 --warmup 1 \
        --json "$R/tune/ocl-$c-r$round.json"
    done
    if [ "$round" = 1 ]; then
      best="$(python3 -c 'import glob, json, sys
runs = [(json.load(open(f))["results"][0]["median_gflops"], f) for f in glob.glob(sys.argv[1] + "/ocl-*-r1.json")]
print(max(runs)[1].split("/ocl-")[1][:-len("-r1.json")] if runs else "")' "$R/tune")"
      log "opencl selftest with round 1's best config: ${best:-none}"
      [ -n "$best" ] && ADJOINT_JAVA_OPTS="-Dadjoint.opencl.gemm=$best" step 240 "$A" selftest --device opencl:nvidia \
        --json "$R/tune/selftest.json" | grep -E '^FAIL|passed'
    fi
  done
  gemm 60 --device cuda --repeat 5 --warmup 1 --json "$R/tune/cublas-3.json"
fi

if has sanitize; then
  CS="$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)"
  log "compute-sanitizer memcheck, then racecheck, over the cuda selftest ($CS)"
  step 240 "$CS" --tool memcheck --leak-check no --print-limit 20 --target-processes all \
    "$A" selftest --device cuda > "$R/memcheck.log" 2>&1
  echo "memcheck rc=$?" >> "$R/memcheck.log"
  step 240 "$CS" --tool racecheck --print-limit 20 --target-processes all \
    "$A" selftest --device cuda > "$R/racecheck.log" 2>&1
  echo "racecheck rc=$?" >> "$R/racecheck.log"
  for f in memcheck racecheck; do
    grep -E '^=========|passed,|rc=' "$R/$f.log" | grep -vE 'Host Frame|Saved host backtrace|^========= *$' | head -40
  done | tee "$R/sanitizer.txt"
fi

if has fashion; then
  if [ -d .bundle/fm ]; then
    log "Fashion-MNIST on cuda with the train defaults"
    step 360 "$A" train --device cuda --data .bundle/fm --json "$R/fashion.json" --checkpoint /tmp/adjoint-ck | tail -4
    step 60 "$A" eval --device cuda --checkpoint /tmp/adjoint-ck --data .bundle/fm | tail -2
    log "the checkpoint read by PyTorch through the safetensors package"
    step 120 python3 bench/reference/check_safetensors_torch.py /tmp/adjoint-ck/best .bundle/fm --json "$R/interop.json"
  else
    echo "fashion: no .bundle/fm (see the top of this script)"
  fi
fi
if has precision; then
  log "replay-check in BF16 (both MLPs) and FP16 (small): graph replay and call-by-call replay bit for bit"
  step 90 "$A" bench replay-check --device cuda "${SMALL[@]}" --steps 100 --precision bf16 --json "$R/mp-check-small-bf16.json" | tail -2
  step 120 "$A" bench replay-check --device cuda "${LARGE[@]}" --steps 30 --precision bf16 --json "$R/mp-check-large-bf16.json" | tail -2
  step 90 "$A" bench replay-check --device cuda "${SMALL[@]}" --steps 100 --precision fp16 --json "$R/mp-check-small-fp16.json" | tail -2
  for round in 1 2; do
    for p in fp32 bf16; do
      log "training step, small, graph replay, $p, round $round"
      step 60 "$A" bench train --device cuda "${SMALL[@]}" --warmup 1 --repeat 3 --replay --precision $p \
        --json "$R/mp-small-$p-$round.json" | tail -1
    done
  done
  log "training step, large, graph replay: FP32, then BF16 interleaved with PyTorch eager under torch.autocast(bfloat16)"
  step 90 "$A" bench train --device cuda "${LARGE[@]}" --warmup 2 --repeat 5 --replay --precision fp32 \
    --json "$R/mp-large-fp32.json" | tail -1
  step 150 "$A" bench train --device cuda "${LARGE[@]}" --warmup 2 --repeat 5 --replay --precision bf16 --compare --peer torch \
    --json "$R/mp-large-bf16.json" | tail -2
  for round in 1 2; do
    log "sgemm 4096^3 TF32 round $round: torch.matmul with TF32, then Adjoint with TF32"
    step 120 python3 bench/reference/torch_gemm.py 4096 30 "$R/mp-torch-tf32-$round.json" --tf32 | grep -E 'tflops'
    ADJOINT_JAVA_OPTS=-Dadjoint.cuda.tf32=true gemm 90 --device cuda --repeat 10 --json "$R/mp-adjoint-tf32-$round.json"
  done
  if [ -d .bundle/fm ]; then
    for p in fp32 bf16; do
      log "Fashion-MNIST on cuda with the train defaults, $p"
      step 150 "$A" train --device cuda --data .bundle/fm --precision $p --json "$R/mp-fashion-$p.json" \
        --checkpoint "/tmp/adjoint-ck-$p" | tail -2
    done
  else
    echo "precision: no .bundle/fm, so no Fashion-MNIST runs (see the top of this script)"
  fi
fi
if has dist; then
  NCCL_LIB="$(find $(python3 -c 'import site; print(" ".join(site.getsitepackages()))') -name 'libnccl.so.2' 2>/dev/null | head -1)"
  echo "libnccl.so.2: ${NCCL_LIB:-not found}"
  [ -n "$NCCL_LIB" ] && export LD_LIBRARY_PATH="$(dirname "$NCCL_LIB")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  step 60 "$A" devices | grep -E '^(mpi|nccl) '
  for round in 1 2; do
    for size in small large; do
      if [ "$size" = small ]; then M=("${SMALL[@]}"); else M=("${LARGE[@]}"); fi
      log "training step, $size, graph replay, round $round: one process, then through NCCL (a group of one)"
      step 90 "$A" bench train --device cuda "${M[@]}" --warmup 2 --repeat 5 --replay --json "$R/dp-none-$size-$round.json" | tail -1
      ADJOINT_JAVA_OPTS=-Dadjoint.dist.engine=nccl step 90 "$A" bench train --device cuda "${M[@]}" --warmup 2 --repeat 5 \
        --replay --json "$R/dp-nccl-$size-$round.json" | tail -1
    done
  done
fi
if has cnn; then
  CNN=(--conv 16,32 --sizes 784,128,10 --batch 128)
  for round in 1 2; do
    log "CNN training step, round $round: define-by-run and graph replay, each beside PyTorch eager"
    step 120 "$A" bench train --device cuda "${CNN[@]}" --warmup 2 --repeat 5 --compare --peer torch \
      --json "$R/cnn-eager-$round.json" | tail -1
    step 120 "$A" bench train --device cuda "${CNN[@]}" --warmup 2 --repeat 5 --replay --compare --peer torch \
      --json "$R/cnn-replay-$round.json" | tail -1
  done
fi
log "done"
} 2>&1 | grep --line-buffered -v '^WARNING' | tee "$OUT/run-log.txt"

# Gather each section's runs into its result file under $OUT, and print a summary last.
python3 - "$R" "$OUT" "$G" "${SECTIONS[@]}" <<'PY'
import glob, json, os, shutil, statistics, subprocess, sys
r, out, g, sections = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]

def load(name):
    p = os.path.join(r, name)
    try:
        return json.load(open(p))
    except (OSError, ValueError):
        return None

def smi():
    q = "name,driver_version,memory.total,clocks.max.sm"
    return subprocess.run(["nvidia-smi", "--query-gpu=" + q, "--format=csv,noheader"],
                          capture_output=True, text=True).stdout.strip()

def dump(name, obj):
    with open(os.path.join(out, name), "w") as f:
        json.dump(obj, f, indent=1)
    print("wrote", name)

def gflops(j):
    return j["results"][0]["median_gflops"] if j and j.get("results") else None

def med(x):
    return statistics.median(x) if x else None

lines = []
if "selftest" in sections:
    for dev, src, name in (("cuda", "selftest-cuda.json", f"cuda-{g}-selftest.json"),
                           ("opencl:nvidia", "selftest-opencl.json", f"opencl-nvidia-{g}-selftest.json")):
        j = load(src)
        if j:
            dump(name, j)
        lines.append(f"selftest {dev}: " + (f"{j['passed']} passed, {j['failed']} failed" if j else "no result"))

if "sgemm" in sections:
    rounds = [{"torch": load(f"torch-gemm-{i}.json"), "adjoint": load(f"adjoint-gemm-{i}.json")} for i in (1, 2)]
    dump(f"cuda-{g}-sgemm-vs-torch.json", {
        "benchmark": "SGEMM 4096x4096x4096 FP32 (TF32 off): adjoint bench gemm against torch.matmul "
                     "(bench/reference/torch_gemm.py), two interleaved rounds; then Adjoint with TF32 tensor cores",
        "gpu": smi(), "rounds": rounds, "adjoint_tf32": load("adjoint-gemm-tf32.json")})
    for i, x in enumerate(rounds, 1):
        t = x["torch"]
        a = gflops(x["adjoint"])
        lines.append(f"sgemm 4096^3 round {i}: adjoint {a / 1000 if a else float('nan'):.1f} TFLOP/s, "
                     f"torch.matmul {t['tflops_median'] if t else float('nan'):.1f} (batched "
                     f"{t['tflops_batched'] if t else float('nan'):.1f})")
    tf = gflops(load("adjoint-gemm-tf32.json"))
    lines.append(f"sgemm 4096^3 TF32: adjoint {tf / 1000 if tf else float('nan'):.1f} TFLOP/s")

if "replay" in sections:
    small, large = load("check-small.json"), load("check-large.json")
    dump(f"cuda-{g}-replay-check.json", {"small": small, "large": large})
    for k, v in (("784-256-128-10 b128", small), ("784-4096-4096-10 b1024", large)):
        lines.append(f"replay-check {k}: " + (f"ok {v.get('ok')}, graph vs replay {v.get('graph_vs_replay_differing')} "
                                              f"values differ" if v else "no result"))

if "train-step" in sections:
    doc = {"benchmark": "training step (forward, softmax cross-entropy, backward, Adam lr 1e-3), FP32, samples/s: "
                        "CUDA-graph replay interleaved with PyTorch eager (bench train --replay --compare --peer torch), "
                        "replay without graphs and define-by-run each on its own, PyTorch with a captured CUDA graph "
                        "(pytorch_mlp.py --mode graph); 5 samples each, medians",
           "gpu": smi(), "summary": {}}
    for size, label in (("small", "784-256-128-10 b128"), ("large", "784-4096-4096-10 b1024")):
        gr, pr, d, tg = (load(f"{k}-{size}.json") for k in ("graph", "replay", "dbr", "torch-graph"))
        doc[size] = {"graph_replay_vs_torch_eager": gr, "plain_replay": pr, "define_by_run": d, "torch_cuda_graph": tg}
        s = {"model": label,
             "graph_replay": gr and gr.get("adjoint_median"), "plain_replay": pr and pr.get("adjoint_median"),
             "define_by_run": d and d.get("adjoint_median"), "torch_eager": gr and gr.get("peer_median"),
             "torch_cuda_graph": med(tg and tg.get("samples_per_second")),
             "device_graphs_used": gr and gr.get("device_graphs")}
        e = s["torch_eager"]
        s["graph_replay_over_torch_eager"] = s["graph_replay"] / e if e and s["graph_replay"] else None
        s["define_by_run_over_torch_eager"] = s["define_by_run"] / e if e and s["define_by_run"] else None
        doc["summary"][size] = s
        fmt = lambda v: f"{v:,.0f}" if v else "-"
        lines.append(f"train {label}: graph replay {fmt(s['graph_replay'])}, replay {fmt(s['plain_replay'])}, "
                     f"define-by-run {fmt(s['define_by_run'])}; torch eager {fmt(e)}, torch graph "
                     f"{fmt(s['torch_cuda_graph'])} samples/s")
    dump(f"cuda-{g}-train-step-vs-torch.json", doc)

if "opencl-gemm" in sections:
    rounds = [{"opencl": load(f"ocl-gemm-{i}.json"), "cublas": load(f"cublas-gemm-{i}.json")} for i in (1, 2)]
    dump(f"opencl-nvidia-{g}-sgemm-vs-cublas.json", {
        "benchmark": "SGEMM 4096x4096x4096 FP32, OpenCL (NVIDIA's platform) vs CUDA/cuBLAS, interleaved, two rounds",
        "gpu": smi(), "rounds": rounds})
    for i, x in enumerate(rounds, 1):
        o, c = gflops(x["opencl"]), gflops(x["cublas"])
        lines.append(f"opencl sgemm round {i}: {o or 0:.0f} GFLOP/s, cuBLAS {c or 0:.0f}"
                     + (f" ({o / c:.2f})" if o and c else ""))

if "opencl-tune" in sections:
    doc = {"benchmark": "SGEMM 4096^3 FP32: OpenCL GEMM configs (adjoint.opencl.gemm) on NVIDIA's OpenCL vs cuBLAS, "
                        "interleaved, two rounds", "gpu": smi(), "opencl": {}, "cublas": []}
    for f in sorted(glob.glob(os.path.join(r, "tune", "ocl-*.json"))):
        j = json.load(open(f))
        name, rnd = os.path.basename(f)[4:-5].rsplit("-r", 1)
        res = j["results"][0]
        entry = doc["opencl"].setdefault(name, {"device": j["device"]["description"], "rounds": {}})
        entry["rounds"][rnd] = {k: res.get(k) for k in ("median_gflops", "min_gflops", "max_gflops", "max_rel_error", "samples_gflops")}
    for f in sorted(glob.glob(os.path.join(r, "tune", "cublas-*.json"))):
        j = json.load(open(f))
        doc["cublas"].append({"file": os.path.basename(f), "median_gflops": gflops(j)})
        doc["environment"] = j["environment"]
    cub = med([c["median_gflops"] for c in doc["cublas"] if c["median_gflops"]])
    doc["cublas_median_gflops"] = cub
    for name, e in doc["opencl"].items():
        e["best_median_gflops"] = max(x["median_gflops"] for x in e["rounds"].values())
        e["fraction_of_cublas"] = e["best_median_gflops"] / cub if cub else None
        lines.append(f"opencl config {name}: {e['best_median_gflops']:.0f} GFLOP/s"
                     + (f", {100 * e['fraction_of_cublas']:.0f}% of cuBLAS {cub:.0f}" if cub else ""))
    doc["selftest"] = load("tune/selftest.json")
    dump(f"opencl-nvidia-{g}-gemm-tuning.json", doc)

if "sanitize" in sections and os.path.exists(os.path.join(r, "sanitizer.txt")):
    shutil.copy(os.path.join(r, "sanitizer.txt"), os.path.join(out, f"cuda-{g}-sanitizer.txt"))
    print("wrote", f"cuda-{g}-sanitizer.txt")
    for line in open(os.path.join(r, "sanitizer.txt")):
        if "SUMMARY" in line or "rc=" in line:
            lines.append("sanitizer: " + line.strip())

if "fashion" in sections:
    fm, interop = load("fashion.json"), load("interop.json")
    if fm:
        dump(f"cuda-{g}-fashion-mnist-train.json", {"adjoint": fm, "pytorch_reads_checkpoint": interop})
        lines.append(f"fashion-mnist: test accuracy {fm.get('test', {}).get('accuracy')} (best epoch), pytorch reading it: "
                     f"{interop.get('test_accuracy') if interop else None}")

if "precision" in sections:
    def ok(v, goal):
        return None if v is None else bool(goal(v))

    checks = {k: load(f"mp-check-{k}.json") for k in ("small-bf16", "large-bf16", "small-fp16")}
    small = {p: [load(f"mp-small-{p}-{i}.json") for i in (1, 2)] for p in ("fp32", "bf16")}
    large32, large16 = load("mp-large-fp32.json"), load("mp-large-bf16.json")
    tf32 = [{"torch": load(f"mp-torch-tf32-{i}.json"), "adjoint": load(f"mp-adjoint-tf32-{i}.json")} for i in (1, 2)]
    fm = {p: load(f"mp-fashion-{p}.json") for p in ("fp32", "bf16")}

    def test_accuracy(j):
        return j.get("test", {}).get("accuracy") if j else None

    def median_of(j):
        return j.get("adjoint_median") if j else None

    small_ratios = [median_of(b) / median_of(f) if median_of(b) and median_of(f) else None
                    for f, b in zip(small["fp32"], small["bf16"])]
    tf32_ratios = []
    for x in tf32:
        a, t = gflops(x["adjoint"]), x["torch"] and x["torch"].get("tflops_median")
        tf32_ratios.append(a / 1000 / t if a and t else None)
    l32, l16 = median_of(large32), median_of(large16)
    acc32, acc16 = test_accuracy(fm["fp32"]), test_accuracy(fm["bf16"])
    goals = {
        "graph_replay_bit_identical_bf16_fp16": {
            k: v and v.get("graph_vs_replay_differing") == 0 and v.get("graph_used") for k, v in checks.items()},
        "large_bf16_over_fp32": {"value": l16 / l32 if l16 and l32 else None, "goal": ">= 4"},
        "large_bf16_over_torch_autocast_bf16": {"value": large16 and large16.get("ratio"), "goal": ">= 1.0"},
        "small_graph_bf16_over_fp32": {"rounds": small_ratios, "goal": ">= 1.0 (no slower)"},
        "tf32_sgemm_4096_over_torch_tf32": {"rounds": tf32_ratios, "goal": ">= 0.95"},
        "fashion_mnist_bf16_minus_fp32_points": {
            "value": 100 * (acc16 - acc32) if acc16 is not None and acc32 is not None else None, "goal": ">= -0.3"},
    }
    for name, thr in (("large_bf16_over_fp32", 4.0), ("large_bf16_over_torch_autocast_bf16", 1.0)):
        goals[name]["met"] = ok(goals[name]["value"], lambda v, t=thr: v >= t)
    goals["small_graph_bf16_over_fp32"]["met"] = ok(med([r for r in small_ratios if r]), lambda v: v >= 1.0)
    goals["tf32_sgemm_4096_over_torch_tf32"]["met"] = ok(med([r for r in tf32_ratios if r]), lambda v: v >= 0.95)
    goals["fashion_mnist_bf16_minus_fp32_points"]["met"] = ok(
        goals["fashion_mnist_bf16_minus_fp32_points"]["value"], lambda v: v >= -0.3)
    dump(f"cuda-{g}-mixed-precision.json", {
        "benchmark": "issue #25's GPU goals: replay-check in BF16/FP16; training step (forward, softmax cross-entropy, "
                     "backward, Adam) with CUDA-graph replay in FP32 and BF16, the large MLP in BF16 interleaved with "
                     "PyTorch eager under torch.autocast(bfloat16) (bench train --compare --peer torch --precision "
                     "bf16); TF32 SGEMM 4096^3 against torch.matmul with allow_tf32; Fashion-MNIST train defaults in "
                     "FP32 and BF16", "gpu": smi(), "goals": goals,
        "replay_checks": checks, "small": small, "large": {"fp32": large32, "bf16_vs_torch_autocast": large16},
        "tf32_sgemm": tf32, "fashion_mnist": fm})
    for name, v in goals.items():
        lines.append(f"precision {name}: {json.dumps(v)}")

if "dist" in sections:
    doc = {"benchmark": "training step with CUDA-graph replay, samples/s: one process, and the same through NCCL as a "
                        "group of one (-Dadjoint.dist.engine=nccl: gradients scaled by the share and all-reduced on the "
                        "device after each replayed backward), two interleaved rounds; the cost of the collective path",
           "gpu": smi(), "models": {}}
    for size, label in (("small", "784-256-128-10 b128"), ("large", "784-4096-4096-10 b1024")):
        runs = {k: [load(f"dp-{k}-{size}-{i}.json") for i in (1, 2)] for k in ("none", "nccl")}
        meds = {k: med([j["adjoint_median"] for j in v if j]) for k, v in runs.items()}
        doc["models"][label] = {"runs": runs, "median_none": meds["none"], "median_nccl": meds["nccl"],
                                "nccl_over_none": meds["nccl"] / meds["none"] if meds["none"] and meds["nccl"] else None,
                                "engine": next((j.get("gradient_engine") for j in runs["nccl"] if j), None)}
        lines.append(f"dist {label}: none {meds['none'] or 0:,.0f}, nccl {meds['nccl'] or 0:,.0f} samples/s")
    dump(f"cuda-{g}-data-parallel.json", doc)

if "cnn" in sections:
    doc = {"benchmark": "CNN training step of train --model cnn (conv 16,32 5x5 same + ReLU + max pool 2, MLP 784-128-10, "
                        "b128, Adam), samples/s, define-by-run and graph replay, each interleaved with PyTorch eager "
                        "(pytorch_mlp.py --conv), two rounds; #27's goal: >= 1.0x PyTorch eager",
           "gpu": smi(), "runs": {k: [load(f"cnn-{k}-{i}.json") for i in (1, 2)] for k in ("eager", "replay")}}
    for k, v in doc["runs"].items():
        ratio = med([j["ratio"] for j in v if j and "ratio" in j])
        doc[f"{k}_over_torch_eager"] = ratio
        lines.append(f"cnn {k}: adjoint / torch eager = {ratio or 0:.2f}")
    dump(f"cuda-{g}-cnn-train-step-vs-torch.json", doc)

print("\n".join(["== summary (" + g + ")"] + lines))
PY
ls -la "$OUT"
