"""One seed, one result on any machine: the golden ``show`` and ``run`` outputs do not depend on the BLAS kernels
OpenBLAS picks for the CPU, nor on its thread count.

Each configuration runs a sample of the golden cases (``generate.py --every``: both ``show``s, every 40th run) in
a fresh process, with ``OPENBLAS_CORETYPE`` set to one of the kernels this CPU can execute (read from the flags
in /proc/cpuinfo; kernels it lacks are skipped, and a process that dies of an illegal instruction only skips its
kernel) and 1 or 2 BLAS threads. Every output must equal the default's with one thread byte for byte, and the
matching cases of ``tests/golden/runs.txt``. Before the Nash polish and the distances stopped using BLAS, the
Sandybridge, Nehalem and Prescott kernels each printed a different Nash package for nafta-2017.
"""

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
EVERY = 40
# OpenBLAS kernel -> the CPU flags it needs (x86_64)
KERNELS = {"Prescott": {"pni"}, "Nehalem": {"ssse3", "sse4_2"}, "Sandybridge": {"avx"},
           "Haswell": {"avx2", "fma"}, "Zen": {"avx2", "fma"},
           "SkylakeX": {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"}}
THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    found = re.search(r"^flags\s*:(.*)$", text, re.MULTILINE)
    return set(found.group(1).split()) if found else set()


def sample(kernel: str | None, threads: int) -> str | None:
    """The sample's output under a kernel and thread count; None when the CPU cannot run the kernel."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    env.update({name: str(threads) for name in THREADS})
    if kernel is not None:
        env["OPENBLAS_CORETYPE"] = kernel
    done = subprocess.run([sys.executable, str(GOLDEN / "generate.py"), "--every", str(EVERY)], env=env,
                          capture_output=True, text=True)
    if done.returncode == -signal.SIGILL:
        return None
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def blocks(text: str) -> dict[str, str]:
    """'## label' -> the output under it."""
    parts = re.split(r"^(## .*)$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.fixture(scope="module")
def reference() -> str:
    return sample(None, 1)


def test_the_sample_matches_the_golden_file(reference):
    golden, got = blocks((GOLDEN / "runs.txt").read_text()), blocks(reference)
    assert len(got) > 20
    for label, text in got.items():
        assert text == golden[label], label


@pytest.mark.parametrize(("kernel", "threads"), [(None, 2)] + [(k, t) for k in KERNELS for t in (1, 2)])
def test_outputs_do_not_depend_on_blas_kernel_or_threads(reference, kernel, threads):
    if kernel is not None and not KERNELS[kernel] <= cpu_flags():
        pytest.skip(f"this CPU cannot run OpenBLAS's {kernel} kernels")
    out = sample(kernel, threads)
    if out is None:
        pytest.skip(f"OpenBLAS's {kernel} kernels died of an illegal instruction here")
    got, want = blocks(out), blocks(reference)
    assert list(got) == list(want)
    for label in want:
        assert got[label] == want[label], f"{label} differs with OPENBLAS_CORETYPE={kernel}, {threads} threads"
