"""The Axelrod-style tournament: every assignment over common seeds, the standings table, the figure, the CLI."""

import numpy as np
import pandas as pd
import pytest

import bargaining
from bargaining import cli, tournament


def test_every_assignment_over_common_seeds():
    runs = tournament.play("pie-split", ["rubinstein", "hard_liner", "linear"], seeds=2, progress=False)
    assert len(runs) == 3 * 3 * 2
    pairs = set(zip(runs["strategy_A"], runs["strategy_B"], strict=True))
    assert len(pairs) == 9
    assert list(runs["seed"][:2]) == tournament.seeds_for(2)
    assert (runs.groupby(["strategy_A", "strategy_B"])["seed"].apply(list).map(tuple).nunique()) == 1
    # rows are real runs: each equals a direct run with the same assignment and seed
    row = runs[(runs["strategy_A"] == "linear") & (runs["strategy_B"] == "hard_liner")].iloc[1]
    direct = bargaining.run("pie-split", {"A.strategy.name": "linear", "B.strategy.name": "hard_liner"},
                            seed=int(row["seed"]), record=False)
    assert (row["outcome"], row["round"], row["u_A"]) == (direct.outcome, direct.round, direct.utilities["A"])
    rub = runs[(runs["strategy_A"] == "rubinstein") & (runs["strategy_B"] == "rubinstein")]
    assert (rub["outcome"] == "deal").all() and np.allclose(rub["u_A"], 1 / 1.9)  # (1-d)/(1-d^2), d = 0.9


def test_standings_are_means_and_deal_rates():
    scenario = bargaining.load_scenario("pie-split")
    runs = tournament.play(scenario, ["hard_liner", "conceder"], seeds=3, progress=False)
    table = tournament.standings(scenario, runs)
    assert list(table.columns) == ["country", "strategy", "mean_utility", "mean_surplus", "deal_rate", "runs"]
    assert len(table) == 2 * 2 and (table["runs"] == 6).all()
    mine = runs[runs["strategy_A"] == "hard_liner"]
    row = table[(table["country"] == "A") & (table["strategy"] == "hard_liner")].iloc[0]
    assert row["mean_utility"] == pytest.approx(mine["u_A"].mean())
    assert row["mean_surplus"] == pytest.approx(mine["u_A"].mean() - scenario.initial_walk_away[0])
    assert row["deal_rate"] == pytest.approx((mine["outcome"] == "deal").mean())
    # A tables first in every round (random_order off), so in the deadline round, where every strategy is
    # down to its walk-away value 0, A gives B the whole pie: B's hard-liner always holds out for it
    row = table[(table["country"] == "B") & (table["strategy"] == "hard_liner")].iloc[0]
    assert row["mean_utility"] == pytest.approx(1.0) and row["deal_rate"] == 1.0
    assert table[table["country"] == "B"].iloc[0]["strategy"] == "hard_liner"


def test_same_tables_serial_and_in_processes():
    kwargs = dict(strategies=["boulware", "tit_for_tat_relative"], seeds=2, progress=False)
    serial = tournament.play("nafta-2017", workers=1, **kwargs)
    pooled = tournament.play("nafta-2017", workers=2, **kwargs)
    pd.testing.assert_frame_equal(serial, pooled)
    assert len(serial) == 2**3 * 2


def test_default_strategies_fit_the_scenario():
    assert "rubinstein" not in tournament.default_strategies(bargaining.load_scenario("nafta-2017"))
    assert "rubinstein" in tournament.default_strategies(bargaining.load_scenario("pie-split"))
    assert "time_dependent" not in tournament.default_strategies(bargaining.load_scenario("pie-split"))


def test_cli_writes_table_runs_and_figure(tmp_path, capsys):
    out = tmp_path / "t"
    code = cli.main(["tournament", "pie-split", "--seeds", "2", "--strategies", "linear,hard_liner",
                     "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr()
    assert "hard_liner" in printed.out and "deal rate" in printed.out
    table = pd.read_csv(out / "tournament-pie-split.csv")
    assert len(table) == 4
    assert len(pd.read_csv(out / "tournament-pie-split-runs.csv")) == 8
    png = (out / "tournament-pie-split.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, message", [
    (["--strategies", "linear,nope"], "nope"),
    (["--seeds", "0"], "seeds"),
])
def test_cli_bad_input_exit_2_nothing_written(tmp_path, capsys, argv, message):
    out = tmp_path / "t"
    assert cli.main(["tournament", "pie-split", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error:") and message in err and "Traceback" not in err
    assert not out.exists()


def test_cli_out_is_a_file(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert cli.main(["tournament", "pie-split", "--seeds", "1", "--out", str(target)]) == 2
    assert "expected a folder" in capsys.readouterr().err
    assert target.read_text() == "x"


def test_experiment_script_quick(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "experiments" / "tournament.py"
    spec = importlib.util.spec_from_file_location("experiment_tournament", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.main(["--quick", "--workers", "1", "--out", str(tmp_path)])
    assert {p.name for p in tmp_path.iterdir()} == {"runs.csv", "standings.csv", "tournament.png", "summary.md"}
    assert len(pd.read_csv(tmp_path / "runs.csv")) == 3**3 * 2
    assert "**US**: best with" in (tmp_path / "summary.md").read_text()
