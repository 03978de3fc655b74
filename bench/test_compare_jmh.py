#!/usr/bin/env python3
"""Tests of compare_jmh.py on tiny hand-made inputs: python3 bench/test_compare_jmh.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_jmh  # noqa: E402

MATRIX = {
    "environment": {"cores": 2, "cpu_threads": 2},
    "results": [
        {"backend": "cpu", "device": "cpu", "kind": "gemm", "shape": "1024x1024x1024", "batch": None,
         "median_s": 0.020, "spread": 0.05, "skipped": None},
        {"backend": "cpu", "device": "cpu", "kind": "train", "shape": "784-256-128-10", "batch": 128,
         "median_s": 0.0025, "spread": 0.1, "skipped": None},
        {"backend": "cpu", "device": "cpu", "kind": "infer", "shape": "784-256-128-10", "batch": 128,
         "median_s": 0.0010, "spread": 0.1, "skipped": None},
        {"backend": "opencl", "device": "opencl:0", "kind": "gemm", "shape": "1024x1024x1024", "batch": None,
         "median_s": 0.100, "spread": 0.05, "skipped": None},
        {"backend": "opencl", "device": "opencl:0", "kind": "train", "shape": "784-4096-4096-10", "batch": 1024,
         "median_s": None, "spread": None, "skipped": "predicted 40 s"},
    ],
}


def jmh(benchmark, params, score, unit, mode, error=1.0):
    return {"benchmark": "dev.adjoint.bench.jmh.%s" % benchmark, "mode": mode, "params": params,
            "primaryMetric": {"score": score, "scoreError": error, "scoreUnit": unit}}


JMH = [
    # 1024^3 at 45 calls/s: 0.02222 s per call, the matrix's 0.020 is 1.11x faster: within 15%.
    jmh("GemmBenchmark.gemm", {"backend": "cpu", "shape": "1024x1024x1024", "threads": "0"}, 45.0, "ops/s", "thrpt"),
    # the same shape with 1 thread: the matrix ran with 2, so no match
    jmh("GemmBenchmark.gemm", {"backend": "cpu", "shape": "1024x1024x1024", "threads": "1"}, 25.0, "ops/s", "thrpt"),
    # 3.0 ms per step against 2.5 ms: ratio 1.2, outside 15%
    jmh("TrainStepBenchmark.step", {"backend": "cpu", "model": "784-256-128-10/128", "threads": "2"}, 3.0, "ms/op", "avgt"),
    # 0.95 ms per batch against 1.0 ms: ratio 0.95
    jmh("InferenceBenchmark.infer", {"backend": "cpu", "model": "784-256-128-10/128", "threads": "0"}, 950.0, "us/op",
        "avgt", error="NaN"),
    # opencl:0 by device name: 0.1 s, ratio 1.0
    jmh("GemmBenchmark.gemm", {"backend": "opencl:0", "shape": "1024x1024x1024", "threads": "0"}, 0.1, "s/op", "avgt"),
    # skipped in the matrix
    jmh("TrainStepBenchmark.step", {"backend": "opencl", "model": "784-4096-4096-10/1024"}, 50.0, "s/op", "avgt"),
    # another benchmark entirely: ignored
    jmh("ReplayBenchmark.replay", {"device": "cpu"}, 400.0, "us/op", "avgt"),
]


class CompareJmhTest(unittest.TestCase):
    def test_units_become_seconds_per_call(self):
        self.assertAlmostEqual(0.002, compare_jmh.seconds_per_op({"score": 2.0, "scoreUnit": "ms/op"}))
        self.assertAlmostEqual(0.02, compare_jmh.seconds_per_op({"score": 50.0, "scoreUnit": "ops/s"}))
        self.assertAlmostEqual(1e-3, compare_jmh.seconds_per_op({"score": 1.0, "scoreUnit": "ops/ms"}))
        self.assertAlmostEqual(3e-7, compare_jmh.seconds_per_op({"score": 300.0, "scoreUnit": "ns/op"}))
        with self.assertRaises(ValueError):
            compare_jmh.seconds_per_op({"score": 1.0, "scoreUnit": "furlongs"})

    def test_cases_match_by_kind_shape_batch_backend_and_threads(self):
        rows, unmatched = compare_jmh.compare(MATRIX, JMH, 0.15)
        by_case = {r["case"]: r for r in rows}
        self.assertEqual(["gemm 1024x1024x1024 on cpu", "train 784-256-128-10 b128 on cpu",
                          "infer 784-256-128-10 b128 on cpu", "gemm 1024x1024x1024 on opencl:0"], [r["case"] for r in rows])
        self.assertAlmostEqual((1 / 45.0) / 0.020, by_case["gemm 1024x1024x1024 on cpu"]["ratio"])
        self.assertTrue(by_case["gemm 1024x1024x1024 on cpu"]["within"])
        self.assertAlmostEqual(1.2, by_case["train 784-256-128-10 b128 on cpu"]["ratio"])
        self.assertFalse(by_case["train 784-256-128-10 b128 on cpu"]["within"])
        self.assertAlmostEqual(0.95, by_case["infer 784-256-128-10 b128 on cpu"]["ratio"])
        self.assertIsNone(by_case["infer 784-256-128-10 b128 on cpu"]["jmh_relative_error"])
        self.assertAlmostEqual(1.0, by_case["gemm 1024x1024x1024 on opencl:0"]["ratio"])
        self.assertEqual(["gemm 1024x1024x1024 on cpu", "train 784-4096-4096-10 b1024 on opencl"],
                         [u["case"] for u in unmatched])
        self.assertEqual("JMH ran 1 CPU threads, the matrix 2", unmatched[0]["why"])
        self.assertIn("skipped in the matrix: predicted 40 s", unmatched[1]["why"])

    def test_the_threads_option_overrides_the_matrix(self):
        rows, _ = compare_jmh.compare(MATRIX, JMH[:2], 0.15, threads=1)
        self.assertEqual(1, len(rows))
        self.assertAlmostEqual((1 / 25.0) / 0.020, rows[0]["ratio"])

    def test_several_runs_are_compared_by_their_medians(self):
        slow = json.loads(json.dumps(MATRIX))
        fast = json.loads(json.dumps(MATRIX))
        slow["results"][0]["median_s"] = 0.030   # 1024^3 on cpu: runs 0.020, 0.030, 0.010 -> median 0.020
        fast["results"][0]["median_s"] = 0.010
        merged = compare_jmh.merge_matrices([MATRIX, slow, fast])
        self.assertAlmostEqual(0.020, merged["results"][0]["median_s"])
        self.assertEqual([0.020, 0.030, 0.010], merged["results"][0]["runs_s"])
        self.assertIsNone(merged["results"][4]["median_s"])   # skipped in every run
        gemm = lambda calls: jmh("GemmBenchmark.gemm", {"backend": "cpu", "shape": "1024x1024x1024", "threads": "0"},
                                 calls, "ops/s", "thrpt")
        entries = compare_jmh.merge_jmh([gemm(50.0), gemm(25.0), gemm(40.0)])
        self.assertEqual(1, len(entries))
        self.assertAlmostEqual(0.025, compare_jmh.seconds_per_op(entries[0]["primaryMetric"]))
        rows, _ = compare_jmh.compare(merged, entries, 0.15)
        self.assertAlmostEqual(0.025 / 0.020, rows[0]["ratio"])
        self.assertEqual([0.02, 0.04, 0.025], rows[0]["jmh_runs_s"])

    def test_single_case_runs_merge_and_pair_by_run(self):
        def one(kind, shape, batch, median):
            return {"environment": {"cores": 2, "cpu_threads": 2},
                    "results": [{"backend": "cpu", "device": "cpu", "kind": kind, "shape": shape, "batch": batch,
                                 "median_s": median, "skipped": None}]}
        runs = [one("gemm", "8x8x8", None, 1.0), one("train", "4-2", 3, 0.5), one("gemm", "8x8x8", None, 2.0),
                one("train", "4-2", 3, 0.25), one("gemm", "8x8x8", None, 4.0)]
        merged = compare_jmh.merge_matrices(runs)
        self.assertEqual(["gemm", "train"], [r["kind"] for r in merged["results"]])
        self.assertEqual([1.0, 2.0, 4.0], merged["results"][0]["runs_s"])
        self.assertEqual([0.5, 0.25], merged["results"][1]["runs_s"])
        gemm = lambda s: jmh("GemmBenchmark.gemm", {"shape": "8x8x8", "threads": "0"}, s, "s/op", "avgt")
        step = lambda s: jmh("TrainStepBenchmark.step", {"model": "4-2/3", "threads": "0"}, s, "s/op", "avgt")
        # gemm: JMH 1.1, 1.9, 4.6 -> medians 2.0 vs 1.9 (ratio 0.95); pairs 1.1, 0.95, 1.15 -> median 1.1
        # train: JMH 0.8, 0.3 -> medians 0.375 vs 0.55 (1.47); pairs 1.6, 1.2 -> 1.4
        entries = compare_jmh.merge_jmh([gemm(1.1), step(0.8), gemm(1.9), step(0.3), gemm(4.6)])
        rows, unmatched = compare_jmh.compare(merged, entries, 0.15)
        self.assertEqual([], unmatched)
        g, t = rows
        self.assertAlmostEqual(0.95, g["ratio"])
        self.assertEqual([1.1, 0.95, 1.15], [round(x, 9) for x in g["paired_ratios"]])
        self.assertAlmostEqual(1.1, g["paired_ratio"])
        self.assertTrue(g["within"])
        self.assertAlmostEqual(1.4, t["paired_ratio"])
        self.assertFalse(t["within"])
        # one run a side: no pairs, the ratio alone decides
        rows, _ = compare_jmh.compare(compare_jmh.merge_matrices(runs[:1]), compare_jmh.merge_jmh([gemm(1.1)]), 0.15)
        self.assertIsNone(rows[0]["paired_ratio"])
        self.assertTrue(rows[0]["within"])
        # the median paired ratio alone can put a case outside: medians agree (2.0), two pairs of three are 1.3
        matrices = compare_jmh.merge_matrices([one("gemm", "8x8x8", None, x) for x in (1.0, 2.0, 3.0)])
        rows, _ = compare_jmh.compare(matrices, compare_jmh.merge_jmh([gemm(1.3), gemm(2.6), gemm(2.0)]), 0.15)
        self.assertAlmostEqual(1.0, rows[0]["ratio"])
        self.assertAlmostEqual(1.3, rows[0]["paired_ratio"])
        self.assertFalse(rows[0]["within"])

    def test_runs_pair_by_round_not_by_position(self):
        def one(median, rnd):
            return {"_round": rnd, "results": [{"backend": "cpu", "device": "cpu", "kind": "gemm", "shape": "8x8x8",
                                                "batch": None, "median_s": median, "skipped": None}]}
        gemm = lambda s, rnd: dict(jmh("GemmBenchmark.gemm", {"shape": "8x8x8", "threads": "0"}, s, "s/op", "avgt"),
                                   _round=rnd)
        # the matrix has rounds 1, 2, 3 and JMH 1, 3, 4: rounds 1 and 3 pair (1.2 and 1.4), 2 and 4 do not
        merged = compare_jmh.merge_matrices([one(1.0, 1), one(9.0, 2), one(2.0, 3)])
        entries = compare_jmh.merge_jmh([gemm(1.2, 1), gemm(2.8, 3), gemm(0.1, 4)])
        self.assertEqual([1, 3, 4], entries[0]["runs_round"])
        self.assertNotIn("_round", entries[0])
        row = compare_jmh.compare(merged, entries, 0.15)[0][0]
        self.assertEqual([1, 3], row["paired_rounds"])
        self.assertEqual([1.2, 1.4], [round(x, 9) for x in row["paired_ratios"]])
        self.assertEqual(7, compare_jmh.round_of("/d/r07-gemm-8x8x8-jmh.json", 0))
        self.assertEqual(2, compare_jmh.round_of("/d/matrix-1.json", 2))

    def test_run_alternates_the_tools_case_by_case(self):
        fake = r"""#!/usr/bin/env python3
import json, sys
a = sys.argv[1:]
with open(ORDER, "a") as f:
    f.write(("%s %s\n" % (TOOL, " ".join(a))))
if TOOL == "adjoint":
    case = a[a.index("--cases") + 1]
    kind, what = case.split(":")
    shape, batch = (what, None) if kind == "gemm" else (what.split("/")[0], int(what.split("/")[1]))
    out = {"environment": {"cores": 2, "cpu_threads": 2}, "results": [{"backend": "cpu", "device": "cpu",
           "kind": kind, "shape": shape, "batch": batch, "median_s": 0.01, "skipped": None}]}
    path = a[a.index("--json") + 1]
else:
    params = dict(a[i + 1].split("=", 1) for i, x in enumerate(a) if x == "-p")
    bench = "GemmBenchmark.gemm" if "GemmBenchmark" in a[3] else "TrainStepBenchmark.step"
    out = [{"benchmark": "dev.adjoint.bench.jmh." + bench, "mode": "avgt", "params": params,
            "primaryMetric": {"score": 0.0105, "scoreError": 0.001, "scoreUnit": "s/op"}}]
    path = a[a.index("-rff") + 1]
json.dump(out, open(path, "w"))
"""
        here = os.path.dirname(os.path.abspath(__file__))
        with tempfile.TemporaryDirectory() as d:
            order = os.path.join(d, "order.txt")
            tools = {}
            for tool in ("adjoint", "java"):
                tools[tool] = os.path.join(d, tool)
                with open(tools[tool], "w") as f:
                    f.write(fake.replace("ORDER", repr(order)).replace("TOOL", repr(tool)))
                os.chmod(tools[tool], 0o755)
            out = os.path.join(d, "runs")
            run = subprocess.run([sys.executable, os.path.join(here, "compare_jmh.py"), "--run", "2", "--dir", out,
                                  "--cases", "gemm:8x8x8,train:4-2/3", "--adjoint", tools["adjoint"],
                                  "--java", tools["java"], "--jar", "x.jar"], capture_output=True, text=True)
            self.assertEqual(0, run.returncode, run.stdout + run.stderr)
            with open(order) as f:
                words = [line.split() for line in f]
            # the case each call ran: adjoint's --cases value, JMH's shape= or model= parameter
            calls = [w[0] + " " + (w[w.index("--cases") + 1] if w[0] == "adjoint"
                                   else next(x for x in w if x.startswith(("shape=", "model="))))
                     for w in words]
            self.assertEqual(["adjoint gemm:8x8x8", "java shape=8x8x8", "adjoint train:4-2/3", "java model=4-2/3",
                              "java shape=8x8x8", "adjoint gemm:8x8x8", "java model=4-2/3", "adjoint train:4-2/3"],
                             calls)
            self.assertTrue(os.path.exists(os.path.join(out, "r02-train-4-2-b3-jmh.json")))
            with open(os.path.join(out, "comparison.json")) as f:
                cases = json.load(f)["cases"]
            self.assertEqual(["gemm 8x8x8 on cpu", "train 4-2 b3 on cpu"], [c["case"] for c in cases])
            self.assertAlmostEqual(1.05, cases[0]["paired_ratio"])
            for cases, said in (("gemm:8x8", "--cases: 'gemm:8x8': expected"), ("gemm:0x8x8", "'gemm:0x8x8'"),
                                ("train:784-010/3", "'train:784-010/3'"), ("gemm:8x8x8,gemm:8x8x8", "named twice")):
                bad = subprocess.run([sys.executable, os.path.join(here, "compare_jmh.py"), "--run", "1", "--dir", out,
                                      "--cases", cases], capture_output=True, text=True)
                self.assertEqual(2, bad.returncode, cases)
                self.assertIn(said, bad.stderr)
            # a tool that fails stops the run with status 3, naming its log, and leaves no chart behind
            with open(tools["java"], "a") as f:
                f.write("sys.exit(5)\n")
            failed = subprocess.run([sys.executable, os.path.join(here, "compare_jmh.py"), "--run", "1", "--dir", out,
                                     "--cases", "gemm:8x8x8", "--adjoint", tools["adjoint"], "--java", tools["java"],
                                     "--jar", "x.jar"], capture_output=True, text=True)
            self.assertEqual(3, failed.returncode, failed.stdout + failed.stderr)
            self.assertIn("exited with 5; see %s-jmh.log" % os.path.join(out, "r01-gemm-8x8x8"), failed.stderr)
            self.assertFalse(os.path.exists(os.path.join(out, ".chart.svg")))

    def test_the_command_writes_json_and_exits_by_the_outcome(self):
        here = os.path.dirname(os.path.abspath(__file__))
        with tempfile.TemporaryDirectory() as d:
            m, j, out = (os.path.join(d, n) for n in ("m.json", "j.json", "out.json"))
            with open(m, "w") as f:
                json.dump(MATRIX, f)
            with open(j, "w") as f:
                json.dump(JMH, f)
            run = subprocess.run([sys.executable, os.path.join(here, "compare_jmh.py"), m, j, "--out", out],
                                 capture_output=True, text=True)
            self.assertEqual(1, run.returncode, run.stdout + run.stderr)   # the training step is 20% off
            self.assertIn("4 case(s) compared, 1 outside 15%", run.stdout)
            with open(out) as f:
                self.assertEqual(4, len(json.load(f)["cases"]))
            wide = subprocess.run([sys.executable, os.path.join(here, "compare_jmh.py"), m, j, "--tolerance", "0.25"],
                                  capture_output=True, text=True)
            self.assertEqual(0, wide.returncode, wide.stdout)
            with open(j, "w") as f:
                json.dump(JMH[-1:], f)
            none = subprocess.run([sys.executable, os.path.join(here, "compare_jmh.py"), m, j],
                                  capture_output=True, text=True)
            self.assertEqual(2, none.returncode, none.stdout)


if __name__ == "__main__":
    unittest.main()
