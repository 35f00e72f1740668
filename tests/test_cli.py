"""The `bargaining` command as a user meets it."""

import json
import subprocess
import sys

import pytest

from bargaining.cli import main


def bargaining_cli(*args):
    return subprocess.run([sys.executable, "-m", "bargaining.cli", *args], capture_output=True, text=True, check=True)


def test_run_json_is_byte_identical_for_a_seed():
    first = bargaining_cli("run", "nafta-2017", "--seed", "7", "--json").stdout
    second = bargaining_cli("run", "nafta-2017", "--seed", "7", "--json").stdout
    assert first == second
    data = json.loads(first)
    assert {"outcome", "round", "agreement", "utilities", "walk_away", "seed"} <= set(data)
    assert data["seed"] == 7 and set(data["utilities"]) == {"US", "CA", "MX"}


def test_run_json_without_a_deal_has_null_agreement(capsys):
    assert main(["run", "nafta-2017", "--set", "US.termination_value=0.9", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "withdrawal" and data["agreement"] is None


def test_readable_run_and_plot(tmp_path, capsys):
    png = tmp_path / "out" / "run.png"
    assert main(["run", "nafta-2017", "--seed", "7", "--plot", str(png)]) == 0
    out = capsys.readouterr().out
    assert "nafta-2017, seed 7: DEAL in round 7 (2018-02)" in out
    assert "US opening" in out and "agreed" in out and "walk-away" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_unwritable_plot_is_a_clear_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["run", "nafta-2017", "--plot", str(blocker / "fig.png")]) == 2
    assert "cannot write the figure" in capsys.readouterr().err


def test_show_json_shape(capsys):
    assert main(["show", "nafta-2017", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    issues = {i["name"]: i for i in data["issues"]}
    assert issues["auto_rvc"]["bounds"] == [50.0, 85.0] and issues["auto_rvc"]["status_quo"] == 62.5
    assert issues["sunset"]["kind"] == "ordinal" and issues["sunset"]["levels"][0] == "none"
    us = data["countries"]["US"]
    assert {"ideal", "weights", "red_lines", "termination_value", "status_quo_utility", "walk_away"} <= set(us)
    assert us["walk_away"] == pytest.approx(max(us["termination_value"], us["status_quo_utility"]))
    ca = data["countries"]["CA"]
    assert ca["walk_away"] == pytest.approx(ca["belief"] * ca["termination_value"]
                                            + (1 - ca["belief"]) * ca["status_quo_utility"])
    assert data["zopa"] is True


def test_show_reports_a_closed_zone(capsys):
    assert main(["show", "nafta-2017", "--set", "US.termination_value=0.9"]) == 0
    assert "No zone of agreement" in capsys.readouterr().out


def test_scenarios_lists_bundled(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("nafta-2017") and "pie-split" in out
