"""Scores and the class debrief: how each student did, against what, and one figure for the class.

A student's score (``score_seat``) compares the seat's utility of the outcome with

* its walk-away value at the start of the talks and at the end (after a notice of withdrawal the end value
  is the termination value, so a withdrawal that cost the seat shows only against the start value);
* its utility at the Nash deal (Nash 1950: the package that maximises the product of the countries'
  surpluses over their walk-away values) and at the Kalai-Smorodinsky deal (Kalai & Smorodinsky 1975: equal
  shares of each country's best feasible surplus), both exact (``bargaining.analysis``) at the walk-away
  values of the scenario at the start of talks;
* the simulated negotiator in the same seat: the same talks, same seed, every seat played by its scenario
  strategy (``bargaining.run``).

Under a quota rule a deal may pass without the seat's yes and bind it all the same: the score says who accepted
the package (``supporters``) and whether the seat was among them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..figures.run import country_colours
from ..sampled import reference_points
from ..simulate import Replications, run
from .table import Table


@dataclass
class Score:
    """How the student in one seat did.

    Attributes:
        country: The seat.
        outcome, round: How and when the talks ended.
        agreement: The agreed package {issue: value}, or None.
        utility: The seat's utility of the outcome.
        walk_away_start, walk_away: The seat's walk-away value at the start and at the end of the talks.
        nash, kalai_smorodinsky: The seat's utility at the Nash / Kalai-Smorodinsky deal (None if no zone).
        reference: ``"analysis"`` or ``"sampled"``: where the Nash and K-S deals come from.
        baseline_outcome, baseline_round, baseline_utility: The same talks (same seed) with the seat played
            by its scenario strategy.
        utilities: Every country's utility of the outcome.
        supporters: Under a quota rule, the countries that accepted the agreed package (it binds the others
            too); None under unanimity or without an agreement.
    """

    country: str
    outcome: str
    round: int
    agreement: dict[str, Any] | None
    utility: float
    walk_away_start: float
    walk_away: float
    nash: float | None
    kalai_smorodinsky: float | None
    reference: str
    baseline_outcome: str
    baseline_round: int
    baseline_utility: float
    utilities: dict[str, float] = field(default_factory=dict)
    supporters: list[str] | None = None

    @property
    def voted_for(self) -> bool | None:
        """Under a quota rule, whether the seat accepted the agreed package; None otherwise."""
        return None if self.supporters is None else self.country in self.supporters

    @property
    def surplus(self) -> float:
        """Utility above the walk-away value at the end (negative: worse than walking away)."""
        return self.utility - self.walk_away

    @property
    def surplus_start(self) -> float:
        """Utility above the walk-away value at the start of the talks."""
        return self.utility - self.walk_away_start

    @property
    def versus_baseline(self) -> float:
        """Utility gained (or lost) against the simulated negotiator in the same seat."""
        return self.utility - self.baseline_utility

    def summary(self) -> str:
        """A few lines for the student."""
        fmt = lambda v: "-" if v is None else f"{v:.3f}"  # noqa: E731
        vote = [] if self.supporters is None else [
            f"  accepted by {', '.join(self.supporters)}; "
            + ("you were among them" if self.voted_for else "you rejected it, and it binds you all the same")]
        return "\n".join([
            f"{self.country}: {self.outcome} in round {self.round}; your utility {self.utility:.3f}", *vote,
            f"  vs your walk-away value at the start {self.walk_away_start:.3f}: {self.surplus_start:+.3f}",
            f"  vs your walk-away value at the end {self.walk_away:.3f}: {self.surplus:+.3f}",
            f"  vs the Nash deal {fmt(self.nash)} and the Kalai-Smorodinsky deal {fmt(self.kalai_smorodinsky)}"
            f" ({self.reference})",
            f"  vs the simulated negotiator in your seat ({self.baseline_outcome} in round "
            f"{self.baseline_round}): {self.baseline_utility:.3f}, {self.versus_baseline:+.3f}",
        ])

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "surplus": self.surplus, "surplus_start": self.surplus_start,
                "versus_baseline": self.versus_baseline, "voted_for": self.voted_for}


def baseline(table: Table):
    """The same talks with every seat simulated (same scenario, same seed), run once per scenario and seed."""
    scenario = table.scenario
    return scenario.cached(("classroom baseline", table.seed), lambda: run(scenario, seed=table.seed, record=False))


def reference_utilities(scenario) -> tuple[dict[str, float] | None, dict[str, float] | None, str]:
    """Every country's utility at the Nash and at the Kalai-Smorodinsky deal (None without a zone), and their
    source."""
    def make():
        refs = reference_points(scenario)
        def at(package):
            if package is None:
                return None
            return dict(zip(scenario.countries, map(float, scenario.preferences.utility(package)), strict=True))
        return at(refs.nash), at(refs.kalai_smorodinsky), refs.source
    return scenario.cached(("classroom references",), make)


def score_seat(table: Table, country: str) -> Score:
    """Score one seat of a finished table (see the module docstring)."""
    m, scenario = table.model, table.scenario
    if m.outcome is None:
        raise ValueError("the talks are not over yet")
    utilities = dict(zip(scenario.countries, map(float, m.outcome_utilities()), strict=True))
    nash, ks, source = reference_utilities(scenario)
    base = baseline(table)
    result = Replications.of(m).result(0)
    return Score(
        country=country, outcome=str(m.outcome), round=m.round, agreement=result.agreement,
        utility=utilities[country], walk_away_start=float(m.walk_away_start[country]),
        walk_away=result.walk_away[country],
        nash=None if nash is None else nash[country], kalai_smorodinsky=None if ks is None else ks[country],
        reference=source, baseline_outcome=str(base.outcome), baseline_round=base.round,
        baseline_utility=float(base.utilities[country]), utilities=utilities,
        supporters=result.supporters,
    )


# ------------------------------------------------------------------------------------------ the class

def debrief_rows(tables: dict[int, Table], names: dict[tuple[int, str], str]) -> list[dict[str, Any]]:
    """One row per student seat of every finished table: table, student and the ``Score``'s fields (the
    supporters of a deal under a quota rule as one space-separated cell).

    Args:
        tables: Table number -> Table.
        names: (table number, seat) -> the student's name.
    """
    rows = []
    for number, table in sorted(tables.items()):
        if not table.over:
            continue
        for country in table.students:
            score = score_seat(table, country)
            fields = {k: v for k, v in score.to_dict().items() if k not in ("utilities", "agreement")}
            if fields["supporters"] is not None:
                fields["supporters"] = " ".join(fields["supporters"])
            rows.append({"table": number, "student": names.get((number, country), ""), **fields})
    return rows


def class_figure(scenario, rows: list[dict[str, Any]]) -> Figure:
    """One panel per student seat: each table's student (dot) against the walk-away value at the start
    (triangle) and at the end (bar) of the talks, the Nash and Kalai-Smorodinsky deals and the simulated
    negotiator in that seat (lines)."""
    seats = [c for c in scenario.countries if any(r["country"] == c for r in rows)] or list(scenario.countries[:1])
    colours = country_colours(scenario.countries)
    fig = Figure(figsize=(3.6 * len(seats) + 0.6, 4.0))
    axes = np.atleast_1d(fig.subplots(1, len(seats), sharey=True, squeeze=False)[0])
    for ax, seat in zip(axes, seats, strict=True):
        mine = [r for r in rows if r["country"] == seat]
        x = np.arange(len(mine))
        if mine:
            first = mine[0]
            for key, style, label in (("nash", "--", "Nash deal"), ("kalai_smorodinsky", ":", "Kalai-Smorodinsky"),
                                      ("baseline_utility", "-", "simulated negotiator")):
                if first[key] is not None:
                    ax.axhline(first[key], color="grey", ls=style, lw=1.2, label=label)
            ax.scatter(x, [r["walk_away_start"] for r in mine], marker="^", color="#888", s=36,
                       label="walk-away at start", zorder=2)
            ax.scatter(x, [r["walk_away"] for r in mine], marker="_", color="black", s=200, lw=2,
                       label="walk-away at end", zorder=2)
            ax.scatter(x, [r["utility"] for r in mine], color=colours[seat], s=70, edgecolor="black",
                       label="student", zorder=3)
        ax.set_xticks(x, [f"T{r['table']}\n{r['student'][:12]}" for r in mine], fontsize=8)
        ax.set_xlim(-0.6, max(len(mine), 1) - 0.4)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{seat}", fontsize=11)
        ax.grid(axis="y", alpha=0.3)
    axes[0].set_ylabel("utility of the outcome")
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    fig.suptitle(f"{scenario.name}: each student against the walk-away values, the reference deals and "
                 "the simulated negotiator", fontsize=10)
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    return fig


def transcript_rows(table: Table) -> list[dict[str, Any]]:
    """Every package on the table and every answer, one row each package: round, month, proposer (and whether
    a student tabled it), the package in natural units, each country's utility of it and each answer
    (``accept``, ``reject``, ``abstain``; empty when not asked)."""
    scenario, rows = table.scenario, []
    for seq, entry in enumerate(table.transcript, start=1):
        row: dict[str, Any] = {
            "seq": seq, "round": entry.round, "month": scenario.month(entry.round),
            "proposer": entry.proposer if entry.proposer is not None else "(accession)",
            "by_student": entry.proposer in table.students, "abstained": entry.abstained}
        natural = scenario.space.natural(entry.package) if entry.package is not None else {}
        utility = scenario.preferences.utility(entry.package) if entry.package is not None else None
        for issue in scenario.space:
            row[issue.name] = natural.get(issue.name)
        for n, country in enumerate(scenario.countries):
            row[f"utility_{country}"] = None if utility is None else float(utility[n])
        for country in scenario.countries:
            answer = entry.answers.get(country, "")
            row[f"answer_{country}"] = {True: "accept", False: "reject", None: "abstain"}.get(answer, "")
        rows.append(row)
    return rows
