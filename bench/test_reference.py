#!/usr/bin/env python3
"""Tests of the reference scripts' options (plain python3, no numpy needed): python3 bench/test_reference.py"""
import os
import re
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
import numpy_gemm  # noqa: E402


def jmh_shapes():
    """The @Param list right above GemmBenchmark's `public String shape;`."""
    with open(os.path.join(HERE, "java", "dev", "adjoint", "bench", "jmh", "GemmBenchmark.java")) as f:
        src = f.read()
    m = re.search(r'@Param\(\{([^}]*)\}\)\s*public String shape;', src)
    assert m, "GemmBenchmark has no @Param list before `public String shape;`"
    return re.findall(r'"([^"]+)"', m.group(1))


class NumpyGemmDefaults(unittest.TestCase):
    def test_default_shapes_are_the_jmh_benchmarks(self):
        a = numpy_gemm.parse_args([])
        self.assertEqual(["%dx%dx%d" % s for s in a.shapes], jmh_shapes())

    def test_explicit_shapes_replace_the_defaults(self):
        a = numpy_gemm.parse_args(["--shape", "128x784x256", "--size", "7"])
        self.assertEqual(a.shapes, [(128, 784, 256), (7, 7, 7)])

    def test_a_malformed_shape_is_refused(self):
        with self.assertRaises(SystemExit):
            numpy_gemm.parse_args(["--shape", "128x784"])


class PeerDevice(unittest.TestCase):
    """peer.py computes where the Adjoint device does: never numpy on a GPU, never a silent CPU run for cuda."""

    def run_peer(self, *args):
        import subprocess
        return subprocess.run([sys.executable, os.path.join(HERE, "reference", "peer.py"), *args], input="",
                              capture_output=True, text=True, timeout=60)

    def test_numpy_on_cuda_is_unavailable_with_the_reason(self):
        out = self.run_peer("numpy", "--device", "cuda")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn('"ready": false', out.stdout)
        self.assertIn("numpy computes on the CPU only", out.stdout)

    @unittest.skipUnless(__import__("importlib").util.find_spec("numpy"), "numpy is not installed")
    def test_numpy_refuses_a_16_bit_training_step_with_the_reason(self):
        case = '{"kind": "train", "sizes": [4, 3], "batch": 2, "precision": "bf16", "warmup": 0, "sample": 0, ' \
               '"repeat": 1, "min_samples": 1, "timed": 1}\n'
        import subprocess
        out = subprocess.run([sys.executable, os.path.join(HERE, "reference", "peer.py"), "numpy"], input=case,
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        answer = out.stdout.strip().splitlines()[-1]
        self.assertIn('"error"', answer)
        self.assertIn("numpy computes in fp32 only, not bf16", answer)

    def test_a_bad_device_or_runtime_is_a_usage_error(self):
        for args in (("torch", "--device", "tpu"), ("jax",), ("numpy", "--device")):
            out = self.run_peer(*args)
            self.assertEqual(out.returncode, 2, args)
            self.assertIn("usage: peer.py numpy|torch [--device cpu|cuda]", out.stderr)


if __name__ == "__main__":
    unittest.main()
