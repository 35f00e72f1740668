"""Run an experiment: plan the runs, farm batches out to an executor, store each batch as it finishes.

Only a bounded number of batches is in flight at any time and each is written to disk as soon as it
returns, so memory stays flat however many runs a sweep has.
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
from tqdm import tqdm

from .designs import Design, run_seed
from .executors import default_workers, open_executor
from .runs import Batch, Layout, run_batch
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


def batch_size(n_runs: int, replications: int = 1) -> int:
    """Runs per task: about 200 tasks, at most about 250 runs each (an interruption loses at most a batch per
    worker; per-task overhead stays small), rounded to whole cells when a cell has fewer replications."""
    size = int(min(250, max(1, -(-n_runs // 200))))
    if replications < size:
        size = round(size / replications) * replications
    return size


def batches(experiment: Experiment, design: Design, layout: Layout, todo: np.ndarray) -> Iterator[Batch]:
    """The batches that cover the runs in ``todo`` (sorted run indices), consecutive runs together."""
    size = experiment.spec.batch or batch_size(design.n_runs, design.replications)
    token = experiment.fingerprint()
    paths = tuple(tuple(p.paths) for p in design.parameters.values())
    casts = tuple(p.integer for p in design.parameters.values())
    reps = design.replications
    for start in range(0, len(todo), size):
        runs = []
        for i in todo[start:start + size]:
            cell, rep = divmod(int(i), reps)
            runs.append((int(i), cell, rep, run_seed(design.master, cell, rep), design.cell(cell)))
        yield Batch(token, experiment.scenario, layout, paths, casts, tuple(runs))


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
        KeyboardInterrupt: After the finished batches are stored.
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
            _farm_out(backend, batches(experiment, design, layout, todo), store, summary, bar)
        store.mark_complete()
    summary.seconds = time.perf_counter() - start
    return summary


def _farm_out(backend, pending_batches: Iterator[Batch], store: Store, summary: SweepSummary, bar) -> None:
    """Keep a few batches per slot in flight; store each as it finishes."""
    pending = {backend.executor.submit(run_batch, b) for b in itertools.islice(pending_batches,
                                                                                 4 * backend.slots)}
    try:
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                columns = future.result()
                n = store.write(columns)
                summary.ran += n
                summary.outcomes.update(columns["outcome"])
                for error in columns["error"]:
                    if error is not None:
                        summary.errors += 1
                        summary.first_error = summary.first_error or error
                bar.update(n)
            for b in itertools.islice(pending_batches, len(finished)):
                pending.add(backend.executor.submit(run_batch, b))
    except BaseException:
        for future in pending:
            future.cancel()
        raise
