"""Hostile input: random mutations of every bundled scenario and experiment file, of Genius and GeniusWeb folders,
observations and priors files, nesting, huge numbers and huge sizes, through the command line.

The first two tests take a bundled file, apply one to three mutations (delete a key or an element, change a
value's type, scale a number by orders of magnitude, write NaN, infinities, huge or negative numbers, unicode
text, add an unknown key), write the file and run ``bargaining run|show`` or ``bargaining sweep --quick`` on it,
in this process. The tests after them generate one class of input each (the classes of issue 24's fuzz): Genius
XML and GeniusWeb JSON folders, observations and priors files (through ``calibrate``, its inference replaced by
a stand-in once the files are read), nesting depth (``--set`` values and every kind of file), huge numbers and
huge sizes (levels, issues x countries, ``--points``, ``--population``, ...). Whatever the input, the command
exits 0 or 2: with 2, one line ``error: ...`` on stderr naming what was wrong and nothing on stdout; with 0, no
NaN or infinity in the JSON it prints or in the runs it stores. A traceback fails the test, and so does a case
that takes more than ``CASE_CPU_SECONDS`` of CPU time (a hang, whatever the machine's load); nothing is left
half-written in an output folder.

Bounded for ``make test``: a fixed number of examples, derandomized (the same examples every time), no deadline;
the experiments are shrunk to one replication of two levels per parameter (``[quick]``) and at most 64 runs.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import math
import shutil
import signal
import tomllib
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import tomli_w
from hypothesis import HealthCheck, Phase, event, given, settings
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

SETTINGS = dict(deadline=None, derandomize=True, database=None, phases=[p for p in Phase if p != Phase.explain],
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


#: CPU seconds a case may take before it counts as a hang (the largest inputs the limits let through take a few).
CASE_CPU_SECONDS = 30


class Hang(BaseException):
    """A case ran past ``CASE_CPU_SECONDS`` (a BaseException, so that no ``except Exception`` swallows it)."""


@contextlib.contextmanager
def cpu_bound(seconds: float = CASE_CPU_SECONDS):
    """Raise :class:`Hang` once the process has used ``seconds`` of CPU time (SIGPROF: CPU time, not wall time,
    so a loaded machine does not fail a case that merely waits for a core)."""
    def alarm(signum, frame):
        raise Hang(f"no answer within {seconds} s of CPU time")

    previous = signal.signal(signal.SIGPROF, alarm)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def cli(*argv) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), cpu_bound():
        code = main(list(map(str, argv)))
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


# ------------------------------------------------------------------------------------------ classes of input
# Each test below generates one class of input and holds every command that reads it to check_exit (one line and
# exit 2, or a result), within CASE_CPU_SECONDS.

DATA = ROOT / "tests" / "data"
GENIUS = {p.name: p.read_text() for p in sorted((DATA / "genius" / "harbour").glob("*.xml"))}
GENIUSWEB = {p.name: json.loads(p.read_text()) for p in sorted((DATA / "geniusweb" / "allotment").glob("*.json"))}
BUNDLED = resources.files("bargaining.scenarios")
OBSERVATIONS = tomllib.loads((BUNDLED / "observations-2017.toml").read_text())
PRIORS = tomllib.loads((BUNDLED / "priors-2017.toml").read_text())

#: Numbers as a file writes them: past the largest float, past Python's 4,300 digits, subnormal, special.
HUGE = st.sampled_from([10**19, -(10**19), 10**308, 10**400, -(10**400), 10**5000, 2**64, 1e308, -1e308, 5e-324])
NUMBER_TEXT = st.one_of(
    st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e-400", "1e19", "1" + "0" * 19,
                     "1" + "0" * 400, "1" + "0" * 5000, "-1", "0", "-0", "0.5", "2", "1e308", "", "three", "0x10"]),
    HUGE.map(lambda n: _text(n)), st.floats().map(repr), st.integers(-(10**30), 10**30).map(str))


def _text(n) -> str:
    """A number as a file writes it, however many digits (str refuses integers past 4,300)."""
    return "1" + "0" * 5000 if isinstance(n, int) and n.bit_length() > 10_000 else str(n)


def check_folder(out: Path, code: int) -> None:
    """Nothing half-written: no temporary files; after exit 2, no files at all."""
    files = [p for p in out.rglob("*") if p.is_file()] if out.exists() else []
    assert not [p for p in files if p.suffix == ".tmp"], files
    if code == 2:
        assert not files, files


def _write_genius(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


@st.composite
def genius_folders(draw) -> dict[str, str]:
    """The harbour folder with one to three mutations of its XML: an attribute set to any number text, an
    element deleted or repeated, elements nested deep."""
    files, nests = dict(GENIUS), {}
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(files)))
        root = ET.fromstring(files[name])
        parents = {child: parent for parent in root.iter() for child in parent}
        element = draw(st.sampled_from(list(root.iter())))
        kind = draw(st.sampled_from(["attribute", "attribute", "attribute", "delete", "repeat", "nest"]))
        if kind == "attribute":
            element.set(draw(st.sampled_from(sorted(element.attrib) or ["value"])), draw(NUMBER_TEXT))
        elif kind in ("delete", "repeat") and element in parents:
            if kind == "delete":
                parents[element].remove(element)
            else:
                parents[element].append(copy.deepcopy(element))
        elif kind == "nest":
            nests[name] = draw(st.sampled_from([2, 40, 1000, 100_000]))
        files[name] = ET.tostring(root, encoding="unicode")
    for name, depth in nests.items():  # ElementTree writes recursively: nest in the text, last
        cut = files[name].index(">") + 1
        files[name] = files[name][:cut] + "<objective>" * depth + "</objective>" * depth + files[name][cut:]
    return files


@settings(max_examples=350, **SETTINGS)
@given(files=genius_folders(), command=st.sampled_from(["show", "show --json", "run", "export"]))
def test_any_mutated_genius_folder_gives_a_result_or_one_line(tmp_path_factory, files, command):
    folder = _write_genius(tmp_path_factory.mktemp("genius") / "harbour", files)
    out = folder.parent / "out"
    argv = ["export", folder, "--format", "geniusweb", "--out", out] if command == "export" else \
        [*command.split(), folder]
    code, stdout, err = cli(*argv)
    event(f"exit {code}")
    check_exit(code, stdout, err)
    check_folder(out, code)


@settings(max_examples=350, **SETTINGS)
@given(case=mutated({"docs": GENIUSWEB}), huge=st.one_of(st.none(), HUGE), data=st.data(),
       command=st.sampled_from(["show", "run", "export"]))
def test_any_mutated_geniusweb_folder_gives_a_result_or_one_line(tmp_path_factory, case, huge, data, command):
    _, docs, _ = case
    numbers = [p for p in _paths(docs) if type(_get(docs, p)) in (int, float)]
    if huge is not None and numbers:  # a number past the largest float or past 4,300 digits at a numeric place
        *parent, key = data.draw(st.sampled_from(numbers))
        _get(docs, parent)[key] = huge
    folder = tmp_path_factory.mktemp("geniusweb") / "allotment"
    folder.mkdir()
    for name, doc in docs.items():
        if isinstance(doc, dict):
            (folder / name).write_text(_dumps(doc))
    out = folder.parent / "out"
    argv = ["export", folder, "--format", "toml", "--out", out] if command == "export" else [command, folder]
    code, stdout, err = cli(*argv)
    event(f"exit {code}")
    check_exit(code, stdout, err)
    check_folder(out, code)


def _get(node, path):
    for part in path:
        node = node[part]
    return node


def _dumps(doc) -> str:
    """JSON with any Python int, however many digits (json.dumps refuses past 4,300)."""
    if isinstance(doc, int) and not isinstance(doc, bool):
        return _text(doc)
    if isinstance(doc, dict):
        return "{" + ", ".join(f"{json.dumps(str(k))}: {_dumps(v)}" for k, v in doc.items()) + "}"
    if isinstance(doc, list):
        return "[" + ", ".join(_dumps(v) for v in doc) + "]"
    return json.dumps(doc)


@pytest.fixture
def no_inference(monkeypatch):
    """``calibrate`` reads and checks its files, then a stand-in writes the summary instead of the inference (which
    tests/test_calibration.py runs)."""
    from bargaining.calibration import abc

    def stand_in(problem, out, settings, **options):
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.md").write_text(f"{len(problem.observations.used)} facts, {len(problem.priors.names)} "
                                        "parameters\n")
        return out

    monkeypatch.setattr(abc, "calibrate", stand_in)


def _toml(raw: dict) -> str:
    try:
        return tomli_w.dumps(raw)
    except (TypeError, ValueError):  # a NaN in an array of tables, a None: not TOML, the reader's own message
        return "this is = not TOML ["


@settings(max_examples=250, **SETTINGS)
@given(case=mutated({"observations-2017.toml": OBSERVATIONS, "priors-2017.toml": PRIORS}))
def test_any_mutated_observations_or_priors_file_gives_a_result_or_one_line(tmp_path_factory, no_inference, case):
    name, raw, _ = case
    folder = tmp_path_factory.mktemp("calibration")
    for other, doc in (("observations-2017.toml", OBSERVATIONS), ("priors-2017.toml", PRIORS)):
        (folder / other).write_text(_toml(raw if other == name else doc))
    out = folder / "out"
    code, stdout, err = cli("calibrate", "nafta-2017", folder / "observations-2017.toml", "--priors",
                            folder / "priors-2017.toml", "--out", out, "--no-progress", "--workers", 1)
    event(f"exit {code}")
    check_exit(code, stdout, err)
    check_folder(out, code)


def test_an_infinite_or_huge_fact_weight_is_one_line(tmp_path, no_inference):
    """Issue 24: a weight of inf ended in an IndexError inside the inference."""
    for weight in ("inf", "nan", "1e300"):
        raw = OBSERVATIONS["facts"][0] | {"weight": 0}
        text = _toml({**OBSERVATIONS, "facts": [raw]}).replace("weight = 0", f"weight = {weight}")
        (tmp_path / "obs.toml").write_text(text)
        shutil.copy(BUNDLED / "priors-2017.toml", tmp_path / "priors-2017.toml")
        code, out, err = cli("calibrate", "nafta-2017", tmp_path / "obs.toml", "--out", tmp_path / "out")
        check_exit(code, out, err)
        assert code == 2 and "facts[0]" in err and "weight" in err, err


def _nested(depth: int, table: bool) -> str:
    return ("{ a = " * depth + "1" + " }" * depth) if table else ("[" * depth + "1" + "]" * depth)


@settings(max_examples=500, **SETTINGS)
@given(depth=st.one_of(st.integers(1, 40), st.sampled_from([100, 330, 1000, 10_000, 100_000])), table=st.booleans(),
       where=st.sampled_from(["set", "scenario", "experiment", "observations", "priors", "geniusweb"]),
       key=st.sampled_from(["description", "name", "issues", "x", "countries.A", "protocol.deadline_round"]))
def test_any_nesting_depth_gives_a_result_or_one_line(tmp_path_factory, no_inference, depth, table, where, key):
    """Tables and arrays nested up to 100,000 deep, in a --set value and in every kind of file (issue 24: a
    RecursionError)."""
    folder = tmp_path_factory.mktemp("nested")
    value = _nested(depth, table)
    if where == "set":
        argv = ["show", "pie-split", "--set", f"{key}={value}"]
    elif where == "geniusweb":
        shutil.copytree(DATA / "geniusweb" / "allotment", folder / "gw")
        doc = json.dumps(GENIUSWEB["council.json"])
        nested = ('{"a": ' * depth + "1" + "}" * depth) if table else ("[" * depth + "1" + "]" * depth)
        (folder / "gw" / "council.json").write_text(doc.replace('"reservationBid": null',
                                                                f'"reservationBid": {nested}'))
        argv = ["show", folder / "gw"]
    else:
        source = {"scenario": BUNDLED / "pie-split.toml",
                  "experiment": ROOT / "experiments" / "threat_credibility.toml",
                  "observations": BUNDLED / "observations-2017.toml", "priors": BUNDLED / "priors-2017.toml"}[where]
        text = f"{key.split('.')[0]} = {value}\n" + source.read_text()  # a top-level key, before any table
        path = folder / f"{where}.toml"
        path.write_text(text)
        shutil.copy(BUNDLED / "priors-2017.toml", folder / "priors-2017.toml")
        argv = {"scenario": ["show", path],
                "experiment": ["sweep", path, "--quick", "--workers", 1, "--no-progress", "--out", folder / "out"],
                "observations": ["calibrate", "nafta-2017", path, "--out", folder / "out"],
                "priors": ["calibrate", "nafta-2017", "observations-2017", "--priors", path, "--out", folder / "out"],
                }[where]
    code, out, err = cli(*argv)
    event(f"exit {code}")
    check_exit(code, out, err)
    if depth > 32:
        assert code == 2 and "nest" in err, err
    check_folder(folder / "out", code)


def _dotted(raw: dict) -> list[str]:
    """Dotted paths of the numbers of a scenario (an override may set each)."""
    return [".".join(map(str, p)) for p in _paths(raw) if all(isinstance(k, str) for k in p)
            and isinstance(_get(raw, p), int | float) and not isinstance(_get(raw, p), bool)]


@settings(max_examples=200, **SETTINGS)
@given(name=st.sampled_from(sorted(n for n, raw in SCENARIOS.items() if "countries" in raw)), data=st.data(),
       number=NUMBER_TEXT,
       command=st.sampled_from(["show", "run", "export"]))
def test_any_huge_number_anywhere_gives_a_result_or_one_line(tmp_path_factory, name, data, number, command):
    """Numbers past the largest float or past 4,300 digits, special and subnormal numbers, at any numeric path of
    a bundled scenario (issue 24: an OverflowError)."""
    path = data.draw(st.sampled_from(_dotted(SCENARIOS[name])))
    out = tmp_path_factory.mktemp("export") / "out"
    argv = {"show": ["show", name.removesuffix(".toml")], "run": ["run", name.removesuffix(".toml"), "--json"],
            "export": ["export", name.removesuffix(".toml"), "--format", "genius", "--out", out]}[command]
    code, stdout, err = cli(*argv, "--set", f"{path}={number}")
    event(f"exit {code}")
    check_exit(code, stdout, err)
    check_folder(out, code)


def _wide(continuous: int, countries: int, levels: int) -> str:
    """A scenario of ``continuous`` issues and an ordinal issue of ``levels`` levels, ``countries`` countries."""
    lines = ['name = "wide"', "[protocol]", "deadline_round = 4", 'no_deal = "termination"']
    names = [f"c{k}" for k in range(continuous)] + ["o"]
    for k in range(continuous):
        lines += [f"[issues.c{k}]", 'kind = "continuous"', "bounds = [0, 1]"]
    lines += ["[issues.o]", 'kind = "ordinal"', "levels = [" + ", ".join(f'"{v}"' for v in range(levels)) + "]"]
    for n in range(countries):
        ideal = [f"c{k} = {(n * 7 + k * 3) % 10 / 10}" for k in range(continuous)] + [f'o = "{n * 5 % levels}"']
        lines += [f"[countries.P{n}]", "reservation_value = 0.2", "ideal = { " + ", ".join(ideal) + " }",
                  "weights = { " + ", ".join(f"{i} = {1 / len(names)!r}" for i in names) + " }"]
    return "\n".join(lines) + "\n"


SIZES = st.sampled_from([2, 3, 10, 50, 150, 151, 1000, 2000, 2001, 10**5, 10**6, 10**9, 10**19])


@settings(max_examples=120, **SETTINGS)
@given(kind=st.sampled_from(["genius", "geniusweb", "ordinal", "wide", "points", "population", "generations",
                             "workers", "replications"]), size=SIZES, countries=st.sampled_from([2, 3, 10]),
       command=st.sampled_from(["show", "run --json"]))
def test_any_huge_size_gives_a_result_or_one_line(tmp_path_factory, no_inference, kind, size, countries, command):
    """Issues with up to 10^19 levels (Genius integer issues, GeniusWeb number ranges, TOML levels), continuous
    issues x countries past the exact search's limit, ``export --points``, ``calibrate --population``,
    ``--generations``, ``--workers``, ``forecast --replications`` (issue 24: hangs)."""
    tmp_path = tmp_path_factory.mktemp("size")
    out = tmp_path / "out"
    if kind == "genius":
        folder = _write_genius(tmp_path / "harbour", {n: t.replace('upperbound="4"', f'upperbound="{size - 1}"')
                                                      for n, t in GENIUS.items()})
        argv = [*command.split(), folder]
    elif kind == "geniusweb":
        folder = tmp_path / "allotment"
        shutil.copytree(DATA / "geniusweb" / "allotment", folder)
        domain = folder / "allotment.json"
        domain.write_text(domain.read_text().replace('"high": 40', f'"high": {20 + 5 * (size - 1)}'))
        argv = [*command.split(), folder]
    elif kind in ("ordinal", "wide"):
        if kind == "ordinal" and size > 10**5:
            return  # a file of 10^9 levels is a file size (MAX_FILE_BYTES), not a size of the space
        path = tmp_path / "wide.toml"
        path.write_text(_wide(min(size, 10**4) if kind == "wide" else 1, countries, size if kind == "ordinal" else 3))
        argv = [*command.split(), path]
    elif kind == "points":
        argv = ["export", "nafta-2017", "--format", "genius", "--points", size, "--out", out]
    elif kind == "replications":
        argv = ["forecast", tmp_path, "--replications", size]
    else:
        argv = ["calibrate", "nafta-2017", "observations-2017", "--out", out, f"--{kind}", size]
    code, stdout, err = cli(*argv)
    event(f"{kind} exit {code}")
    check_exit(code, stdout, err)
    check_folder(out, code)


def test_a_file_past_the_size_limit_is_one_line(tmp_path):
    from bargaining.scenario.limits import MAX_FILE_BYTES

    path = tmp_path / "big.toml"
    path.write_text((BUNDLED / "pie-split.toml").read_text() + "\n" + "#" * MAX_FILE_BYTES + "\n")
    code, out, err = cli("show", path)
    check_exit(code, out, err)
    assert code == 2 and "file size" in err, err


def test_an_empty_list_of_report_metrics_is_one_line(tmp_path):
    """Issue 24: ``[report] metrics = []`` ended in a ZeroDivisionError when the figures were drawn."""
    raw = copy.deepcopy(EXPERIMENTS["threat_credibility.toml"])
    raw.setdefault("report", {})["metrics"] = []
    (tmp_path / "e.toml").write_text(tomli_w.dumps(raw))
    code, out, err = cli("sweep", tmp_path / "e.toml", "--quick", "--workers", 1, "--no-progress", "--out",
                         tmp_path / "out")
    check_exit(code, out, err)
    assert code == 2 and "report.metrics" in err, err
    check_folder(tmp_path / "out", code)


def _issue_24_case(kind: str, folder: Path) -> list:
    """The inputs of issue 24's fuzz that gave a traceback or a hang, one of each class."""
    if kind == "nested --set":
        return ["show", "pie-split", "--set", "x=" + _nested(2000, False)]
    if kind == "geniusweb 10^19":
        shutil.copytree(DATA / "geniusweb" / "allotment", folder / "gw")
        council = folder / "gw" / "council.json"
        council.write_text(council.read_text().replace('"plot": 0.25', '"plot": 1' + "0" * 400))
        return ["show", folder / "gw"]
    if kind == "genius 10^6 levels":
        return ["show", _write_genius(folder / "g", {n: t.replace('upperbound="4"', 'upperbound="999999"')
                                                     for n, t in GENIUS.items()})]
    if kind == "export --points 10^6":
        return ["export", "nafta-2017", "--format", "genius", "--points", 10**6, "--out", folder / "out"]
    if kind == "show 200 x 3":
        (folder / "wide.toml").write_text(_wide(200, 3, 3))
        return ["show", folder / "wide.toml"]
    return ["calibrate", "nafta-2017", "observations-2017", "--population", 10**9, "--out", folder / "out"]


@pytest.mark.parametrize(("kind", "limit"), [
    ("nested --set", "nested at most 32 deep"), ("geniusweb 10^19", "expected a finite number"),
    ("genius 10^6 levels", "at most 2,000 levels"), ("export --points 10^6", "2 to 1,000 points"),
    ("show 200 x 3", "at most 150 continuous issues x countries, found 200 x 3"),
    ("calibrate --population 10^9", "--population: expected a number in 1..100,000")])
def test_the_inputs_of_issue_24_are_one_line_naming_the_limit(tmp_path, kind, limit):
    code, out, err = cli(*_issue_24_case(kind, tmp_path))
    check_exit(code, out, err)
    assert code == 2 and limit in err, err
    check_folder(tmp_path / "out", code)
