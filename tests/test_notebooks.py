"""Every notebook runs top to bottom (nbclient, a real Jupyter kernel), answers included."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_teaching_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == ["01_nafta_tour.ipynb", "02_experiments.ipynb", "03_classroom.ipynb",
                                           "04_calibration.ipynb", "05_more_cases.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    answers = [c for c in nb.cells if c.metadata.get("jupyter", {}).get("source_hidden")]
    assert answers, "exercises need answers in collapsed cells"
    assert not any("class " in c.source and "(" in c.source.split("class ", 1)[1].split(":")[0]
                   for c in nb.cells if c.cell_type == "code"), "notebooks define no model classes"
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert errors == []
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.get("outputs", []))
    assert images >= (2 if path.stem != "03_classroom" else 1)
