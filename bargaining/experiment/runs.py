"""One task of a sweep, as a worker executes it, and the columns of the results table.

A task holds runs of one experiment grouped by parameter cell; all its runs are run together, as one
heterogeneous batch (``simulate.run_variants``: one model per structure with a replication axis, each replication
holding its cell's parameters and giving exactly what ``run`` gives with its seed), and their rows are built
column by column from the batch's arrays.

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

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute

from ..cache import Cache
from ..outcomes import Outcome
from ..parameter_sets import sets_of, structure
from ..scenario import Scenario
from ..simulate import Replications, run_batch, run_variants
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
        columns = {name: np.zeros(len(batch)) for name in self.extras}
        missing = {name: np.ones(len(batch), dtype=bool) for name in self.extras}
        case = np.zeros(len(batch), dtype=int) if batch.case is None else batch.case
        for c in np.unique(case[deals]):  # each parameter set's deals under its own preferences
            mine = deals[case[deals] == c]
            packages, which = np.unique(batch.package[mine], axis=0, return_inverse=True)
            metrics = (batch.scenario if batch.cases is None else batch.cases[c]).deal_metrics(packages)
            for name in self.extras:
                if metrics[name] is not None:
                    columns[name][mine] = metrics[name][which.reshape(-1)]
                missing[name][mine] = metrics[name] is None
        return {name: pa.array(columns[name], mask=missing[name], type=pa.float64()) for name in self.extras}

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
    """Run a task, every cell's runs in one heterogeneous batch; return its rows (schema ``task.layout.schema()``),
    ordered by run. The cells' parameter values are a table of parameter sets (``parameter_sets.sets_of``:
    numbers checked column-wise, the others once per distinct combination); a cell whose values raise is recorded
    with the error its scenario raises (``cell_scenario``) on each of its runs; if the batch raises, each cell runs
    alone (``run_cells``), so that only the cells that raise record it."""
    schema = task.layout.schema()
    sets, which, failed = sets_of(task.scenario, _columns(task), len(task.cells), errors=True)
    tables, case, seeds, heads = [], [], [], []
    for n, (cell, values, replications) in enumerate(task.cells):
        head = _head(task, cell, values, replications)
        if n in failed:
            tables.append(_error_rows(task, head, failed[n], schema))
            continue
        case.append(np.full(len(replications), which[n]))
        seeds.append(head["seed"])
        heads.append(head)
    if heads:
        try:
            batch = run_variants(task.scenario, np.concatenate(seeds).tolist(), sets, np.concatenate(case))
        except Exception:  # noqa: BLE001 - some cell raises: find which, alone
            return run_cells(task)
        head = {name: np.concatenate([h[name] for h in heads]) if isinstance(heads[0][name], np.ndarray)
                else [v for h in heads for v in h[name]] for name in heads[0]}
        tables.append(pa.Table.from_pydict({**head, **_outcome_columns(task.layout, batch)}, schema=schema))
    table = pa.concat_tables(tables)
    if len(tables) > 1:
        table = table.take(pa.compute.sort_indices(table, [("run", "ascending")]))
    return table.combine_chunks()


def _columns(task: Task) -> dict[str, list]:
    """The task's cells as a table of overrides (path -> one value per cell), as ``cell_scenario`` applies them."""
    columns: dict[str, list] = {}
    for n, (paths, integer) in enumerate(zip(task.paths, task.casts, strict=True)):
        values = [values[n] for _, values, _ in task.cells]
        values = [int(round(v)) if integer else v.item() if isinstance(v, np.generic) else v for v in values]
        for path in paths:
            columns[path] = values
    return columns


def _outcome_columns(layout: Layout, batch: Replications) -> dict[str, pa.Array]:
    """``layout.columns`` of a heterogeneous batch: per structure (issue space and rule), in replication order."""
    keys: dict[str, int] = {}
    of_base = [None if b is None else keys.setdefault(structure(b), len(keys)) for b in batch.cases.bases]
    if len(keys) == 1:
        return layout.columns(replace(batch, scenario=batch.cases.base_of(0)))
    of_case = np.array([of_base[b] for b in batch.cases.base.tolist()])
    tables, order = [], []
    for k in range(len(keys)):
        rows = np.flatnonzero(of_case[batch.case] == k)
        if not rows.size:
            continue
        sub = batch.take(rows)
        tables.append(pa.table(layout.columns(replace(sub, scenario=sub.cases.base_of(sub.case[0])))))
        order.append(rows)
    table = pa.concat_tables(tables).take(np.argsort(np.concatenate(order), kind="stable"))
    return {name: table.column(name).combine_chunks() for name in table.column_names}


def _head(task: Task, cell: int, values: tuple, replications: np.ndarray) -> dict:
    """The run, cell, replication, seed and parameter columns of a cell's runs."""
    n = len(replications)
    head = {"run": cell * task.replications + replications.astype(np.int64), "cell": np.full(n, cell, dtype=np.int64),
            "replication": replications.astype(np.int32), "seed": run_seeds(task.master, cell, replications)}
    for (name, _), value in zip(task.layout.parameters, values, strict=True):
        head[name] = [value] * n
    return head


def _error_rows(task: Task, head: dict, exc: Exception, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pydict({**head, **task.layout.errors(len(head["seed"]), f"{type(exc).__name__}: {exc}")},
                                schema=schema)


def run_cells(task: Task) -> pa.Table:
    """Run a task one batch per cell (``run_batch``); rows as ``run_task`` gives them. A cell whose scenario or
    batch raises is recorded with the error on each of its runs."""
    schema = task.layout.schema()
    tables = []
    for cell, values, replications in task.cells:
        head = _head(task, cell, values, replications)
        scenario = cell_scenario(task, cell, values)
        try:
            if isinstance(scenario, Exception):
                raise scenario
            tables.append(pa.Table.from_pydict({**head, **task.layout.columns(run_batch(scenario, head["seed"]))},
                                               schema=schema))
        except Exception as exc:  # noqa: BLE001 - recorded per run, the sweep goes on
            tables.append(_error_rows(task, head, exc, schema))
    return pa.concat_tables(tables).combine_chunks()
