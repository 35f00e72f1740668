"""Without the extra bargaining[negmas]: bargaining works, and a ``negmas:`` name says in one line (exit 2) how to
install it. NegMAS's absence is simulated (``sys.modules["negmas"] = None``), so these run with or without it."""

import subprocess
import sys

import pytest

import bargaining
from bargaining import cli

NO_NEGMAS = ("import sys; sys.modules['negmas'] = None; from bargaining.cli.main import main; "
             "sys.exit(main(sys.argv[1:]))")  # ``import negmas`` fails, as without the extra


def test_without_negmas_one_line_says_how_to_install_it_in_a_real_process():
    proc = subprocess.run([sys.executable, "-c", NO_NEGMAS, "run", "pie-split", "--set",
                           "A.strategy.name=negmas:Atlas3"], capture_output=True, text=True)
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1
    assert proc.stderr == "error: negmas:Atlas3: needs NegMAS, which is not installed; install the optional extra " \
                          "(AGPL-3.0): pip install 'bargaining[negmas]'\n"


@pytest.mark.parametrize("args", [["tournament", "pie-split", "--negmas-agents", "Atlas3", "--seeds", "1"],
                                  ["strategies", "--negmas"]])
def test_without_negmas_every_front_end_says_it_in_one_line(args, tmp_path, monkeypatch, capsys):
    from bargaining.negmas import common, seat

    monkeypatch.setitem(sys.modules, "negmas", None)  # ``import negmas`` fails, as without the extra
    common._catalogue.cache_clear()
    seat.seat_class.cache_clear()
    out = tmp_path / "t"
    assert cli.main([*args, *(["--out", str(out)] if args[0] == "tournament" else [])]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "needs NegMAS, which is not installed" in err and "bargaining[negmas]" in err
    assert not out.exists()
    assert bargaining.run("pie-split", seed=1).outcome == "deal"  # bargaining's own strategies still play
    seat.seat_class.cache_clear()
