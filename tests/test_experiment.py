"""Experiments: spec validation, designs and seeds, executors, the Parquet store and resume, reports,
Sobol (Ishigami) and PRIM plumbing, and every bundled experiment's --quick run."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bargaining.cli import main
from bargaining.experiment.designs import Design, run_seed, run_seeds
from bargaining.experiment.discovery import prim_boxes
from bargaining.experiment.report import write_report
from bargaining.experiment.runs import DISTANCES, Layout
from bargaining.experiment.sensitivity import sobol_indices
from bargaining.experiment.spec import ExperimentError, ParameterSpec, from_dict, load_experiment
from bargaining.experiment.store import read_runs
from bargaining.experiment.sweep import MAX_TASK, sweep, task_size, tasks
from bargaining.experiment.tables import Z, wilson

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))


def small(**changes) -> dict:
    """A small grid over nafta-2017 with both deals and withdrawals."""
    raw = {
        "name": "small",
        "scenario": "nafta-2017",
        "replications": 3,
        "seed": 11,
        "parameters": {
            "US.termination_value": {"levels": [0.1, 0.75, 0.9]},
            "partners_belief": {"paths": ["CA.belief", "MX.belief"], "levels": [0.0, 1.0]},
        },
    }
    raw.update(changes)
    return raw


def write_toml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ------------------------------------------------------------------------------------------ spec

@pytest.mark.parametrize("changes, message", [
    ({"replications": 0}, "replications: expected greater than or equal to 1, found 0"),
    ({"design": "random"}, "design: expected 'grid', 'lhs' or 'sobol', found 'random'"),
    ({"parameters": {"US.nope": {"levels": [1]}}}, "parameters.US.nope = 1: nafta-2017: unknown override path"),
    ({"parameters": {"US.termination_value": {"levels": [0.2, 1.5]}}},
     "parameters.US.termination_value = 1.5: nafta-2017: countries.US.termination_value: expected less than "
     "or equal to 1, found 1.5"),
    ({"parameters": {"x": {"paths": ["CA.belief"], "range": [0.5, 0.2], "steps": 3}}},
     "expected range = [low, high] with low < high, found [0.5, 0.2]"),
    ({"parameters": {"x": {"paths": ["CA.belief"], "range": [0.0, 1.0]}}}, "a grid over a range needs `steps`"),
    ({"design": "sobol", "samples": 12}, "sobol `samples` must be a power of 2, found 12"),
    ({"design": "lhs"}, "design 'lhs' needs `samples`, found none"),
    ({"outcomes": ["outcome", "mood"]}, "outcomes: expected names from ['outcome', 'round'"),
    ({"colour": "blue"}, "colour: unknown key (found 'blue')"),
    ({"scenario": "atlantis"}, "scenario: unknown scenario 'atlantis'"),
    ({"set": {"protocol.deadline_round": 0}}, "set: nafta-2017: protocol.deadline_round: expected greater"),
    ({"report": {"x": "US.belief"}}, "report.x: expected one of the parameters"),
])
def test_bad_experiments_name_key_expected_found(changes, message):
    with pytest.raises(ExperimentError) as err:
        from_dict(small(**changes), "exp.toml")
    assert str(err.value).startswith("exp.toml: ")
    assert message in str(err.value)


def test_cli_bad_experiment_exits_2_without_traceback(tmp_path, capsys):
    bad = write_toml(tmp_path / "bad.toml", 'name = "bad"\nscenario = "nafta-2017"\n[parameters."US.lobby.x"]\n'
                     "levels = [1]\n")
    assert main(["sweep", str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {bad}: parameters.US.lobby.x = 1: ") and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # nothing half-written
    assert main(["sweep", str(tmp_path / "missing.toml")]) == 2
    assert "no such experiment file" in capsys.readouterr().err
    assert main(["report", str(tmp_path)]) == 2
    assert "not a results folder" in capsys.readouterr().err
    write_toml(tmp_path / "syntax.toml", "name = \n")
    assert main(["sweep", str(tmp_path / "syntax.toml")]) == 2
    assert "not valid TOML" in capsys.readouterr().err


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(replications=st.one_of(st.integers(-3, 5), st.floats(allow_nan=True), st.text(max_size=3)),
       levels=st.lists(st.one_of(st.floats(-2, 2, allow_nan=False), st.integers(-2, 2), st.text(max_size=2)),
                       max_size=3),
       path=st.sampled_from(["US.termination_value", "CA.belief", "protocol.deadline_round", "US.weights.sunset",
                             "US.strategy.beta", "nonsense", "US", "issues.auto_rvc.bounds"]))
def test_any_experiment_either_loads_or_gives_a_clear_error(replications, levels, path):
    raw = small(replications=replications, parameters={path: {"levels": levels}})
    try:
        experiment = from_dict(raw, "exp.toml")
    except ExperimentError as exc:
        assert str(exc).startswith("exp.toml: ")
        return
    assert experiment.replications >= 1 and levels
    design = Design(experiment)
    assert design.n_cells == len(levels)


# ------------------------------------------------------------------------------------------ designs and seeds

def test_grid_cells_are_the_product_of_levels_in_order():
    experiment = from_dict(small(parameters={
        "US.termination_value": {"range": [0.0, 0.3], "steps": 4},
        "CA.belief": {"levels": [0.0, 0.5, 1.0]},
        "protocol.deadline_round": {"range": [4, 8], "steps": 3, "integer": True}}))
    design = Design(experiment)
    expected = list(itertools.product([0.0, 0.1, 0.2, 0.3], [0.0, 0.5, 1.0], [4, 6, 8]))
    assert design.n_cells == 36 and design.n_runs == 108
    assert np.allclose([design.cell(i) for i in range(design.n_cells)], expected, atol=1e-12, rtol=0)
    assert list(design.cells()) == [design.cell(i) for i in range(design.n_cells)]
    assert all(isinstance(c[2], int) for c in design.cells())
    quick = from_dict(small(parameters={"CA.belief": {"levels": [0.0, 0.1, 0.2, 0.3, 0.4]}},
                            quick={"steps": 3, "replications": 1}), quick=True)
    assert Design(quick).levels == [[0.0, 0.2, 0.4]] and Design(quick).n_runs == 3


def test_run_seeds_are_spawned_children_of_the_master_seed():
    child = np.random.SeedSequence(7).spawn(4)[3].spawn(3)[2]
    hi, lo = child.generate_state(2, np.uint32)
    assert run_seed(7, 3, 2) == ((int(hi) << 32) | int(lo)) & (2**63 - 1)
    seeds = {run_seed(7, cell, rep) for cell in range(200) for rep in range(5)}
    assert len(seeds) == 1000 and all(0 <= s < 2**63 for s in seeds)
    assert run_seed(8, 3, 2) != run_seed(7, 3, 2)
    reps = np.array([0, 1, 59, 9_999_999, 2**32 - 1])  # a cell's seeds at once: the same hash on arrays
    for master, cell in itertools.product([0, 7, 2**32, 2**127 + 3], [0, 104, 999_999, 2**32 + 1]):
        assert run_seeds(master, cell, reps).tolist() == [run_seed(master, cell, int(r)) for r in reps]


def test_sampled_designs_respect_ranges_integers_and_levels():
    experiment = from_dict(small(design="lhs", samples=50, parameters={
        "US.termination_value": {"range": [0.2, 0.4]},
        "protocol.deadline_round": {"range": [4, 6], "integer": True},
        "US.strategy.name": {"levels": ["time_dependent"]},
        "MX.belief": {"levels": [0.0, 1.0]}}))
    cells = list(Design(experiment).cells())
    assert len(cells) == 50
    assert all(0.2 <= t <= 0.4 for t, *_ in cells)
    assert {d for _, d, _, _ in cells} == {4, 5, 6}
    assert {b for *_, b in cells} == {0.0, 1.0}
    assert Design(experiment).cell(7) == cells[7]


# ------------------------------------------------------------------------------------------ executors

def test_serial_processes_and_dask_give_identical_tables_efficiency_included(tmp_path):
    """The quick threat_credibility sweep, whose Nash distances once differed in the last bits with the number of
    BLAS threads: serially with four BLAS threads, on two processes (the machine's default) and on Dask (one)."""
    from distributed import LocalCluster
    from threadpoolctl import threadpool_limits

    experiment = load_experiment(ROOT / "experiments" / "threat_credibility.toml", quick=True)
    assert "distances" in experiment.spec.outcomes
    with threadpool_limits(limits=4, user_api="blas"):
        serial = sweep(experiment, tmp_path / "serial", workers=1, progress=False)
    sweep(experiment, tmp_path / "pool", workers=2, progress=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        dask = sweep(experiment, tmp_path / "dask", scheduler=cluster.scheduler_address, progress=False)
    assert "Dask scheduler tcp://127.0.0.1" in dask.executor
    table = read_runs(tmp_path / "serial")
    assert len(table) == 18 and list(table["run"]) == list(range(18))
    counts = {"deal": 9, "withdrawal": 6, "ratification_failed": 3}  # seeded: Philox streams (streams.py)
    assert serial.outcomes == counts == table["outcome"].value_counts().to_dict()
    distances = table.loc[table["outcome"] == "deal", "nash_distance"].dropna()
    assert len(distances) == 7 and distances.between(0.05, 0.5).all()
    for other in ("pool", "dask"):
        assert table.equals(read_runs(tmp_path / other)), other


def test_results_do_not_depend_on_the_batch_size(tmp_path):
    tables = []
    for batch in (1, 7, 100):
        sweep(from_dict(small(batch=batch)), tmp_path / str(batch), workers=1, progress=False)
        tables.append(read_runs(tmp_path / str(batch)))
        assert len(list((tmp_path / str(batch) / "runs").glob("*.parquet"))) == -(-18 // batch)
    for table in tables[1:]:
        pd.testing.assert_frame_equal(tables[0], table, check_exact=True)


def test_tasks_hold_whole_cells_or_equal_parts_of_one():
    """Each cell's runs in a task run as one batch: tasks pack whole cells, or cut a big cell in equal parts."""
    assert task_size(20) == 1 and task_size(100_000) == 3125 and task_size(1_000_000) == MAX_TASK == 8192

    def cut(batch: int | None, todo: np.ndarray, replications: int = 7) -> list[list[tuple[int, list[int]]]]:
        experiment = from_dict(small(replications=replications, batch=batch))  # 6 cells
        design = Design(experiment)
        layout = Layout.of(experiment.scenario, experiment.parameters, experiment.spec.outcomes)
        return [[(cell, reps.tolist()) for cell, _, reps in task.cells]
                for task in tasks(experiment, design, layout, todo)]

    whole = list(range(7))
    assert cut(20, np.arange(42)) == [[(0, whole), (1, whole)], [(2, whole), (3, whole)], [(4, whole), (5, whole)]]
    assert cut(3, np.arange(14)) == [[(0, [0, 1, 2])], [(0, [3, 4])], [(0, [5, 6])],
                                     [(1, [0, 1, 2])], [(1, [3, 4])], [(1, [5, 6])]]
    resumed = np.setdiff1d(np.arange(42), [2, 3, 4, 5, 6, 7, 20])  # what a resume finds still to run
    assert cut(10, resumed) == [[(0, [0, 1]), (1, [1, 2, 3, 4, 5, 6])], [(2, [0, 1, 2, 3, 4, 5])], [(3, whole)],
                                [(4, whole)], [(5, whole)]]
    assert cut(None, np.arange(42)) == [[(cell, whole)] for cell in range(6)]  # by default: a cell a task, ...
    big = [len(reps) for task in cut(None, np.arange(6000), replications=1000) for _, reps in task]
    assert big == [250] * 24  # ... or parts of at least MIN_PART runs of a big one (not 6000 / 32 = 188)


@pytest.mark.parametrize("scenario, workers", [("nafta-2017", 1), ("nafta-2017", 2), ("port-expansion", 1)])
def test_every_row_is_what_run_gives_for_its_seed(tmp_path, scenario, workers):
    """A cell's runs run as one batch, their rows built column by column: every column of every row is what
    ``run`` gives one run at a time with the row's seed and the cell's overrides (efficiency included)."""
    from bargaining import load_scenario, run

    parameters = small()["parameters"] if scenario == "nafta-2017" else {  # a quota rule: supporters
        "protocol.horizon_round": {"levels": [14, 24]}, "PA.reservation_value": {"levels": [0.3, 0.68]}}
    experiment = from_dict(small(scenario=scenario, replications=4, parameters=parameters, outcomes=[
        "outcome", "round", "agreement", "utilities", "walk_away", "distances"]))
    sweep(experiment, tmp_path, workers=workers, progress=False)
    table = read_runs(tmp_path)
    design, base = Design(experiment), load_scenario(scenario)
    assert list(table["run"]) == list(range(design.n_runs)) and design.n_runs == 4 * design.n_cells
    for _, row in table.iterrows():
        values = design.cell(row["cell"])
        case = base.with_overrides(design.overrides(values))
        result = run(case, seed=int(row["seed"]), record=False)
        deal = result.outcome == "deal"
        expected = {"run": row["cell"] * 4 + row["replication"], "seed": run_seed(11, row["cell"], row["replication"]),
                    **dict(zip(design.names, values, strict=True)), "outcome": result.outcome,
                    "round": result.round, "notice_round": result.notice_round,
                    **{f"agreed.{i.name}": (result.agreement or {}).get(i.name) for i in case.space},
                    **{f"utility.{c}": v for c, v in result.utilities.items()},
                    **{f"walk_away.{c}": v for c, v in result.walk_away.items()},
                    **{f"ratified.{c}": v for c, v in result.ratified.items()},
                    "signatories": None if result.signatories is None else ",".join(result.signatories),
                    "supporters": None if result.supporters is None else ",".join(result.supporters),
                    **(case.deal_metrics(result.package) if deal else dict.fromkeys(DISTANCES)), "error": None}
        assert set(expected) | {"cell", "replication"} == set(table.columns)
        for column, value in expected.items():
            found = row[column]
            assert (pd.isna(found) if value is None else found == value), (column, found, value)
    if scenario == "port-expansion":
        assert table["supporters"].notna().any()
    else:
        assert {"deal", "withdrawal"} <= set(table["outcome"])


def test_dask_local_cluster_option(tmp_path):
    experiment = from_dict(small(replications=1))
    summary = sweep(experiment, tmp_path / "a", dask_local=1, progress=False)
    assert summary.executor.startswith("Dask LocalCluster (1 workers)")
    sweep(experiment, tmp_path / "b", workers=1, progress=False)
    pd.testing.assert_frame_equal(read_runs(tmp_path / "a"), read_runs(tmp_path / "b"), check_exact=True)


def test_unreachable_scheduler_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr("bargaining.experiment.executors.CONNECT_TIMEOUT", "1s")
    experiment = from_dict(small(replications=1))
    for option in ({"workers": 0}, {"dask_local": 10_000}):
        with pytest.raises(ExperimentError, match=f"{next(iter(option))}: expected a number of processes in 1.."):
            sweep(experiment, tmp_path / "x", progress=False, **option)
    for address in ("tcp://127.0.0.1:9", "not a url", "tcp://[::1"):
        with pytest.raises(ExperimentError, match="cannot reach the Dask scheduler"):
            sweep(experiment, tmp_path / "x", scheduler=address, progress=False)
    assert not (tmp_path / "x").exists()  # nothing half-written


# ------------------------------------------------------------------------------------------ runs and store

def test_a_row_records_the_run_exactly(tmp_path, nafta):
    from bargaining import run

    experiment = from_dict(small(replications=2, outcomes=["outcome", "round", "agreement", "utilities",
                                                           "walk_away", "distances"]))
    sweep(experiment, tmp_path, workers=1, progress=False)
    table = read_runs(tmp_path)
    assert set(table["outcome"]) >= {"deal", "withdrawal"}
    for _, row in table.iterrows():
        overrides = {"US.termination_value": row["US.termination_value"], "CA.belief": row["partners_belief"],
                     "MX.belief": row["partners_belief"]}
        result = run(nafta, overrides, seed=int(row["seed"]), record=False)
        assert row["seed"] == run_seed(11, row["cell"], row["replication"])
        assert row["outcome"] == result.outcome and row["round"] == result.round
        for c in nafta.countries:
            assert row[f"utility.{c}"] == result.utilities[c] and row[f"walk_away.{c}"] == result.walk_away[c]
        for issue, value in (result.agreement or {}).items():
            assert row[f"agreed.{issue}"] == value
        if result.agreement is None:
            assert row[["agreed.auto_rvc", "agreed.sunset", "pareto_distance", "joint_gain"]].isna().all()
        if result.outcome == "deal":
            metrics = nafta.with_overrides(overrides).deal_metrics(result.package)
            assert {k: row[k] for k in metrics} == metrics
        for c, ratified in (getattr(result, "ratified", None) or {}).items():
            assert row[f"ratified.{c}"] == ratified
        assert row["error"] is None


def test_a_run_that_raises_is_recorded_and_the_sweep_goes_on(tmp_path):
    # deadline 20 with horizon 10 is invalid (horizon before deadline); each value alone is valid
    experiment = from_dict(small(replications=2, parameters={
        "protocol.deadline_round": {"levels": [4, 20]}, "protocol.horizon_round": {"levels": [10, 30]}}))
    summary = sweep(experiment, tmp_path, workers=1, progress=False)
    table = read_runs(tmp_path)
    bad = table[(table["protocol.deadline_round"] == 20) & (table["protocol.horizon_round"] == 10)]
    assert len(table) == 8 and len(bad) == 2 and summary.errors == 2
    assert (bad["outcome"] == "error").all() and bad["round"].isna().all()
    assert bad["error"].str.startswith("ScenarioError: nafta-2017: protocol.horizon_round: expected >= "
                                       "deadline_round (20), found 10").all()
    good = table.drop(bad.index)
    assert good["error"].isna().all() and (good["outcome"] != "error").all()
    write_report(tmp_path)
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert cells["errors"].tolist() == [0, 0, 2, 0]
    assert "2 runs raised an error" in (tmp_path / "summary.md").read_text()


def test_out_folder_guards(tmp_path):
    experiment = from_dict(small(replications=1))
    sweep(experiment, tmp_path, workers=1, progress=False)
    with pytest.raises(ExperimentError, match="already holds results of 'small'; expected an empty folder"):
        sweep(experiment, tmp_path, workers=1, progress=False)
    other = from_dict(small(replications=2))
    with pytest.raises(ExperimentError, match="--resume: expected results of this experiment"):
        sweep(other, tmp_path, resume=True, workers=1, progress=False)
    (tmp_path / "file").write_text("")
    with pytest.raises(ExperimentError, match="expected a folder for the results, found a file"):
        sweep(experiment, tmp_path / "file", workers=1, progress=False)
    again = sweep(experiment, tmp_path, resume=True, workers=1, progress=False)  # complete: nothing to run
    assert again.ran == 0 and again.resumed == 6
    assert len(read_runs(tmp_path)) == 6


def test_a_folder_with_a_strangers_files_is_refused_and_left_as_it_was(tmp_path, capsys):
    exp = write_toml(tmp_path / "exp.toml", 'name = "small"\nscenario = "nafta-2017"\n'
                     '[parameters."US.termination_value"]\nlevels = [0.1, 0.9]\n')
    stranger = tmp_path / "stranger"
    (stranger / "runs").mkdir(parents=True)
    (stranger / "notes.txt").write_text("mine")
    pd.DataFrame({"run": [0, 1]}).to_parquet(stranger / "runs" / "part-000000000-000000001.parquet")
    before = sorted((p.relative_to(stranger), p.stat().st_mtime_ns) for p in stranger.rglob("*"))
    for resume in ([], ["--resume"]):
        assert main(["sweep", str(exp), "--out", str(stranger), "--workers", "1", "--no-progress", *resume]) == 2
        assert capsys.readouterr().err == (f"error: {stranger}: holds files this experiment did not write (e.g. "
                                           "'notes.txt'); expected a new or empty folder, or the results folder "
                                           "of this experiment\n")
    (stranger / "notes.txt").unlink()  # foreign parts alone are not this experiment's either
    assert main(["sweep", str(exp), "--out", str(stranger), "--workers", "1", "--no-progress", "--resume"]) == 2
    assert "holds files this experiment did not write (e.g. 'runs')" in capsys.readouterr().err
    assert sorted((p.relative_to(stranger), p.stat().st_mtime_ns) for p in stranger.rglob("*")) == before[1:]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["sweep", str(exp), "--out", str(empty), "--workers", "1", "--no-progress", "--no-report"]) == 0


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "-rf", "a/b", "x" * 101, ""])
def test_experiment_names_are_plain_file_names(name):
    with pytest.raises(ExperimentError, match="name: expected a string to "):
        from_dict(small(name=name), "exp.toml")


def test_a_grid_too_large_is_refused_before_anything_is_allocated_or_written(tmp_path):
    experiment = from_dict(small(replications=1000, parameters={
        "US.termination_value": {"range": [0.0, 1.0], "steps": 1000},
        "CA.belief": {"range": [0.0, 1.0], "steps": 1000}}))
    with pytest.raises(ExperimentError) as err:
        sweep(experiment, tmp_path / "out", workers=1, progress=False)
    assert str(err.value) == ("<experiment>: expected at most 1,000,000 parameter cells and 10,000,000 runs, "
                              "found 1,000,000 cells x 1,000 replications = 1,000,000,000 runs")
    sobol = from_dict(small(design="sobol", samples=2**19, parameters={
        "US.termination_value": {"range": [0.0, 1.0]}, "CA.belief": {"range": [0.0, 1.0]}}))
    with pytest.raises(ExperimentError, match="found 2,097,152 cells x 3 replications"):
        Design(sobol)
    assert not (tmp_path / "out").exists()


def test_a_locked_folder_is_refused(tmp_path):
    from filelock import FileLock

    experiment = from_dict(small(replications=1))
    with FileLock(tmp_path / ".lock", timeout=0):  # as another sweep holds it
        with pytest.raises(ExperimentError, match="another sweep is writing to this folder"):
            sweep(experiment, tmp_path, workers=1, progress=False)
    assert sweep(experiment, tmp_path, workers=1, progress=False).ran == 6


@pytest.mark.parametrize("damage", [b"", b"PAR1 garbage", "truncated"])
def test_a_damaged_part_is_named_by_report_and_redone_by_resume(tmp_path, capsys, damage):
    experiment = from_dict(small(replications=3, batch=3))  # a part per cell
    sweep(experiment, tmp_path / "reference", workers=1, progress=False)
    out = tmp_path / "out"
    sweep(experiment, out, workers=1, progress=False)
    part = sorted((out / "runs").glob("part-*.parquet"))[1]
    part.write_bytes(part.read_bytes()[:-40] if damage == "truncated" else damage)
    assert main(["report", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {part}: cannot read this part of the results (") and err.count("\n") == 1
    assert err.endswith(f"continue the sweep with --out {out} --resume: it sets the part aside and runs its runs "
                        "again\n")
    resumed = sweep(experiment, out, resume=True, workers=1, progress=False)
    assert resumed.ran == 3 and resumed.resumed == 15 and resumed.set_aside == [str(part)]
    assert "unreadable part set aside (renamed *.corrupt)" in resumed.text()
    assert part.with_name(part.name + ".corrupt").exists()
    assert read_runs(out).equals(read_runs(tmp_path / "reference"))


@pytest.mark.parametrize("damage", ["{not json", "[]", '{"spec": 1}', "spec"])
def test_a_damaged_record_is_named_and_the_runs_are_kept(tmp_path, capsys, damage):
    exp = write_toml(tmp_path / "exp.toml", 'name = "small"\nscenario = "nafta-2017"\nreplications = 2\n'
                     '[parameters."US.termination_value"]\nlevels = [0.1, 0.9]\n')
    out = tmp_path / "out"
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--no-progress", "--no-report"]) == 0
    table = read_runs(out)
    manifest = json.loads((out / "experiment.json").read_text())
    (out / "experiment.json").write_text(json.dumps({**manifest, "spec": {**manifest["spec"], "design": "grille"}})
                                         if damage == "spec" else damage)
    advice = (f"error: {out / 'experiment.json'}: cannot read the record of the sweep (")
    for argv in (["report", str(out)], ["sweep", str(exp), "--out", str(out), "--resume", "--workers", "1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(advice) and err.count("\n") == 1
        assert err.endswith(f"); delete it and run the sweep again with --out {out} --resume: the stored runs are "
                            "kept\n")
    (out / "experiment.json").unlink()  # as the message says
    assert main(["sweep", str(exp), "--out", str(out), "--resume", "--workers", "1", "--no-progress"]) == 0
    assert "4 runs were already done" in capsys.readouterr().out
    assert json.loads((out / "experiment.json").read_text())["complete"] and read_runs(out).equals(table)


def test_a_full_disk_stops_the_sweep_with_one_line_and_resume_finishes_it(tmp_path, monkeypatch, capsys):
    import pyarrow.parquet as pq

    exp = write_toml(tmp_path / "exp.toml", 'name = "small"\nscenario = "nafta-2017"\nreplications = 2\n'
                     'batch = 1\n[parameters."US.termination_value"]\nlevels = [0.1, 0.5, 0.9]\n')
    out = tmp_path / "out"
    write_table, written = pq.write_table, []

    def fills_up(table, where, **kwargs):
        if len(written) == 2:
            where.write(b"PAR1")  # the start of a part, then the disk is full
            raise OSError(28, "No space left on device")
        written.append(table.num_rows)
        return write_table(table, where, **kwargs)

    monkeypatch.setattr(pq, "write_table", fills_up)
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--no-progress"]) == 2
    assert capsys.readouterr().err == (f"error: {out}: cannot write results: No space left on device; the runs "
                                       "stored so far are kept: continue with --resume once the folder can be "
                                       "written\n")
    parts = [p.name for p in (out / "runs").iterdir()]  # the two written, no temporary file
    assert len(parts) == 2 and all(p.startswith("part-") and p.endswith(".parquet") for p in parts), parts
    monkeypatch.undo()
    assert main(["sweep", str(exp), "--out", str(out), "--workers", "1", "--no-progress", "--resume"]) == 0
    assert "2 runs were already done" in capsys.readouterr().out and len(read_runs(out)) == 6


def test_ctrl_c_under_dask_local_is_one_line(tmp_path):
    # 4,000 runs: far more than can finish between the first part and the interrupt on a busy machine
    exp = write_toml(tmp_path / "exp.toml", 'name = "dask"\nscenario = "nafta-2017"\nreplications = 2000\n'
                     'batch = 2\n[parameters."US.termination_value"]\nlevels = [0.1, 0.9]\n')
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "bargaining.cli", "sweep", str(exp), "--out", str(out),
                             "--dask-local", "1", "--no-report", "--no-progress"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list((out / "runs").glob("part-*.parquet")) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130
    assert stderr == (f"interrupted: the finished batches are in {out}; continue with: "
                      f"bargaining sweep {exp} --out {out} --resume\n")


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "Ctrl-C"])
def test_interrupted_midway_then_resume_gives_the_uninterrupted_table(tmp_path, sig, capsys):
    exp = write_toml(tmp_path / "kill.toml", """
name = "kill"
scenario = "nafta-2017"
replications = 60
seed = 3
batch = 4
[parameters."US.termination_value"]
range = [0.0, 0.9]
steps = 10
[parameters.partners_belief]
paths = ["CA.belief", "MX.belief"]
levels = [0.0, 0.5, 1.0, 0.25]
""")
    RUNS = 10 * 4 * 60  # enough that the interrupt always comes before the end, even on a busy machine
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "bargaining.cli", "sweep", str(exp), "--out", str(out),
                             "--workers", "2", "--no-report", "--no-progress"],
                            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    # interrupt at the first part: a task's cells run as one batch now, so a sweep can end soon after it
    while not list((out / "runs").glob("part-*.parquet")) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    # a second sweep of the same folder meanwhile is refused, and writes nothing
    assert main(["sweep", str(exp), "--out", str(out), "--resume", "--workers", "1", "--no-progress"]) == 2
    assert f"{out}: another sweep is writing to this folder" in capsys.readouterr().err
    workers = psutil.Process(proc.pid).children(recursive=True)
    if sig == signal.SIGKILL:
        os.kill(proc.pid, sig)  # the sweep's process alone: its workers must end with it
        stderr = proc.communicate(timeout=60)[1]
        assert proc.returncode == -signal.SIGKILL, stderr
        gone, alive = psutil.wait_procs(workers, timeout=30)
        assert workers and not alive
    else:
        os.killpg(proc.pid, sig)  # the whole process group, as a terminal's Ctrl-C does
        stderr = proc.communicate(timeout=60)[1]
        assert proc.returncode == 130 and "Traceback" not in stderr, stderr
        assert stderr.strip() == (f"interrupted: the finished batches are in {out}; continue with: "
                                  f"bargaining sweep {exp} --out {out} --resume")
    manifest = json.loads((out / "experiment.json").read_text())
    partial = read_runs(out)
    assert not manifest["complete"] and 0 < len(partial) < RUNS

    resumed = sweep(load_experiment(exp), out, resume=True, workers=2, progress=False)
    assert resumed.resumed == len(partial) and resumed.ran == RUNS - len(partial)
    assert not list((out / "runs").glob("*.tmp"))
    reference = tmp_path / "reference"
    sweep(load_experiment(exp), reference, workers=1, progress=False)
    table = read_runs(out)
    assert table["run"].is_unique and list(table["run"]) == list(range(RUNS))
    pd.testing.assert_frame_equal(table, read_runs(reference), check_exact=True)


# ------------------------------------------------------------------------------------------ analysis

def test_wilson_interval_known_values():
    lo, hi = wilson(np.array([0, 5, 10]), np.array([10, 10, 10]))
    assert lo == pytest.approx([0.0, 0.236593, 0.722467], abs=1e-6)
    assert hi == pytest.approx([0.277533, 0.763407, 1.0], abs=1e-6)


def test_sobol_pipeline_reproduces_the_ishigami_indices():
    """Ishigami & Homma (1990), a = 7, b = 0.1: S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)."""
    parameters = {f"x{i}": ParameterSpec(paths=[f"x{i}"], range=(-np.pi, np.pi)) for i in (1, 2, 3)}
    from SALib.sample import sobol as sobol_sample

    from bargaining.experiment.designs import decode, problem

    points = sobol_sample.sample(problem(parameters), 2**13, calc_second_order=False, seed=1)
    x = np.array([decode(parameters, row) for row in points])
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    table = sobol_indices(parameters, y, seed=1)
    assert table["S1"].to_numpy() == pytest.approx([0.3139, 0.4424, 0.0], abs=0.02)
    assert table["ST"].to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.02)


def test_prim_finds_the_box_where_the_outcome_happens():
    rng = np.random.default_rng(0)
    cells = pd.DataFrame({"a": rng.uniform(size=1500), "b": rng.uniform(size=1500), "c": rng.uniform(size=1500)})
    cells["P(withdrawal)"] = ((cells["a"] > 0.6) & (cells["b"] < 0.3)).astype(float)
    parameters = {n: ParameterSpec(paths=[n], range=(0.0, 1.0)) for n in "abc"}
    boxes = prim_boxes(cells, parameters, "P(withdrawal)", threshold=0.8)
    assert len(boxes) == 1
    box = boxes[0]
    assert set(box.limits) == {"a", "b"} and box.density > 0.95 and box.coverage > 0.9
    assert box.limits["a"][0] == pytest.approx(0.6, abs=0.03) and box.limits["b"][1] == pytest.approx(0.3, abs=0.03)
    assert prim_boxes(cells.assign(**{"P(withdrawal)": 0.0}), parameters, "P(withdrawal)") == []


def test_report_tables_and_files(tmp_path):
    experiment = from_dict(small(replications=5, report={"metrics": ["deal", "withdrawal", "deal_round",
                                                                      "agreed.auto_rvc"]}))
    sweep(experiment, tmp_path, workers=1, progress=False)
    summary = write_report(tmp_path).read_text()
    runs, cells = read_runs(tmp_path), pd.read_csv(tmp_path / "cells.csv")
    assert len(cells) == 6 and (cells["n"] == 5).all()
    shares = cells[[c for c in cells if c.startswith("P(") and c.endswith(")")]].sum(axis=1)
    assert shares.to_numpy() == pytest.approx(1.0)
    for cell in cells.itertuples():
        part = runs[runs["cell"] == cell.cell]
        assert cells.loc[cell.Index, "P(deal)"] == pytest.approx((part["outcome"] == "deal").mean())
        deals = part[part["outcome"] == "deal"]
        if len(deals):
            assert cells.loc[cell.Index, "deal_round"] == pytest.approx(deals["round"].mean())
            assert cells.loc[cell.Index, "agreed.auto_rvc"] == pytest.approx(deals["agreed.auto_rvc"].mean())
        assert cells.loc[cell.Index, "P(deal)_lo"] <= cells.loc[cell.Index, "P(deal)"] <= \
            cells.loc[cell.Index, "P(deal)_hi"]
    for name in ("lines.png", "heatmap.png", "summary.md", "cells.csv", "prim.csv"):
        assert (tmp_path / name).stat().st_size > 0
    assert "## Findings" in summary and "P(withdrawal) is 0 at US.termination_value = 0.1" in summary
    assert "## Scenario discovery (PRIM): where withdrawal is likely" in summary


# ------------------------------------------------------------------------------------------ bundled experiments

def test_the_five_experiments_exist():
    assert {p.stem for p in EXPERIMENTS} >= {"threat_credibility", "auto_content", "deadlines",
                                             "domestic_pressure", "sensitivity"}


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_every_experiment_quick(path, tmp_path, capsys):
    out = tmp_path / path.stem
    assert main(["sweep", str(path), "--quick", "--out", str(out), "--workers", "1", "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "runs in" in printed and f"report: {out / 'summary.md'}" in printed
    manifest = json.loads((out / "experiment.json").read_text())
    runs = read_runs(out)
    assert manifest["complete"] and manifest["quick"] and len(runs) == manifest["n_runs"] <= 300
    assert runs["error"].isna().all()
    assert (out / "cells.csv").exists() and (out / "summary.md").read_text().startswith(f"# {path.stem} (quick)")
    assert list(out.glob("*.png"))
    if load_experiment(path).spec.design == "sobol":
        sobol = pd.read_csv(out / "sobol.csv")
        assert {"P(deal)", "P(withdrawal)"} <= set(sobol["output"])
    assert main(["report", str(out)]) == 0


def test_summary_reads_grid_levels_as_they_are(tmp_path):
    levels = [round(0.1 * i, 1) for i in range(10)]  # more levels than the bins of sampled designs
    experiment = from_dict(small(replications=1, parameters={"US.termination_value": {"levels": levels}}))
    sweep(experiment, tmp_path, workers=1, progress=False)
    summary = write_report(tmp_path).read_text()
    table = read_runs(tmp_path)
    first, last = (table.loc[table["US.termination_value"] == v, "outcome"].eq("deal").mean() for v in (0.0, 0.9))
    assert first != last  # a deal without a credible threat, none with the strongest
    assert (f"- P(deal) is {first:.3g} at US.termination_value = 0 and {last:.3g} at US.termination_value = 0.9"
            in summary)
    assert (tmp_path / "lines.png").exists()


def test_string_levels_are_swept_stored_and_reported(tmp_path):
    experiment = from_dict(small(replications=1, parameters={"US.strategy.name": {"levels": ["linear", "boulware"]},
                                                             "CA.belief": {"levels": [0.0, 1.0]}}))
    assert experiment.parameters["US.strategy.name"].kind == "str"
    sweep(experiment, tmp_path, workers=1, progress=False)
    table = read_runs(tmp_path)
    assert list(table["US.strategy.name"]) == ["linear", "linear", "boulware", "boulware"]
    write_report(tmp_path)
    assert list(pd.read_csv(tmp_path / "cells.csv")["US.strategy.name"]) == ["linear", "linear", "boulware",
                                                                              "boulware"]
    assert (tmp_path / "heatmap.png").exists()


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 10_000), share=st.floats(0, 1))
def test_wilson_interval_holds_the_share_within_0_and_1(n, share):
    k = round(share * n)
    lo, hi = wilson(np.array([k]), np.array([n]))
    assert -1e-12 <= lo[0] <= k / n + 1e-12 and k / n - 1e-12 <= hi[0] <= 1 + 1e-12
    assert hi[0] - lo[0] <= Z / np.sqrt(n) + Z**2 / n + 1e-12  # Wilson: narrows like 1/sqrt(n)


def test_report_maps_the_dominant_outcome_and_warns_about_few_runs(tmp_path):
    """The small grid (3 runs a cell): one map of the most frequent outcome per cell; a warning that 3 runs
    are too few to read a cell's share; no panel for an outcome that never happens."""
    experiment = from_dict(small(report={"metrics": ["deal", "withdrawal", "stalemate"]}))
    sweep(experiment, tmp_path, workers=1, progress=False)
    summary = write_report(tmp_path).read_text()
    assert (tmp_path / "dominant.png").read_bytes()[:4] == b"\x89PNG" and "![dominant.png](dominant.png)" in summary
    assert "**Few runs per cell**: as few as 3 (fewer than 20)" in summary
    cells = pd.read_csv(tmp_path / "cells.csv")
    assert cells["P(stalemate)"].eq(0).all()
    assert "Left out of the figures: P(stalemate) (0 in every cell)." in summary
    from bargaining.experiment.figures import plot_dominant  # the map's cells, read back from its inputs

    runs = read_runs(tmp_path)
    top = runs.groupby(["partners_belief", "US.termination_value"])["outcome"].agg(lambda s: s.value_counts().index[0])
    assert set(top) == {"deal", "withdrawal"}  # both colours appear on the map
    plot_dominant(runs, "US.termination_value", None, ["deal", "withdrawal", "stalemate"], tmp_path / "one.png")
    assert (tmp_path / "one.png").exists()


def test_report_with_enough_runs_gives_no_warning(tmp_path):
    experiment = from_dict(small(replications=20, parameters={"US.termination_value": {"levels": [0.9]}}))
    sweep(experiment, tmp_path, workers=1, progress=False)
    summary = write_report(tmp_path).read_text()
    assert "Few runs per cell" not in summary and (tmp_path / "dominant.png").exists()


def test_a_heterogeneous_batched_sweep_writes_the_tables_one_batch_per_cell_wrote(tmp_path, monkeypatch):
    """Every task's cells run as one heterogeneous batch (``runs.run_task``): the Parquet parts are byte for byte
    those of one batch per cell (``runs.run_cells``), across structures (deadlines, strategies), per-replication
    numbers, cells that raise (a horizon before the deadline) and the efficiency of each cell's deals."""
    from bargaining.experiment import runs
    from bargaining.experiment import sweep as sweep_module

    experiment = from_dict(small(design="sobol", samples=4, replications=2, batch=40, outcomes=[
        "outcome", "round", "agreement", "utilities", "walk_away", "distances"], parameters={
        "US.termination_value": {"range": [0.2, 0.9]}, "CA.strategy.beta": {"range": [0.2, 3.0]},
        "protocol.deadline_round": {"range": [5, 9], "integer": True},
        "protocol.horizon_round": {"range": [8, 12], "integer": True},
        "MX.strategy.name": {"levels": ["time_dependent", "tit_for_tat"]}, "noise.aspiration": {"range": [0, 0.1]}}))
    sweep(experiment, tmp_path / "batched", workers=1, progress=False)
    monkeypatch.setattr(sweep_module, "run_task", runs.run_cells)
    sweep(experiment, tmp_path / "cells", workers=1, progress=False)
    parts = sorted(p.name for p in (tmp_path / "batched" / "runs").glob("*.parquet"))
    assert parts == sorted(p.name for p in (tmp_path / "cells" / "runs").glob("*.parquet")) and len(parts) > 1
    for name in parts:
        assert (tmp_path / "batched" / "runs" / name).read_bytes() == (tmp_path / "cells" / "runs" / name).read_bytes()
    table = read_runs(tmp_path / "batched")
    assert (table["outcome"] == "error").any() and table["outcome"].isin(["deal", "withdrawal"]).any()
    assert table["nash_distance"].notna().any()
