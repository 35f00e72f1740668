"""The code style ruff holds (``[tool.ruff]`` in pyproject.toml): part of ``make test``, so that CI holds every
change to it (``make lint`` runs the same check alone)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ["bargaining", "tests", "benchmarks", "experiments", "tools"]  # as ``make lint``


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *CHECKED], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
