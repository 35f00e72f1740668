"""Seeded results do not change by accident: every golden case gives byte-identical output.

A change meant to alter results regenerates ``tests/golden/runs.txt`` (see ``tests/golden/generate.py``) in a
commit that says why. The file was written with one BLAS thread; the test runs with four, so it also holds the
results to not depending on the BLAS thread count (``tests/test_reproducible.py`` holds a sample to the same
under several BLAS kernels).
"""

import os
import subprocess
import sys
from pathlib import Path

GOLDEN = Path(__file__).parent / "golden"
FOUR_THREADS = {name: "4" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def test_golden_outputs_are_byte_identical():
    out = subprocess.run([sys.executable, str(GOLDEN / "generate.py")], capture_output=True, text=True,
                         env={**os.environ, **FOUR_THREADS}, check=True).stdout
    expected = (GOLDEN / "runs.txt").read_text()
    if out != expected:
        got, want = out.splitlines(), expected.splitlines()
        first = next((n for n, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
        case = next((line for line in reversed(want[:first + 1]) if line.startswith("## ")), "?")
        raise AssertionError(f"golden output differs from line {first + 1} ({case}): "
                             f"expected {want[first:first + 1]}, found {got[first:first + 1]}")
