#!/usr/bin/env python3
"""Tests of gemm_history.py on hand-made result files: python3 bench/test_gemm_history.py"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gemm_history  # noqa: E402


def result(commit, time, java, numpy, ratio, per_round, method="interleaved"):
    """One 1024^3, 1-thread case; ratio, per_round and numpy's median (100) as compare_gemm.py stores them."""
    return {"git_commit": commit, "timestamp": time, "goal_ratio": 0.85, "method": method,
            "results": [{"shape": "1024x1024x1024", "threads": 1, "java_samples": java, "numpy_samples": numpy,
                         "ratio": ratio, "paired_ratio_median": per_round, "numpy_median_gflops": 100.0}]}


class GemmHistoryTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def load(self, name, data):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            json.dump(data, f)
        return gemm_history.load(path)

    def test_each_run_as_stored_and_the_pool_of_runs_with_the_same_code_and_method(self):
        # Run a: java 80, 90, 100 against numpy 100 each: 0.9 / 0.9, met.
        a = self.load("a.json", result("aaaaaaa1", "2026-01-01T10:00:00Z", [80, 90, 100], [100, 100, 100], 0.9, 0.9))
        # Run b: java 60, 70, 80 against numpy 100, 80, 100: ratio of medians 0.7, per-round ratios
        # 0.6, 0.875, 0.8 (median 0.8), missed. Stored as 0.71, so that the table shows what the run
        # stored (compare_gemm.py keeps samples rounded to 0.01 GFLOP/s, its ratios from unrounded ones).
        b = self.load("b.json", result("bbbbbbb2", "2026-01-01T11:00:00Z", [60, 70, 80], [100, 80, 100], 0.71, 0.8))
        # Run c: other code, a quiet window.
        c = self.load("c.json", result("ccccccc3", "2026-01-01T09:00:00Z", [95, 95, 95], [100, 100, 100], 0.95, 0.95))
        # Run d: the same code as a and b, measured by another method: not pooled with them.
        d = self.load("d.json", result("aaaaaaa1", "2026-01-01T12:00:00Z", [90], [100], 0.9, 0.9, method="other"))
        self.assertAlmostEqual(0.875, b["cases"][("1024x1024x1024", 1)]["paired"][1])
        code = {"aaaaaaa1": "v1", "bbbbbbb2": "v1", "ccccccc3": "v2"}
        versions = gemm_history.group([a, b, c, d], lambda commit: code[commit])
        self.assertEqual({("v1", "interleaved"): [a, b], ("v2", "interleaved"): [c], ("v1", "other"): [d]}, versions)
        lines = gemm_history.table([a, b, c, d], versions).splitlines()
        rows = [line for line in lines if line.startswith("| ") and "json" in line]
        self.assertEqual(["c.json", "a.json", "b.json", "d.json"], [r.split()[1] for r in rows], "runs by time")
        self.assertIn("| 0.900 / 0.900 (100) |", rows[1])
        self.assertIn("| **0.710 / 0.800** (100) |", rows[2])
        # Pooled a+b: per-round ratios 0.6, 0.8, 0.8, 0.875, 0.9, 1.0 (median 0.8375); java's median
        # 80 over numpy's 100: 0.8. One run of two met the goal.
        pooled = [line for line in lines if line.startswith("| aaaaaaa, bbbbbbb |")]
        self.assertEqual(["| aaaaaaa, bbbbbbb | 2 | **0.838 / 0.800** (1 of 2) |"], pooled)

    def test_a_run_under_a_named_collector_pools_apart_from_the_jvms_own_pick(self):
        plain = result("aaaaaaa1", "2026-01-01T10:00:00Z", [90], [100], 0.9, 0.9)
        default = self.load("p.json", dict(plain, gc_flag="none (the JVM's pick; environment.gc names it)"))
        serial = self.load("s.json", dict(plain, gc_flag="-XX:+UseSerialGC"))
        old = self.load("o.json", plain)
        versions = gemm_history.group([default, serial, old], lambda commit: "v1")
        self.assertEqual({("v1", "interleaved"): [default, old],
                          ("v1", "interleaved Java side: -XX:+UseSerialGC"): [serial]}, versions)

    def test_dirty_and_unknown_runs_pool_only_with_their_own_and_bad_files_say_what_is_wrong(self):
        clean = self.load("x.json", result("0000000", "2026-01-01T10:00:00Z", [1.0], [1.0], 1.0, 1.0))
        dirty = self.load("y.json", result("0000000-dirty", "2026-01-01T11:00:00Z", [1.0], [1.0], 1.0, 1.0))
        self.assertTrue(dirty["dirty"])
        self.assertEqual("0000000", dirty["commit"])
        versions = gemm_history.group([clean, dirty], lambda commit: "v")
        self.assertEqual([[clean], [dirty]], sorted(versions.values(), key=lambda g: g[0]["time"]))
        self.assertIn("| 0000000+ | 1 |", gemm_history.table([clean, dirty], versions))
        unknown = gemm_history.group([clean], lambda commit: None)
        self.assertEqual([[clean]], list(unknown.values()))
        bad = result("0000000", "2026-01-01T10:00:00Z", [1.0, 2.0], [1.0], 1.0, 1.0)
        with self.assertRaisesRegex(ValueError, "bad.json: 1024x1024x1024, 1 threads: 2 java samples against 1"):
            self.load("bad.json", bad)

    def test_the_committed_history_reads(self):
        # Every committed result file loads; with the history in git, the two runs at 2c23bda pool.
        folder = os.path.join(gemm_history.ROOT, "bench", "results")
        files = sorted(f for f in os.listdir(folder) if f.startswith("cpu-gemm-vs-numpy") and f.endswith(".json"))
        runs = [gemm_history.load(os.path.join(folder, f)) for f in files]
        self.assertGreaterEqual(len(runs), 2)
        at = [r for r in runs if r["commit"].startswith("2c23bda")]
        if not at or gemm_history.code_version(at[0]["commit"]) is None:
            self.skipTest("commit 2c23bda is not in this clone's history")
        versions = gemm_history.group(runs, gemm_history.code_version)
        self.assertIn(sorted(at, key=lambda r: r["time"]),
                      [sorted(g, key=lambda r: r["time"]) for g in versions.values()])


if __name__ == "__main__":
    unittest.main()
