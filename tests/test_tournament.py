"""The Axelrod-style tournament as an experiment: the grid of strategy assignments, its seeds, the standings
table, the figure, the CLI with its results folder, workers and resume."""

import json
import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bargaining
from bargaining import cli
from bargaining.experiment import tournament
from bargaining.experiment.designs import run_seed
from bargaining.experiment.store import read_runs

PIE = ["tournament", "pie-split", "--seeds", "2", "--strategies", "linear,hard_liner", "--no-progress"]


def test_the_tournament_is_a_grid_over_each_countrys_strategy(tmp_path):
    scenario = tmp_path / "pie.toml"  # a path, with a fixed override: both reach the experiment
    scenario.write_text((Path(bargaining.__file__).parent / "scenarios" / "pie-split.toml").read_text())
    experiment = tournament.tournament_experiment(scenario, ["linear", "conceder", "linear"], seeds=3, entropy=7,
                                                  overrides=["A.termination_value=0.2"])
    spec = experiment.spec
    assert (spec.design, spec.replications, spec.seed, spec.scenario) == ("grid", 3, 7, str(scenario))
    assert spec.set == {"A.termination_value": 0.2} and experiment.scenario.countries == ("A", "B")
    assert experiment.scenario.raw["countries"]["A"]["termination_value"] == 0.2
    assert {name: (p.paths, p.levels) for name, p in spec.parameters.items()} == {
        "A.strategy.name": (["A.strategy.name"], ["linear", "conceder"]),
        "B.strategy.name": (["B.strategy.name"], ["linear", "conceder"])}


def test_every_assignment_exactly_seeds_times_with_the_experiments_seeds():
    runs = tournament.play("pie-split", ["rubinstein", "hard_liner", "linear"], seeds=2, entropy=5, progress=False)
    assert len(runs) == 3 * 3 * 2 and runs["error"].isna().all()
    counts = runs.groupby(["A.strategy.name", "B.strategy.name"]).size()
    assert len(counts) == 9 and (counts == 2).all()
    assert list(runs["seed"]) == [run_seed(5, c, r) for c, r in zip(runs["cell"], runs["replication"], strict=True)]
    # rows are real runs: each equals a direct run with the same assignment and seed
    row = runs[(runs["A.strategy.name"] == "linear") & (runs["B.strategy.name"] == "hard_liner")].iloc[1]
    direct = bargaining.run("pie-split", {"A.strategy.name": "linear", "B.strategy.name": "hard_liner"},
                            seed=int(row["seed"]), record=False)
    assert (row["outcome"], row["round"], row["utility.A"]) == (direct.outcome, direct.round, direct.utilities["A"])
    rub = runs[(runs["A.strategy.name"] == "rubinstein") & (runs["B.strategy.name"] == "rubinstein")]
    assert (rub["outcome"] == "deal").all() and np.allclose(rub["utility.A"], 1 / 1.9)  # (1-d)/(1-d^2), d = 0.9


def test_same_seeds_give_the_same_table():
    kwargs = dict(strategies=["boulware", "conceder"], seeds=2, progress=False)
    first = tournament.play("nafta-2017", entropy=3, **kwargs)
    assert first.equals(tournament.play("nafta-2017", entropy=3, **kwargs))
    other = tournament.play("nafta-2017", entropy=4, **kwargs)
    assert not set(first["seed"]) & set(other["seed"])


def test_standings_are_means_and_deal_rates():
    scenario = bargaining.load_scenario("pie-split")
    runs = tournament.play("pie-split", ["hard_liner", "conceder"], seeds=3, progress=False)
    table = tournament.standings(scenario, runs)
    assert list(table.columns) == ["country", "strategy", "mean_utility", "mean_surplus", "deal_rate", "runs"]
    assert len(table) == 2 * 2 and (table["runs"] == 6).all()
    mine = runs[runs["A.strategy.name"] == "hard_liner"]
    row = table[(table["country"] == "A") & (table["strategy"] == "hard_liner")].iloc[0]
    assert row["mean_utility"] == pytest.approx(mine["utility.A"].mean())
    assert row["mean_surplus"] == pytest.approx(mine["utility.A"].mean() - scenario.initial_walk_away[0])
    assert row["deal_rate"] == pytest.approx((mine["outcome"] == "deal").mean())
    # A tables first in every round (random_order off), so in the deadline round, where every strategy is
    # down to its walk-away value 0, A gives B the whole pie: B's hard-liner always holds out for it
    row = table[(table["country"] == "B") & (table["strategy"] == "hard_liner")].iloc[0]
    assert row["mean_utility"] == pytest.approx(1.0) and row["deal_rate"] == 1.0
    assert table[table["country"] == "B"].iloc[0]["strategy"] == "hard_liner"


def test_surplus_is_over_the_walk_away_value_with_the_fixed_overrides():
    experiment = tournament.tournament_experiment("nafta-2017", ["linear"], seeds=1,
                                                  overrides={"US.termination_value": 0.6})
    runs = tournament.play("nafta-2017", ["linear"], seeds=1, overrides={"US.termination_value": 0.6},
                           progress=False)
    table = tournament.standings(experiment.scenario, runs)
    walk_away = experiment.scenario.initial_walk_away[0]
    assert walk_away != bargaining.load_scenario("nafta-2017").initial_walk_away[0]
    assert table.loc[0, "mean_surplus"] == pytest.approx(runs["utility.US"].iloc[0] - walk_away)


def test_default_strategies_fit_the_scenario():
    assert "rubinstein" not in tournament.default_strategies(bargaining.load_scenario("nafta-2017"))
    assert "rubinstein" in tournament.default_strategies(bargaining.load_scenario("pie-split"))
    assert "time_dependent" not in tournament.default_strategies(bargaining.load_scenario("pie-split"))


def test_cli_writes_the_sweep_folder_standings_and_figure(tmp_path, capsys):
    out = tmp_path / "t"
    assert cli.main([*PIE, "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "hard_liner" in printed and "deal rate" in printed and "8 runs in" in printed
    assert {p.name for p in out.iterdir()} == {".lock", "experiment.json", "runs", "standings.csv", "tournament.png"}
    manifest = json.loads((out / "experiment.json").read_text())
    assert manifest["complete"] and manifest["n_runs"] == 8 and manifest["spec"]["name"] == "tournament-pie-split"
    runs = read_runs(out)
    table = pd.read_csv(out / "standings.csv")
    assert len(runs) == 8 and len(table) == 4
    pd.testing.assert_frame_equal(table, tournament.standings(bargaining.load_scenario("pie-split"), runs))
    assert (out / "tournament.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert cli.main(["report", str(out)]) == 0  # the experiment's own report reads a tournament folder


def test_cli_serial_and_two_workers_give_identical_tables(tmp_path, capsys):
    argv = ["tournament", "nafta-2017", "--seeds", "2", "--strategies", "boulware,tit_for_tat_relative",
            "--no-progress"]
    assert cli.main([*argv, "--workers", "1", "--out", str(tmp_path / "serial")]) == 0
    assert cli.main([*argv, "--workers", "2", "--out", str(tmp_path / "pooled")]) == 0
    assert "2 local processes" in capsys.readouterr().out
    serial, pooled = read_runs(tmp_path / "serial"), read_runs(tmp_path / "pooled")
    assert len(serial) == 2**3 * 2 and serial.equals(pooled)
    assert pd.read_csv(tmp_path / "serial" / "standings.csv").equals(pd.read_csv(tmp_path / "pooled" /
                                                                                  "standings.csv"))


def test_cli_interrupted_then_resumed_gives_the_uninterrupted_table(tmp_path, capsys, monkeypatch):
    from bargaining.experiment import runs as runs_module

    out, reference = tmp_path / "out", tmp_path / "reference"
    pie = [*PIE[:-2], "linear,hard_liner,boulware", "--no-progress"]  # 9 assignments, a task each
    assert cli.main([*pie, "--workers", "1", "--out", str(reference)]) == 0
    calls = []

    run_variants = runs_module.run_variants  # a task's cells run as one batch (issue 20)

    def interrupted(*args, **kwargs):  # Ctrl-C in the 6th assignment's batch, after some tasks are stored
        calls.append(1)
        if len(calls) == 6:
            raise KeyboardInterrupt
        return run_variants(*args, **kwargs)

    monkeypatch.setattr(runs_module, "run_variants", interrupted)
    with pytest.raises(SystemExit) as exit_:
        cli.main([*pie, "--workers", "1", "--out", str(out)])
    assert exit_.value.code == 130
    partial = read_runs(out)
    assert 0 < len(partial) < 18 and not json.loads((out / "experiment.json").read_text())["complete"]
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith(f"interrupted: the finished batches are in {out}; continue with: ")
    again = last.split("continue with: ")[1]
    assert again.startswith("bargaining tournament pie-split ") and again.endswith(f"--out {out} --resume")
    monkeypatch.undo()
    assert cli.main([*shlex.split(again)[1:], "--workers", "1", "--no-progress"]) == 0
    assert f"{len(partial)} runs were already done" in capsys.readouterr().out
    assert read_runs(out).equals(read_runs(reference))
    assert pd.read_csv(out / "standings.csv").equals(pd.read_csv(reference / "standings.csv"))


@pytest.mark.parametrize("argv, message", [
    (["--strategies", "linear,nope"], "nope"),
    (["--seeds", "0"], "seeds"),
    (["--workers", "0"], "workers: expected a number of processes in 1.."),
])
def test_cli_bad_input_exit_2_nothing_written(tmp_path, capsys, argv, message):
    out = tmp_path / "t"
    assert cli.main(["tournament", "pie-split", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and len(err.strip().splitlines()) == 1
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_cli_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert cli.main(["tournament", "pie-split", "--seeds", "1", "--out", str(target)]) == 2
    assert "expected a folder" in capsys.readouterr().err
    assert target.read_text() == "x"


def test_experiment_script_quick(tmp_path):
    import importlib.util

    path = Path(__file__).parents[1] / "experiments" / "tournament.py"
    spec = importlib.util.spec_from_file_location("experiment_tournament", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(["--quick", "--workers", "1", "--out", str(tmp_path)])
    assert {p.name for p in tmp_path.iterdir()} == {".lock", "experiment.json", "runs", "standings.csv",
                                                   "tournament.png", "summary.md"}
    assert len(read_runs(tmp_path)) == 3**3 * 2
    assert "**US**: best with" in (tmp_path / "summary.md").read_text()
