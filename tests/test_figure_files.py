"""Figures written to files: importing the figure modules chooses no matplotlib backend, and a write that
fails leaves no empty or partial file behind (``plots.save_figure``, used by every figure writer)."""

import errno
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure

import bargaining
from bargaining.experiment import figures, tournament
from bargaining.figures import run as plots
from bargaining.figures import teaching as tp

ROOT = Path(__file__).resolve().parents[1]
MODULES = ["bargaining.figures.run", "bargaining.figures.teaching", "bargaining.sampled",
           "bargaining.experiment.report", "bargaining.experiment.figures", "bargaining.experiment.tables",
           "bargaining.experiment.tournament", "bargaining.classroom"]


def test_importing_the_figure_modules_leaves_the_backend_alone():
    """In a fresh interpreter (no MPLBACKEND): no backend is selected and pyplot is not imported."""
    code = ("import sys, matplotlib\n"
            "before = matplotlib.get_backend(auto_select=False)\n"
            f"for name in {MODULES!r}:\n"
            "    __import__(name)\n"
            "print(before, matplotlib.get_backend(auto_select=False), 'matplotlib.pyplot' in sys.modules)\n")
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "None", "False"]


def _figure() -> Figure:
    fig = Figure(figsize=(2, 2))
    fig.subplots().plot([0, 1], [1, 0])
    return fig


def test_save_figure_writes_the_format_of_the_suffix(tmp_path):
    path = plots.save_figure(_figure(), tmp_path / "new" / "folder" / "a.svg", dpi=50)
    assert path == tmp_path / "new" / "folder" / "a.svg"
    assert path.read_text().lstrip().startswith("<?xml")
    assert plots.save_figure(_figure(), tmp_path / "b", dpi=50).read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "new"]  # no temporary file left


@pytest.fixture
def full_disk(monkeypatch):
    """Every Figure.savefig writes a few bytes, then fails as on a full disk."""
    def savefig(self, file, **kwargs):
        file.write(b"\x89PNG partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Figure, "savefig", savefig)


def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path, full_disk):
    with pytest.raises(OSError, match="No space left"):
        plots.save_figure(_figure(), tmp_path / "a.png", dpi=50)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "b.png").write_bytes(b"the old figure")
    with pytest.raises(OSError):
        plots.save_figure(_figure(), tmp_path / "b.png", dpi=50)
    assert [p.name for p in tmp_path.iterdir()] == ["b.png"]
    assert (tmp_path / "b.png").read_bytes() == b"the old figure"


def _trajectory(path):
    scenario = bargaining.load_scenario("pie-split")
    plots.trajectory(scenario, bargaining.run(scenario, seed=0, record=True), path)


def _zone_slice(path):
    tp.zone_slice(bargaining.load_scenario("nafta-2017"), "auto_rvc", "us_content", n=5, path=path)


def _tournament(path):
    scenario = bargaining.load_scenario("pie-split")
    runs = tournament.play("pie-split", ["linear"], seeds=1, progress=False)
    tournament.figure(scenario, tournament.standings(scenario, runs), path)


def _deadline(path):
    runs = pd.DataFrame({"outcome": ["deal", "deal"], "round": [3, 5], "deadline": [4, 4]})
    figures.plot_deadline(runs, "deadline", None, path)


@pytest.mark.parametrize("write", [_trajectory, _zone_slice, _tournament, _deadline])
def test_every_figure_writer_leaves_no_partial_file(write, tmp_path, full_disk):
    with pytest.raises(OSError, match="No space left"):
        write(tmp_path / "figure.png")
    assert list(tmp_path.iterdir()) == []
