"""Hostile input: random mutations of every bundled scenario and experiment file, through the command line.

Each example takes a bundled file, applies one to three mutations (delete a key or an element, change a value's
type, scale a number by orders of magnitude, write NaN, infinities, huge or negative numbers, unicode text, add
an unknown key), writes the file and runs ``bargaining run|show`` or ``bargaining sweep --quick`` on it, in this
process. Whatever the mutation, the command exits 0 or 2: with 2, one line ``error: ...`` on stderr and nothing
on stdout; with 0, no NaN or infinity in the JSON it prints or in the runs it stores. A traceback fails the test.

Bounded for ``make test``: a fixed number of examples, derandomized (the same examples every time), no deadline;
the experiments are shrunk to one replication of two levels per parameter (``[quick]``) and at most 64 runs.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bargaining.cli import main
from bargaining.experiment import designs
from bargaining.experiment.store import read_runs

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {p.name: tomllib.loads(p.read_text()) for p in sorted(resources.files("bargaining.scenarios").iterdir())
             if p.name.endswith(".toml")}
EXPERIMENTS = {p.name: tomllib.loads(p.read_text()) for p in sorted((ROOT / "experiments").glob("*.toml"))}
for raw in EXPERIMENTS.values():  # the quick version, smaller still: seconds per sweep
    raw["quick"] = {"replications": 1, "steps": 2, **({"samples": 4} if raw.get("design") in ("lhs", "sobol") else {})}

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])

#: Values a mutation writes: special numbers, random numbers of any size and sign, booleans, unicode text,
#: arrays and tables.
VALUES = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 0, -1, 1e300, -1e300, 1e-300, 10**30, -(10**30), 2**63, True,
                     False, "", "nan", "inf", "none", "ünïcødé ✓", "nafta-2017", "linear", "../..", "\u0000"]),
    st.floats(),
    st.integers(-(10**20), 10**20),
    st.text(max_size=6),
    st.lists(st.one_of(st.integers(-5, 100), st.floats(-1, 2), st.text(max_size=3)), max_size=3),
    st.dictionaries(st.text(max_size=4), st.one_of(st.integers(-5, 5), st.text(max_size=3)), max_size=2),
)


def _paths(node, prefix=()):
    """Every key path of a parsed TOML document (tables, arrays and their elements)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


@st.composite
def mutated(draw, documents: dict[str, dict]) -> tuple[str, dict, list]:
    """A document with one to three random mutations, its name, and the mutations (for the failure report)."""
    name = draw(st.sampled_from(sorted(documents)))
    raw, done = copy.deepcopy(documents[name]), []
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(raw))
        if not paths:
            break
        *parent_path, key = draw(st.sampled_from(paths))
        parent = raw
        for part in parent_path:
            parent = parent[part]
        kind = draw(st.sampled_from(["delete", "replace", "replace", "scale", "add"]))
        old = parent[key]
        if kind == "delete":
            del parent[key]
        elif kind == "scale" and isinstance(old, int | float) and not isinstance(old, bool):
            factor = draw(st.sampled_from([-1, 0, 1e-9, 1e-3, 10, 1000, 1e6, 1e300]))
            parent[key] = type(old)(old * factor) if math.isfinite(old * factor) else old * factor
        elif kind == "add" and isinstance(old, dict):
            old[draw(st.text(min_size=1, max_size=6))] = draw(VALUES)
        else:
            parent[key] = draw(VALUES)
        done.append((kind, ".".join(map(str, (*parent_path, key))), parent.get(key) if isinstance(parent, dict)
                     else None))
    return name, raw, done


def cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _no_nan(constant: str):
    raise AssertionError(f"{constant} in the output")


def check_exit(code: int, out: str, err: str) -> None:
    """Exit 0, or exit 2 with one line on stderr and nothing on stdout."""
    assert code in (0, 2), err
    assert "Traceback" not in err, err
    if code == 2:
        assert out == "" and err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err


@settings(max_examples=300, **SETTINGS)
@given(case=mutated(SCENARIOS), command=st.sampled_from(["run", "show"]), json_out=st.booleans(),
       seed=st.integers(0, 2**64))
def test_any_mutated_scenario_runs_or_gives_one_line(tmp_path, case, command, json_out, seed):
    name, raw, mutations = case
    path = tmp_path / name
    path.write_text(tomli_w.dumps(raw))
    argv = [command, str(path), *(["--json"] if json_out else []), *(["--seed", str(seed)] if command == "run" else [])]
    code, out, err = cli(*argv)
    event(f"exit {code}")  # pytest --hypothesis-show-statistics shows how many examples ran
    check_exit(code, out, err)
    if code == 0:
        assert err == "", err  # no warning (a NaN on the way shows as a RuntimeWarning)
        if json_out:
            json.loads(out, parse_constant=_no_nan)


@pytest.fixture
def small_sweeps(monkeypatch):
    monkeypatch.setattr(designs, "MAX_RUNS", 64)


@settings(max_examples=60, **SETTINGS)
@given(case=mutated(EXPERIMENTS))
def test_any_mutated_experiment_sweeps_or_gives_one_line(tmp_path_factory, small_sweeps, case):
    name, raw, mutations = case
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / name
    path.write_text(tomli_w.dumps(raw))
    code, out, err = cli("sweep", str(path), "--quick", "--workers", "1", "--no-progress", "--out", str(folder / "out"))
    event(f"exit {code}")
    check_exit(code, out, err)
    if code == 0:
        runs = read_runs(folder / "out")
        ran = runs[runs["error"].isna()]
        numbers = ran[[c for c in ran if c.split(".")[0] in ("utility", "walk_away")]].to_numpy(dtype=float)
        assert np.isfinite(numbers).all()
    elif any((folder / "out" / "runs").glob("*.parquet")):  # then only the report failed, after a whole sweep
        assert json.loads((folder / "out" / "experiment.json").read_text())["complete"], err
