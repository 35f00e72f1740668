"""One batch of runs, as a worker executes it, and the columns of the results table.

A row per run: ``run``, ``cell``, ``replication``, ``seed``, one column per parameter, then the outcome
(a string: ``deal``, ``withdrawal``, ``stalemate``, or whatever outcomes the model adds), ``round``,
``notice_round``, ``agreed.ISSUE`` (natural value, or the level label of an ordinal issue),
``utility.C``, ``walk_away.C`` and ``ratified.C`` per country, ``signatories``, ``supporters`` (under a quota
rule, the countries that voted for the deal, comma-separated; None under unanimity), the efficiency of a deal
(``analysis.deal_metrics``: Pareto, Nash and Kalai-Smorodinsky distances, joint gain) when the experiment
records ``distances`` (a few LPs per deal, about 2 ms on nafta-2017), and ``error``: None, or
``"Type: message"`` of a run that raised (its outcome is ``"error"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ..cache import Cache
from ..outcomes import Outcome
from ..scenario import Scenario
from ..simulate import Result, run

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

    def row(self, result: Result | None, scenario: Scenario | None = None, error: str | None = None) -> dict:
        """The outcome part of a row (no run/parameter columns); ``scenario`` is the run's (for distances)."""
        row = {"outcome": ERROR if result is None else result.outcome}
        agreement = result.agreement if result is not None and result.agreement else {}
        if "round" in self.outcomes:
            row["round"] = None if result is None else result.round
            row["notice_round"] = None if result is None else result.notice_round
        if "agreement" in self.outcomes:
            for name, _ in self.issues:
                row[f"agreed.{name}"] = agreement.get(name)
        for group, prefix, attr in (("utilities", "utility", "utilities"), ("walk_away", "walk_away", "walk_away")):
            if group in self.outcomes:
                values = {} if result is None else getattr(result, attr)
                for c in self.countries:
                    row[f"{prefix}.{c}"] = values.get(c)
        ratified = {} if result is None else result.ratified
        for c in self.countries:
            row[f"ratified.{c}"] = ratified.get(c)
        signed = None if result is None else result.signatories
        row["signatories"] = None if signed is None else ",".join(signed)
        supporters = None if result is None else result.supporters
        row["supporters"] = None if supporters is None else ",".join(supporters)
        if self.extras:
            deal = result is not None and result.outcome == Outcome.DEAL and result.package is not None
            row.update(scenario.deal_metrics(result.package) if deal else dict.fromkeys(self.extras))
        row["error"] = error
        return row


@dataclass(frozen=True)
class Batch:
    """A task: consecutive runs of one experiment. ``runs`` holds (run, cell, replication, seed, values);
    ``token`` identifies the experiment (its fingerprint) for the worker's cache of cell scenarios."""

    token: str
    scenario: Scenario
    layout: Layout
    paths: tuple[tuple[str, ...], ...]  # override paths per parameter
    casts: tuple[bool, ...]  # parameter is an integer
    runs: tuple[tuple[int, int, int, int, tuple], ...]

    def __len__(self) -> int:
        return len(self.runs)


#: Scenarios of recently run cells in this process: the replications of a cell share one Scenario, and so its
#: cached concession paths, even when they come in different batches.
_CELLS: Cache[Scenario | Exception] = Cache(16)


def cell_scenario(batch: Batch, cell: int, values: tuple) -> Scenario | Exception:
    """The scenario of one cell (the base with the cell's overrides), or the error that building it raised."""
    def make() -> Scenario | Exception:
        overrides = {path: (int(round(v)) if integer else v)
                     for paths, integer, v in zip(batch.paths, batch.casts, values, strict=True) for path in paths}
        try:
            return batch.scenario.with_overrides(overrides)
        except Exception as exc:  # noqa: BLE001 - recorded per run, the sweep goes on
            return exc

    return _CELLS.get((batch.token, cell), make)


def run_batch(batch: Batch) -> dict[str, list]:
    """Run a batch; return its rows as columns. A run that raises is recorded with its error."""
    names = [name for name, _ in batch.layout.parameters]
    columns: dict[str, list] = {name: [] for name in batch.layout.schema().names}
    for run_index, cell, replication, seed, values in batch.runs:
        scenario = cell_scenario(batch, cell, values)
        try:
            if isinstance(scenario, Exception):
                raise scenario
            row = batch.layout.row(run(scenario, seed=seed, record=False), scenario)
        except Exception as exc:  # noqa: BLE001 - recorded per run, the sweep goes on
            row = batch.layout.row(None, error=f"{type(exc).__name__}: {exc}")
        for key, value in (("run", run_index), ("cell", cell), ("replication", replication), ("seed", seed),
                           *zip(names, values, strict=True), *row.items()):
            columns[key].append(value)
    return columns
