"""Run an experiment: plan the runs, farm tasks out to an executor, store each task's rows as it finishes.

A task holds runs grouped by cell (each cell's runs run as one batch, ``runs.run_task``). Only a bounded number
of tasks is in flight at any time and each is written to disk as soon as it returns, so memory stays flat
however many runs a sweep has.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
from tqdm import tqdm

from .designs import Design
from .executors import default_workers, open_executor
from .runs import Layout, Task, run_task
from .spec import Experiment, ExperimentError
from .store import Store


@dataclass
class SweepSummary:
    """What a sweep did: runs in the experiment, runs done now and before, errors, outcome counts."""

    out: Path
    executor: str
    n_runs: int
    ran: int
    resumed: int
    seconds: float
    outcomes: Counter = field(default_factory=Counter)
    errors: int = 0
    first_error: str | None = None
    set_aside: list[str] = field(default_factory=list)

    @property
    def runs_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else float("nan")

    def text(self) -> str:
        lines = [f"unreadable part set aside (renamed *.corrupt), its runs run again: {part}"
                 for part in self.set_aside]
        lines += [f"{self.ran:,} runs in {self.seconds:.1f} s ({self.runs_per_second:,.0f} runs/s) on "
                  f"{self.executor}" + (f"; {self.resumed:,} runs were already done" if self.resumed else "")]
        total = sum(self.outcomes.values())
        if total:
            shares = ", ".join(f"{k} {v / total:.1%}" for k, v in sorted(self.outcomes.items()))
            lines.append(f"outcomes of the runs done now: {shares}")
        if self.errors:
            lines.append(f"{self.errors:,} runs raised an error (recorded in the `error` column), e.g. "
                         f"{self.first_error}")
        lines.append(f"results: {self.out}")
        return "\n".join(lines)


#: By default a task holds about 1/32 of the runs (16 tasks a worker on 2 cores; an interruption loses at most a
#: task per worker), whole cells together, at most ``MAX_TASK`` runs; a bigger cell is cut into parts of at least
#: ``MIN_PART`` runs. A task's runs run as one heterogeneous batch, one model per structure (e.g. per deadline),
#: whose cost per round is mostly fixed: sensitivity.toml (Sobol, 4 runs a cell, 9 deadlines) costs about 1.1 CPU s
#: per 1,000 runs in tasks of 264 runs, 0.5 in tasks of 2,048 and 0.25 in tasks of 8,192 (BENCHMARKS.md).
MIN_PART, MAX_TASK = 250, 8_192


def task_size(n_runs: int) -> int:
    """Runs per task by default: about 1/32 of the runs, at most ``MAX_TASK``."""
    return int(min(MAX_TASK, max(1, -(-n_runs // 32))))


def tasks(experiment: Experiment, design: Design, layout: Layout, todo: np.ndarray) -> Iterator[Task]:
    """The tasks that cover the runs in ``todo`` (sorted run indices), in order: whole cells together, up to
    ``batch`` runs (default ``task_size``) or one cell; a cell with more runs than ``batch`` (default: than
    ``task_size`` and ``MIN_PART``) is cut into parts of about equal size."""
    size = experiment.spec.batch or task_size(design.n_runs)
    part = experiment.spec.batch or max(size, MIN_PART)
    token = experiment.fingerprint()
    paths = tuple(tuple(p.paths) for p in design.parameters.values())
    casts = tuple(p.integer for p in design.parameters.values())
    reps = design.replications

    def task(parts: list[tuple[int, np.ndarray]]) -> Task:
        cells = tuple((cell, design.cell(cell), (runs - cell * reps).astype(np.int32)) for cell, runs in parts)
        return Task(token, experiment.scenario, layout, paths, casts, design.master, reps, cells)

    cells = todo // reps
    bounds = [0, *(np.flatnonzero(np.diff(cells)) + 1).tolist(), len(todo)] if len(todo) else []
    pending: list[tuple[int, np.ndarray]] = []
    count = 0
    for start, stop in itertools.pairwise(bounds):
        runs, cell = todo[start:stop], int(cells[start])
        if count and count + len(runs) > size:
            yield task(pending)
            pending, count = [], 0
        if len(runs) > part:
            for piece in np.array_split(runs, -(-len(runs) // part)):
                yield task([(cell, piece)])
        else:
            pending.append((cell, runs))
            count += len(runs)
    if pending:
        yield task(pending)


def sweep(experiment: Experiment, out: str | Path, workers: int | None = None, scheduler: str | None = None,
          dask_local: int | None = None, resume: bool = False, progress: bool = True) -> SweepSummary:
    """Run every run of an experiment not yet in ``out`` and store it there.

    Args:
        experiment: The experiment (its ``quick`` flag picks the small version).
        out: Results folder.
        workers: Local processes (1 = serial in this process; default one per core).
        scheduler: Address of a running Dask scheduler, ``tcp://HOST:PORT``.
        dask_local: Start a Dask LocalCluster with this many worker processes.
        resume: Continue the sweep stored in ``out``.
        progress: Show a progress bar (tqdm, on stderr).

    Raises:
        ExperimentError: A number of workers out of range; the experiment is too large; ``out`` is not this
            experiment's (a stranger's files, other results), another sweep is writing to it, or it cannot be
            written; the scheduler is unreachable.
        KeyboardInterrupt: After the finished tasks are stored.
    """
    most = 4 * default_workers()  # more processes than that only slow the sweep down
    for option, value in (("workers", workers), ("dask_local", dask_local)):
        if value is not None and not 1 <= value <= most:
            raise ExperimentError(f"{option}: expected a number of processes in 1..{most} (4 per core), "
                                  f"found {value}")
    design = Design(experiment)
    layout = Layout.of(experiment.scenario, experiment.parameters, experiment.spec.outcomes)
    size = {"n_runs": design.n_runs, "n_cells": design.n_cells, "replications": design.replications}
    store = Store.open(out, experiment, size, layout.schema(), resume=resume)
    start = time.perf_counter()
    # the folder is written only once the executor is up (a failed start writes nothing), under its lock
    with open_executor(workers, scheduler, dask_local) as backend, store.writing(resume):
        done = store.done(design.n_runs)
        todo = np.flatnonzero(~done)
        summary = SweepSummary(Path(out), backend.name, design.n_runs, 0, int(done.sum()), 0.0,
                               set_aside=[str(p) for p in store.set_aside])
        with tqdm(total=design.n_runs, initial=summary.resumed, unit="run", desc=experiment.name,
                  disable=not progress, smoothing=0.1, dynamic_ncols=True) as bar:
            _farm_out(backend, tasks(experiment, design, layout, todo), store, summary, bar)
        store.mark_complete()
    summary.seconds = time.perf_counter() - start
    return summary


def _farm_out(backend, pending_tasks: Iterator[Task], store: Store, summary: SweepSummary, bar) -> None:
    """Keep a few tasks per slot in flight; store each as it finishes."""
    pending = {backend.executor.submit(run_task, t) for t in itertools.islice(pending_tasks, 4 * backend.slots)}
    try:
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                table = future.result()
                n = store.write(table)
                summary.ran += n
                summary.outcomes.update(dict(zip(*_counts(table.column("outcome")), strict=True)))
                errors = table.column("error").drop_null()
                summary.errors += len(errors)
                if len(errors) and summary.first_error is None:
                    summary.first_error = errors[0].as_py()
                bar.update(n)
            for t in itertools.islice(pending_tasks, len(finished)):
                pending.add(backend.executor.submit(run_task, t))
    except BaseException:
        for future in pending:
            future.cancel()
        raise


def _counts(column: pa.ChunkedArray) -> tuple[list[str], list[int]]:
    counts = column.value_counts()
    return counts.field("values").to_pylist(), counts.field("counts").to_pylist()
