#!/usr/bin/env python3
"""Tests of gemm_history.py on hand-made result files: python3 bench/test_gemm_history.py"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gemm_history  # noqa: E402


def result(commit, time, java, numpy, shape="1024x1024x1024", threads=1):
    return {"git_commit": commit, "timestamp": time, "goal_ratio": 0.85,
            "results": [{"shape": shape, "threads": threads, "java_samples": java, "numpy_samples": numpy}]}


class GemmHistoryTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, data):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            json.dump(data, f)
        return path

    def test_each_run_and_the_pool_of_runs_with_the_same_code(self):
        # Run a: java 80, 90, 100 against numpy 100 each: ratio of medians 0.9, per-round 0.9 -> met.
        a = gemm_history.load(self.write("a.json", result("aaaaaaa1", "2026-01-01T10:00:00Z",
                                                          [80, 90, 100], [100, 100, 100])))
        # Run b (same code, dirty): java 60, 70, 80 against numpy 100, 80, 100: ratio of medians 0.7,
        # per-round ratios 0.6, 0.875, 0.8 (median 0.8) -> missed.
        b = gemm_history.load(self.write("b.json", result("bbbbbbb2-dirty", "2026-01-01T11:00:00Z",
                                                          [60, 70, 80], [100, 80, 100])))
        # Run c: other code, a quiet window: 0.95 / 0.95.
        c = gemm_history.load(self.write("c.json", result("ccccccc3", "2026-01-01T09:00:00Z",
                                                          [95, 95, 95], [100, 100, 100])))
        self.assertTrue(b["dirty"])
        self.assertEqual("bbbbbbb2", b["commit"])
        self.assertAlmostEqual(0.875, b["cases"][("1024x1024x1024", 1)]["paired"][1])
        code = {"aaaaaaa1": "v1", "bbbbbbb2": "v1", "ccccccc3": "v2"}
        versions = gemm_history.group([a, b, c], lambda commit: code[commit])
        self.assertEqual({"v1": [a, b], "v2": [c]}, versions)
        lines = gemm_history.table([a, b, c], versions).splitlines()
        rows = [l for l in lines if l.startswith("| ") and "json" in l]
        self.assertEqual(["c.json", "a.json", "b.json"], [r.split()[1] for r in rows], "runs by time")
        self.assertIn("| 0.900 / 0.900 (100) |", rows[1])
        self.assertIn("| **0.700 / 0.800** (100) |", rows[2])
        self.assertIn("| bbbbbbb+ |", rows[2])
        pooled = [l for l in lines if l.startswith("| aaaaaaa")]
        # Pooled v1: java 60..100 (median 80), numpy 80..100 (median 100): 0.8; per-round ratios
        # 0.6, 0.8, 0.8, 0.875, 0.9, 1.0: median 0.8375. One run of two met the goal.
        self.assertEqual(["| aaaaaaa, bbbbbbb+ | 2 | **0.800 / 0.838** (1 of 2) |"], pooled)

    def test_unknown_commits_are_their_own_version_and_bad_files_say_what_is_wrong(self):
        r = gemm_history.load(self.write("x.json", result("0000000", "2026-01-01T10:00:00Z", [1.0], [1.0])))
        self.assertEqual({("unknown", "0000000"): [r]}, gemm_history.group([r], lambda commit: None))
        bad = self.write("bad.json", result("0000000", "2026-01-01T10:00:00Z", [1.0, 2.0], [1.0]))
        with self.assertRaisesRegex(ValueError, "bad.json: 1024x1024x1024, 1 threads: 2 java samples against 1"):
            gemm_history.load(bad)

    def test_the_committed_history_reads(self):
        # Every committed result file loads, and this repository's git groups the two runs at 2c23bda.
        files = sorted(f for f in os.listdir(os.path.join(gemm_history.ROOT, "bench", "results"))
                       if f.startswith("cpu-gemm-vs-numpy") and f.endswith(".json"))
        runs = [gemm_history.load(os.path.join(gemm_history.ROOT, "bench", "results", f)) for f in files]
        self.assertGreaterEqual(len(runs), 2)
        at = [r for r in runs if r["commit"].startswith("2c23bda")]
        if at and gemm_history.code_version(at[0]["commit"]) is not None:
            versions = gemm_history.group(runs, gemm_history.code_version)
            self.assertTrue(any(len([r for r in g if r["commit"].startswith("2c23bda")]) == 2
                                for g in versions.values()))


if __name__ == "__main__":
    unittest.main()
