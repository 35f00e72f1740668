"""The results store: a Parquet dataset written one part file per finished batch.

Layout of a results folder::

    DIR/experiment.json       the experiment (spec, fingerprint, number of runs, complete or not)
    DIR/runs/part-FIRST-LAST.parquet   one file per batch, written to a temporary name then renamed

A part appears whole or not at all, so a sweep killed at any moment leaves only complete parts; ``--resume``
reads which runs they hold and runs only the others: none lost, none twice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from .spec import Experiment, ExperimentError

MANIFEST = "experiment.json"


class Store:
    """A results folder for one experiment.

    Args:
        root: The folder.
        schema: Columns of a run row (see ``runs.Layout.schema``).
    """

    def __init__(self, root: str | Path, schema: pa.Schema | None = None):
        self.root = Path(root)
        self.parts = self.root / "runs"
        self.schema = schema

    # ------------------------------------------------------------------------------------ opening
    @classmethod
    def open(cls, root: str | Path, experiment: Experiment, size: dict, schema: pa.Schema,
             resume: bool = False) -> Store:
        """Check a folder for a sweep: new (or empty), or, with ``resume``, one holding the same experiment.
        Nothing is written until :meth:`start`.

        Args:
            size: ``n_runs``, ``n_cells`` and ``replications`` (kept in the manifest).

        Raises:
            ExperimentError: The folder holds results and ``resume`` is off, or holds another experiment.
        """
        store = cls(root, schema)
        store._manifest = {**experiment.to_json(), **size, "complete": False}
        manifest = store.manifest()
        if manifest is not None:
            if not resume:
                raise ExperimentError(f"{store.root}: already holds results of {manifest['spec']['name']!r}; "
                                      f"expected an empty folder, or --resume to continue that sweep")
            if manifest["fingerprint"] != experiment.fingerprint():
                raise ExperimentError(f"{store.root}: --resume: expected results of this experiment "
                                      f"(fingerprint {experiment.fingerprint()}), found another experiment or "
                                      f"version (fingerprint {manifest['fingerprint']}); use another --out")
        if store.root.exists() and not store.root.is_dir():
            raise ExperimentError(f"{store.root}: expected a folder for the results, found a file")
        return store

    def start(self) -> None:
        """Create the folder and write the manifest; drop any half-written part of an interrupted sweep.

        Raises:
            ExperimentError: The folder cannot be written.
        """
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
            for tmp in self.parts.glob("*.tmp"):
                tmp.unlink()
            self._write_manifest(self._manifest)
        except OSError as exc:
            raise ExperimentError(f"{self.root}: cannot write results: {exc.strerror or exc}") from None

    def manifest(self) -> dict | None:
        path = self.root / MANIFEST
        return json.loads(path.read_text()) if path.exists() else None

    def _write_manifest(self, manifest: dict) -> None:
        tmp = self.root / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2) + "\n")
        os.replace(tmp, self.root / MANIFEST)

    def mark_complete(self) -> None:
        self._write_manifest({**self.manifest(), "complete": True})

    # ------------------------------------------------------------------------------------ writing
    def done(self, n_runs: int) -> np.ndarray:
        """Which runs the finished parts hold (a boolean array over run indices)."""
        done = np.zeros(n_runs, dtype=bool)
        for part in sorted(self.parts.glob("part-*.parquet")):
            done[pq.read_table(part, columns=["run"]).column("run").to_numpy()] = True
        return done

    def write(self, columns: dict[str, list]) -> int:
        """Write one batch's rows as a part file (atomically); return the number of rows."""
        table = pa.Table.from_pydict(columns, schema=self.schema)
        runs = table.column("run").to_numpy()
        part = self.parts / f"part-{runs.min():09d}-{runs.max():09d}.parquet"
        tmp = part.with_suffix(".tmp")
        pq.write_table(table, tmp)
        os.replace(tmp, part)
        return table.num_rows

    # ------------------------------------------------------------------------------------ reading
    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """All rows, ordered by run."""
        return read_runs(self.root, columns)


def read_runs(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The run table of a results folder, ordered by run (one row per run)."""
    parts = Path(root) / "runs"
    files = sorted(parts.glob("part-*.parquet"))
    if not files:
        raise ExperimentError(f"{root}: no results (expected {parts}/part-*.parquet)")
    table = ds.dataset(files, format="parquet").to_table(columns=columns)
    return table.to_pandas().sort_values("run", kind="stable").reset_index(drop=True)
