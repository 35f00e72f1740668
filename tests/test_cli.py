"""The `bargaining` command as a user meets it."""

import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

import bargaining
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


@pytest.mark.parametrize("argv, message", [
    (["run", "nafta-2017", "--set", "CA.weights.auto_rvc=nan"],
     "nafta-2017: countries.CA.weights.auto_rvc: expected a finite number, found nan"),
    (["show", "nafta-2017", "--set", "US.congress.weights.sunset=nan"],
     "nafta-2017: countries.US.congress.weights.sunset: expected a finite number, found nan"),
    (["run", "nafta-2017", "--set", "issues.customs.bounds=[0.0, inf]"],
     "nafta-2017: issues.customs.bounds.1: expected a finite number, found inf"),
    (["run", "nafta-2017", "--set", "US.strategy.beta=inf"],
     "nafta-2017: countries.US.strategy.beta: expected a finite number, found inf"),
    (["run", "nafta-2017", "--set", "US.ideal.auto_rvc=true"],
     "nafta-2017: countries.US.ideal.auto_rvc: expected a valid number, found True"),
    (["run", "nafta-2017", "--set", "protocol.deadline_round=8.0"],
     "nafta-2017: protocol.deadline_round: expected a valid integer, found 8.0"),
    (["run", "nafta-2017", "--seed", "-1"], "seed: expected an integer >= 0, found -1"),
    (["run", "nafta-2017", "--set", "calendar.months_per_round=inf"],
     "nafta-2017: calendar.months_per_round: expected a finite number, found inf"),
    (["run", "nafta-2017", "--set", "calendar.months_per_round=1e300"],
     "nafta-2017: calendar.months_per_round: expected a calendar whose last possible round (30) falls by the year "
     "9999, found 1e+300 months a round"),
    (["run", "nafta-2017", "--set", "protocol.horizon_round=1000000000"],
     "nafta-2017: protocol.horizon_round: expected less than or equal to 10000, found 1000000000"),
    (["run", "nafta-2017", "--set", "MX.election.strategy.name=[1,2]"],
     "nafta-2017: countries.MX.election.strategy.name: expected one of ['boulware', 'conceder', 'hard_liner', "
     "'linear', 'opponent_model', 'rubinstein', 'time_dependent', 'tit_for_tat', 'tit_for_tat_absolute', "
     "'tit_for_tat_relative'], found [1, 2]"),
    (["run", "nafta-2017", "--set", "MX.strategy.name=opponent_model", "--set", "MX.strategy.resolution=1e-300"],
     "nafta-2017: countries.MX.strategy.resolution: expected greater than or equal to 0.000001, found 1e-300"),
    (["run", "nafta-2017", "--plot", "f.xyz"], "f.xyz: expected a figure file ending in one of .avif, .eps, "),
])
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: {message}") and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())  # nothing written


def test_a_figure_never_replaces_a_folder_or_a_special_file(tmp_path, capsys):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)  # as /dev/null is: writing the figure must not replace it
    for target, found in ((tmp_path, "a folder"), (fifo, "a special file")):
        assert main(["run", "pie-split", "--plot", str(target)]) == 2
        assert capsys.readouterr().err == f"error: {target}: expected a figure file name, found {found}\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode) and sorted(tmp_path.iterdir()) == [fifo]


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("bargaining.cli.run.run", interrupted)
    assert main(["run", "pie-split"]) == 130
    assert capsys.readouterr() == ("", "interrupted\n")


@pytest.mark.parametrize("kwargs, message", [
    ({"seed": -1}, "seed: expected an integer >= 0, found -1"),
    ({"seed": 1.5}, "seed: expected an integer >= 0, found 1.5"),
    ({"seed": True}, "seed: expected an integer >= 0, found True"),
    ({"seed": 2**64}, "seed: expected an integer below 2**64, found 18446744073709551616"),
    ({"overrides": 5}, "overrides: expected a list of 'PATH=VALUE' strings or a dict {PATH: value}, found 5"),
    ({"overrides": "US.termination_value=0.6"}, "overrides: expected a list of 'PATH=VALUE' strings or a dict "
     "{PATH: value}, found 'US.termination_value=0.6'"),
    ({"overrides": {"US.termination_value": float("nan")}},
     "nafta-2017: countries.US.termination_value: expected a finite number, found nan"),
])
def test_python_api_raises_the_packages_error_with_the_same_message(kwargs, message):
    with pytest.raises(bargaining.ScenarioError) as err:
        bargaining.run("nafta-2017", **kwargs)
    assert str(err.value) == message


def test_numpy_values_are_plain_values():
    result = bargaining.run("pie-split", {"A.termination_value": np.float64(0.1)}, seed=np.int64(3))
    assert result.seed == 3 and type(result.seed) is int
    assert result.to_dict() == bargaining.run("pie-split", {"A.termination_value": 0.1}, seed=3).to_dict()


def test_an_error_naming_a_key_with_a_newline_stays_on_one_line():
    """A key read from a file may hold control characters (the fuzz found an issue named "\\n" in a GeniusWeb file):
    the error line writes them as escapes."""
    from bargaining.cli.main import one_line

    assert one_line("issuesValues.\n: expected x, found 0") == "issuesValues.\\n: expected x, found 0"
    assert one_line("a\rb\x00c\u2028d é ü") == "a\\rb\\x00c\\u2028d é ü"


def test_an_error_shortens_a_number_of_hundreds_of_digits(capsys):
    """Out-of-range values as long as a page (10**300 for a termination value) are named by their first digits and
    their length; numbers of up to 40 digits are written in full."""
    from bargaining.cli.main import one_line

    huge = "1" + "0" * 300
    assert main(["run", "nafta-2017", "--set", f"US.termination_value={huge}"]) == 2
    assert capsys.readouterr().err == ("error: nafta-2017: countries.US.termination_value: expected less than or "
                                       "equal to 1, found 100000000000... (301 digits)\n")
    assert one_line("found " + "9" * 40) == "found " + "9" * 40
    assert one_line("found -" + "9" * 41) == "found -999999999999... (41 digits)"
