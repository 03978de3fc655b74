#!/usr/bin/env bash
# OpenCL SGEMM tuning on the NVIDIA GPU: every named GEMM config (adjoint.opencl.gemm) at 4096^3,
# interleaved with cuBLAS, two rounds; the selftest with round 1's best; one aggregated JSON.
#   run: bash bench/gpu/opencl-tune.sh   (the bundle in .bundle/adjoint.tar.xz, carry [".bundle"]);
#   the 2026-11-23 run used a copy as .bundle/ocl-tune.sh (cd .. instead of ../..).
set -uo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"; R=/tmp/res; mkdir -p $R
export ADJOINT_COMMIT="$(cat .bundle/COMMIT 2>/dev/null || echo unknown)"
V="gpu1 v2-128x128k16 v2-128x128k8 v2-128x128k16-8x16 v2-64x128k16 v2-128x128k16-nopad v2-128x256k8-8x16"
B="--size 4096 --repeat 5 --warmup 1"
{
mkdir -p /tmp/adj && tar -xJf .bundle/adjoint.tar.xz -C /tmp/adj
A=$(ls -d /tmp/adj/*/bin/adjoint)
nvidia-smi --query-gpu=name,clocks.sm,clocks.max.sm,temperature.gpu,power.draw --format=csv
cub() { timeout 60 "$A" bench gemm --device cuda $B --json "$R/cublas-$1.json" | grep -E 'GFLOP|Exception'; }
ocl() { [ $SECONDS -lt 330 ] || { echo "skip $1 round $2 (time)"; return; }
  echo "== $1 round $2"; ADJOINT_JAVA_OPTS="-Dadjoint.opencl.gemm=$1" timeout 60 "$A" bench gemm --device opencl:nvidia $B \
  --json "$R/ocl-$1-r$2.json" 2>&1 | grep -E 'GFLOP|Exception|error|Error' | head -20; }
cub 1
for v in $V; do ocl $v 1; done
cub 2
best=$(python3 - <<'PY'
import json,glob
b=max(((json.load(open(f))["results"][0]["median_gflops"],f) for f in glob.glob("/tmp/res/ocl-*-r1.json")),default=(0,"none"))
print(b[1].split("ocl-")[1].rsplit("-r1",1)[0])
PY
)
echo "best round 1: $best"
ADJOINT_JAVA_OPTS="-Dadjoint.opencl.gemm=$best" timeout 120 "$A" selftest --device opencl:nvidia --json "$R/selftest.json" | grep -E 'FAIL|passed|GEMM'
for v in $V; do ocl $v 2; done
cub 3
} 2>&1 | grep -v WARNING | tee "$OUT/opencl-tune-log.txt"
python3 - "$OUT" <<'PY'
import json,glob,os,sys,statistics
R="/tmp/res"; out={"benchmark":"SGEMM 4096^3 FP32: OpenCL GEMM configs (adjoint.opencl.gemm) on NVIDIA's OpenCL vs cuBLAS, interleaved in one run, one H100","opencl":{},"cublas":[]}
for f in sorted(glob.glob(R+"/ocl-*.json")):
    j=json.load(open(f)); name=os.path.basename(f)[4:-5]; v,r=name.rsplit("-r",1)
    res=j["results"][0]
    out["opencl"].setdefault(v,{"device":j["device"]["description"],"rounds":{}})["rounds"][r]={k:res[k] for k in ("median_gflops","min_gflops","max_gflops","max_rel_error","samples_gflops")}
for f in sorted(glob.glob(R+"/cublas-*.json")):
    j=json.load(open(f)); res=j["results"][0]
    out["cublas"].append({"file":os.path.basename(f),"device":j["device"]["description"],**{k:res[k] for k in ("median_gflops","max_rel_error","samples_gflops")}})
    out["environment"]=j["environment"]
cub=statistics.median([c["median_gflops"] for c in out["cublas"]]) if out["cublas"] else None
out["cublas_median_gflops"]=cub
print("%-24s %10s %10s %8s %10s"%("config","r1 GF/s","r2 GF/s","%cuBLAS","relerr"))
for v,d in out["opencl"].items():
    rs=[d["rounds"][r]["median_gflops"] for r in sorted(d["rounds"])]
    d["best_median_gflops"]=max(rs); d["fraction_of_cublas"]=max(rs)/cub if cub else None
    print("%-24s %10.0f %10s %8.1f %10.2e"%(v,rs[0],("%.0f"%rs[1]) if len(rs)>1 else "-",100*d["fraction_of_cublas"] if cub else 0,d["rounds"]["1"]["max_rel_error"] if "1" in d["rounds"] else -1))
print("cuBLAS medians:",[round(c["median_gflops"]) for c in out["cublas"]])
if os.path.exists(R+"/selftest.json"): out["selftest"]=json.load(open(R+"/selftest.json"))
json.dump(out,open(sys.argv[1]+"/opencl-nvidia-h100-gemm-tuning.json","w"),indent=1)
PY
