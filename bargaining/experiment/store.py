"""The results store: a Parquet dataset written one part file per finished task.

Layout of a results folder::

    DIR/experiment.json       the experiment (spec, fingerprint, number of runs, complete or not)
    DIR/runs/part-FIRST-LAST.parquet   one file per task, written to a temporary name then renamed
    DIR/.lock                 held by the sweep writing to the folder (released when it ends, however it ends)

A part appears whole or not at all, so a sweep killed at any moment leaves only complete parts; ``--resume``
reads which runs they hold and runs only the others: none lost, none twice. The folder is the experiment's
own: a sweep writes only into a new or empty folder, or into one holding this experiment's results
(``--resume``), and only one sweep at a time. Each part carries the experiment's fingerprint, so a folder
whose experiment.json was lost can still be resumed. A part that cannot be read (a damaged disk, a
truncated copy) is named by ``report``; ``--resume`` sets it aside (``.corrupt``) and runs its runs again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from filelock import FileLock, Timeout
from pydantic import ValidationError

from ..files import write_text, write_whole
from ..scenario import validation_message
from .spec import Experiment, ExperimentError, ExperimentSpec

MANIFEST = "experiment.json"
LOCK = ".lock"
#: Keys every manifest holds.
MANIFEST_KEYS = {"origin", "quick", "spec", "scenario", "fingerprint", "n_runs", "n_cells", "replications",
                 "complete"}


def read_manifest(root: str | Path) -> dict | None:
    """A results folder's ``experiment.json``, or None without one.

    Raises:
        ExperimentError: It cannot be read, naming it and how to recover.
    """
    path = Path(root) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        problem = str(exc)
    else:
        if (isinstance(manifest, dict) and MANIFEST_KEYS <= set(manifest) and isinstance(manifest["fingerprint"], str)
                and all(type(manifest[k]) is int for k in ("n_runs", "n_cells", "replications"))):
            try:
                ExperimentSpec.model_validate(manifest["spec"])
                return manifest
            except ValidationError as exc:
                problem = f"spec.{validation_message(exc, manifest['spec'])}"
        else:
            problem = f"expected an object with the keys {sorted(MANIFEST_KEYS)}"
    raise ExperimentError(f"{path}: cannot read the record of the sweep ({problem}); delete it and run the "
                          f"sweep again with --out {root} --resume: the stored runs are kept")


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
        self.set_aside: list[Path] = []  # unreadable parts renamed by done()

    # ------------------------------------------------------------------------------------ opening
    @classmethod
    def open(cls, root: str | Path, experiment: Experiment, size: dict, schema: pa.Schema,
             resume: bool = False) -> Store:
        """Check a folder for a sweep: new or empty, or, with ``resume``, one holding the same experiment.
        Nothing is written until :meth:`writing`.

        Args:
            size: ``n_runs``, ``n_cells`` and ``replications`` (kept in the manifest).

        Raises:
            ExperimentError: The folder is a file, holds other files, holds results and ``resume`` is off, or
                holds another experiment.
        """
        store = cls(root, schema.with_metadata({"fingerprint": experiment.fingerprint()}))
        store._manifest = {**experiment.to_json(), **size, "complete": False}
        store._check(resume)
        return store

    def _check(self, resume: bool) -> None:
        if not self.root.exists():
            return
        if not self.root.is_dir():
            raise ExperimentError(f"{self.root}: expected a folder for the results, found a file")
        fingerprint = self._manifest["fingerprint"]
        manifest = read_manifest(self.root)
        if manifest is None:
            marks = {_fingerprint(part) for part in self.parts.glob("part-*.parquet")} - {None}
            if resume and marks == {fingerprint}:
                return  # this experiment's runs, whose record was lost: it is written again
            others = sorted(p.name for p in self.root.iterdir() if p.name != LOCK
                            and not (p == self.parts and p.is_dir() and not any(p.iterdir())))
            if others:
                raise ExperimentError(f"{self.root}: holds files this experiment did not write (e.g. {others[0]!r}); "
                                      "expected a new or empty folder, or the results folder of this experiment")
            return
        if not resume:
            raise ExperimentError(f"{self.root}: already holds results of {manifest['spec'].get('name')!r}; "
                                  f"expected an empty folder, or --resume to continue that sweep")
        if manifest["fingerprint"] != fingerprint:
            raise ExperimentError(f"{self.root}: --resume: expected results of this experiment "
                                  f"(fingerprint {fingerprint}), found another experiment or "
                                  f"version (fingerprint {manifest['fingerprint']}); use another --out")

    @contextmanager
    def writing(self, resume: bool = False) -> Iterator[Store]:
        """Hold the folder's lock while a sweep writes: create the folder, check it again under the lock, drop
        any half-written part of an interrupted sweep and write the manifest.

        Raises:
            ExperimentError: Another sweep holds the lock, the folder changed since :meth:`open` and is no
                longer this sweep's, or it cannot be written.
        """
        lock = FileLock(self.root / LOCK, timeout=0)
        try:
            self.parts.mkdir(parents=True, exist_ok=True)
            lock.acquire()
        except Timeout:
            raise ExperimentError(f"{self.root}: another sweep is writing to this folder (it holds "
                                  f"{self.root / LOCK}); wait for it to end, or stop it and continue with "
                                  "--resume") from None
        except OSError as exc:
            raise ExperimentError(f"{self.root}: cannot write results: {exc.strerror or exc}") from None
        try:
            self._check(resume)
            for tmp in self.parts.glob("*.tmp"):
                tmp.unlink()
            self._write_manifest(self._manifest)
            yield self
        finally:
            lock.release()

    def manifest(self) -> dict | None:
        return read_manifest(self.root)

    def _write_manifest(self, manifest: dict) -> None:
        try:
            write_text(self.root / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        except OSError as exc:
            raise ExperimentError(f"{self.root}: cannot write {MANIFEST}: {exc.strerror or exc}; continue with "
                                  "--resume once the folder can be written") from None

    def mark_complete(self) -> None:
        self._write_manifest({**self._manifest, "complete": True})

    # ------------------------------------------------------------------------------------ writing
    def done(self, n_runs: int) -> np.ndarray:
        """Which runs the finished parts hold (a boolean array over run indices). A part that cannot be read,
        or holds runs the experiment does not have, is renamed ``*.corrupt`` (listed in ``set_aside``) and
        its runs count as not done."""
        done = np.zeros(n_runs, dtype=bool)
        for part in sorted(self.parts.glob("part-*.parquet")):
            try:
                runs = pq.read_table(part, columns=["run"]).column("run").to_numpy()
                if len(runs) and not (0 <= runs.min() and runs.max() < n_runs):
                    raise ValueError(f"runs outside 0..{n_runs - 1}")
            except (OSError, ValueError, KeyError, pa.ArrowException):
                os.replace(part, part.with_name(part.name + ".corrupt"))
                self.set_aside.append(part)
                continue
            done[runs] = True
        return done

    def write(self, rows: pa.Table) -> int:
        """Write one task's rows as a part file (atomically); return the number of rows.

        Raises:
            ExperimentError: The part cannot be written (a full disk): nothing of it is left.
        """
        table = rows.cast(self.schema)  # the same columns, marked with the experiment's fingerprint
        runs = table.column("run").to_numpy()
        part = self.parts / f"part-{runs.min():09d}-{runs.max():09d}.parquet"
        try:
            write_whole(part, lambda file: pq.write_table(table, file))
        except OSError as exc:
            raise ExperimentError(f"{self.root}: cannot write results: {exc.strerror or exc}; the runs stored "
                                  "so far are kept: continue with --resume once the folder can be written") from None
        return table.num_rows

    # ------------------------------------------------------------------------------------ reading
    def read(self, columns: list[str] | None = None) -> pd.DataFrame:
        """All rows, ordered by run."""
        return read_runs(self.root, columns)


def _fingerprint(part: Path) -> str | None:
    """The fingerprint of the experiment that wrote a part ("" if none is marked), None if it cannot be read."""
    try:
        return (pq.read_schema(part).metadata or {}).get(b"fingerprint", b"").decode(errors="replace")
    except (OSError, ValueError, pa.ArrowException):
        return None


def read_runs(root: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The run table of a results folder, ordered by run (one row per run).

    Raises:
        ExperimentError: No parts, or a part that cannot be read (named, with how to recover).
    """
    parts = Path(root) / "runs"
    files = sorted(parts.glob("part-*.parquet"))
    if not files:
        raise ExperimentError(f"{root}: no results (expected {parts}/part-*.parquet)")
    try:
        table = ds.dataset(files, format="parquet").to_table(columns=columns)
    except (OSError, ValueError, pa.ArrowException) as exc:
        bad, problem = _unreadable(files, exc)
        raise ExperimentError(f"{bad}: cannot read this part of the results ({problem}); continue the sweep with "
                              f"--out {root} --resume: it sets the part aside and runs its runs again") from None
    return table.to_pandas().sort_values("run", kind="stable").reset_index(drop=True)


def _unreadable(files: list[Path], exc: Exception) -> tuple[Path, str]:
    """The first part that cannot be read alone, or whose columns differ from the first part's, and why."""
    schema = None
    for part in files:
        try:
            found = pq.read_table(part).schema.remove_metadata()
        except (OSError, ValueError, pa.ArrowException) as error:
            return part, _first_line(error)
        if schema is not None and not found.equals(schema):
            return part, "its columns differ from the other parts'"
        schema = schema or found
    return files[0], _first_line(exc)


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
