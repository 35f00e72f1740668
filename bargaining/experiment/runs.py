"""One task of a sweep, as a worker executes it, and the columns of the results table.

A task holds runs of one experiment grouped by parameter cell; the runs of a cell are run together, as one
batch (``simulate.run_batch``: one model with a replication axis, each replication exactly what ``run`` gives
with its seed), and their rows are built column by column from the batch's arrays.

A row per run: ``run``, ``cell``, ``replication``, ``seed``, one column per parameter, then the outcome
(a string: ``deal``, ``withdrawal``, ``stalemate``, or whatever outcomes the model adds), ``round``,
``notice_round``, ``agreed.ISSUE`` (natural value, or the level label of an ordinal issue),
``utility.C``, ``walk_away.C`` and ``ratified.C`` per country, ``signatories``, ``supporters`` (under a quota
rule, the countries that voted for the deal, comma-separated; None under unanimity), the efficiency of a deal
(``analysis.deal_metrics``: Pareto, Nash and Kalai-Smorodinsky distances, joint gain) when the experiment
records ``distances`` (for all the distinct deal packages of a cell at once), and ``error``: None, or
``"Type: message"`` of a run that raised (its outcome is ``"error"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..cache import Cache
from ..outcomes import Outcome
from ..scenario import Scenario
from ..simulate import Replications, run_batch
from .designs import run_seeds

ERROR = "error"

#: Efficiency of a deal (``analysis.deal_metrics``), recorded with the ``distances`` outcome group.
DISTANCES = ("pareto_distance", "nash_distance", "kalai_smorodinsky_distance", "joint_gain")
_KINDS = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}


@dataclass(frozen=True)
class Layout:
    """What one experiment records: parameter columns and outcome groups, and the Parquet schema.

    Attributes:
        extras: Efficiency columns of a deal recorded (``DISTANCES``, with the ``distances`` group).
    """

    parameters: tuple[tuple[str, str], ...]  # (name, kind)
    outcomes: tuple[str, ...]
    issues: tuple[tuple[str, bool], ...]  # (name, ordinal)
    countries: tuple[str, ...]
    extras: tuple[str, ...] = ()

    @classmethod
    def of(cls, scenario: Scenario, parameters: dict, outcomes: list[str]) -> Layout:
        extras = DISTANCES if "distances" in outcomes else ()
        return cls(tuple((name, p.kind) for name, p in parameters.items()), tuple(outcomes),
                   tuple((i.name, i.discrete) for i in scenario.space), scenario.countries, extras)

    def schema(self) -> pa.Schema:
        fields = [("run", pa.int64()), ("cell", pa.int64()), ("replication", pa.int32()), ("seed", pa.int64())]
        fields += [(name, _KINDS[kind]) for name, kind in self.parameters]
        fields += [("outcome", pa.string())]
        if "round" in self.outcomes:
            fields += [("round", pa.int32()), ("notice_round", pa.int32())]
        if "agreement" in self.outcomes:
            fields += [(f"agreed.{name}", pa.string() if ordinal else pa.float64()) for name, ordinal in self.issues]
        if "utilities" in self.outcomes:
            fields += [(f"utility.{c}", pa.float64()) for c in self.countries]
        if "walk_away" in self.outcomes:
            fields += [(f"walk_away.{c}", pa.float64()) for c in self.countries]
        fields += [(f"ratified.{c}", pa.bool_()) for c in self.countries]
        fields += [("signatories", pa.string()), ("supporters", pa.string())]
        fields += [(name, pa.float64()) for name in self.extras]
        fields += [("error", pa.string())]
        return pa.schema(fields)

    def columns(self, batch: Replications) -> dict[str, pa.Array | np.ndarray]:
        """The outcome columns of a batch of runs of one cell (no run/parameter columns), as ``run`` would give
        them one by one: agreed values where a package was signed, the efficiency of each deal."""
        scenario, n = batch.scenario, len(batch)
        signed = batch.signed
        rows = {"outcome": pa.array(batch.outcome.astype(str), type=pa.string())}
        if "round" in self.outcomes:
            rows["round"] = pa.array(batch.round, type=pa.int32())
            rows["notice_round"] = pa.array(batch.notice_round, mask=batch.notice_round < 0, type=pa.int32())
        if "agreement" in self.outcomes:
            issues = {issue.name: (k, issue) for k, issue in enumerate(scenario.space)}
            for name, discrete in self.issues:
                kind = pa.string() if discrete else pa.float64()
                if name not in issues:
                    rows[f"agreed.{name}"] = pa.nulls(n, kind)
                    continue
                k, issue = issues[name]
                rows[f"agreed.{name}"] = pa.array(issue.naturals(np.where(signed, batch.package[:, k], 0.0)),
                                                  mask=~signed, type=kind)
        at = {c: i for i, c in enumerate(scenario.countries)}
        per_country = [("utilities", "utility", batch.utilities), ("walk_away", "walk_away", batch.walk_away)]
        for group, prefix, values in per_country:
            if group in self.outcomes:
                for c in self.countries:
                    rows[f"{prefix}.{c}"] = values[:, at[c]] if c in at else pa.nulls(n, pa.float64())
        for c in self.countries:
            rows[f"ratified.{c}"] = batch.ratified[:, at[c]] if c in at else pa.nulls(n, pa.bool_())
        rows["signatories"] = _names(batch.signatories, scenario.countries, signed)
        rows["supporters"] = _names(batch.supporters, scenario.countries,
                                    signed & (not scenario.rule.unanimous))
        if self.extras:
            rows.update(self._distances(batch))
        rows["error"] = pa.nulls(n, pa.string())
        return rows

    def _distances(self, batch: Replications) -> dict[str, pa.Array]:
        """Efficiency of each deal (``Scenario.deal_metrics``), computed once per distinct package."""
        deals = np.flatnonzero((batch.outcome == Outcome.DEAL) & batch.signed)
        if deals.size == 0:
            return {name: pa.nulls(len(batch), pa.float64()) for name in self.extras}
        packages, which = np.unique(batch.package[deals], axis=0, return_inverse=True)
        metrics = batch.scenario.deal_metrics(packages)
        rows = {}
        for name in self.extras:
            column = np.zeros(len(batch))
            if metrics[name] is not None:
                column[deals] = metrics[name][which.reshape(-1)]
            missing = np.ones(len(batch), dtype=bool)
            missing[deals] = metrics[name] is None
            rows[name] = pa.array(column, mask=missing, type=pa.float64())
        return rows

    def errors(self, n: int, error: str) -> dict[str, pa.Array]:
        """The outcome columns of ``n`` runs that raised ``error``: outcome ``"error"``, everything else empty."""
        schema = self.schema()
        first = schema.get_field_index("outcome")
        rows = {f.name: pa.nulls(n, f.type) for f in list(schema)[first:]}
        rows["outcome"] = pa.array([ERROR] * n, type=pa.string())
        rows["error"] = pa.array([error] * n, type=pa.string())
        return rows


def _names(members: np.ndarray, countries: list[str], rows: np.ndarray) -> pa.Array:
    """Comma-joined names of the members (R, N) of each row, None outside ``rows``."""
    patterns, which = np.unique(members, axis=0, return_inverse=True)
    names = np.array([",".join(c for c, ok in zip(countries, p, strict=True) if ok) for p in patterns], dtype=object)
    return pa.array(names[which.reshape(-1)], mask=~rows, type=pa.string())


@dataclass(frozen=True)
class Task:
    """A task: runs of one experiment, by cell. ``cells`` holds (cell, parameter values, replication indices)
    of each cell; run ``cell * replications + replication`` has the seed ``run_seed(master, cell, replication)``.
    ``token`` identifies the experiment (its fingerprint) for the worker's cache of cell scenarios."""

    token: str
    scenario: Scenario
    layout: Layout
    paths: tuple[tuple[str, ...], ...]  # override paths per parameter
    casts: tuple[bool, ...]  # parameter is an integer
    master: int
    replications: int
    cells: tuple[tuple[int, tuple, np.ndarray], ...]

    def __len__(self) -> int:
        return sum(len(reps) for _, _, reps in self.cells)


#: Scenarios of recently run cells in this process: the replications of a cell share one Scenario, and so its
#: cached concession paths, even when they come in different tasks.
_CELLS: Cache[Scenario | Exception] = Cache(16)


def cell_scenario(task: Task, cell: int, values: tuple) -> Scenario | Exception:
    """The scenario of one cell (the base with the cell's overrides), or the error that building it raised."""
    def make() -> Scenario | Exception:
        overrides = {path: (int(round(v)) if integer else v)
                     for paths, integer, v in zip(task.paths, task.casts, values, strict=True) for path in paths}
        try:
            return task.scenario.with_overrides(overrides)
        except Exception as exc:  # noqa: BLE001 - recorded per run, the sweep goes on
            return exc

    return _CELLS.get((task.token, cell), make)


def run_task(task: Task) -> pa.Table:
    """Run a task, one batch per cell; return its rows (schema ``task.layout.schema()``). A cell whose scenario
    or batch raises is recorded with the error on each of its runs."""
    schema = task.layout.schema()
    tables = []
    for cell, values, replications in task.cells:
        n = len(replications)
        seeds = run_seeds(task.master, cell, replications)
        columns = {"run": cell * task.replications + replications.astype(np.int64),
                   "cell": np.full(n, cell, dtype=np.int64), "replication": replications.astype(np.int32),
                   "seed": seeds}
        for (name, _), value in zip(task.layout.parameters, values, strict=True):
            columns[name] = [value] * n
        scenario = cell_scenario(task, cell, values)
        try:
            if isinstance(scenario, Exception):
                raise scenario
            columns.update(task.layout.columns(run_batch(scenario, seeds)))
        except Exception as exc:  # noqa: BLE001 - recorded per run, the sweep goes on
            columns.update(task.layout.errors(n, f"{type(exc).__name__}: {exc}"))
        tables.append(pa.Table.from_pydict(columns, schema=schema))
    return pa.concat_tables(tables).combine_chunks()
