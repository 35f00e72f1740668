"""Domestic politics: the constituencies behind each negotiator (Putnam 1988, a two-level game).

Every government at the table (level I) answers to constituencies at home (level II), each configured by an
optional table of its country (``scenario/schema.py``; docs/domestic-politics.md):

* ``congress`` -- :class:`Congress`: ratifies only a package inside its win-set;
* ``lobby`` -- :class:`BusinessLobby`: lowers the executive's termination value round by round;
* ``auto_workers`` -- :class:`AutoWorkers`: raises the executive's floor on auto content toward its demands;
* ``election`` -- :class:`Election`: a campaign without concessions, then a new government;
* ``audience_costs`` -- :class:`AudienceCosts`: conceding past set points costs support, and they harden.

Scenario-level ``[[events]]`` shock a country's termination value, belief or positions at a given round.
Constituencies and events return :class:`Shock` values; the model applies them.

Modules: ``shocks`` (the Shock value), ``constituencies`` (the agents), ``zone`` (the zone of agreement with
domestic constraints).
"""

from __future__ import annotations

import numpy as np

from ..scenario import Scenario
from ..views import Home, Negotiator
from .constituencies import (
    CONSTITUENCIES,
    AudienceCosts,
    AutoWorkers,
    BusinessLobby,
    Congress,
    Constituency,
    Election,
)
from .shocks import Shock, applied_to_all


def build(home: Home, countries: list[Negotiator], scenario: Scenario,
          numbers: dict[tuple[str, str], dict] | None = None) -> list[Constituency]:
    """Create the constituency agents the scenario configures, in acting order; ``numbers``: (country, kind) ->
    their numbers per replication (``parameter_sets.Variants.domestic``; None: the scenario's own)."""
    out = []
    for kind, cls in CONSTITUENCIES.items():
        for country in countries:
            spec = getattr(scenario.spec.countries[country.code], kind)
            if spec is not None:
                out.append(cls(home, country, spec, scenario, None if numbers is None else numbers[country.code, kind]))
    return out


def event_shocks(scenario: Scenario, round_: int) -> list[Shock]:
    """The scheduled ``[[events]]`` of a round, as shocks."""
    return [Shock(e.country, termination_shift=e.termination_shift, belief_shift=e.belief_shift,
                  ideal=scenario.normalised(e.ideal) if e.ideal else {}) for e in scenario.spec.events
            if e.round == round_]


def vetoes(constituencies: list[Constituency], packages: np.ndarray, parties: int) -> np.ndarray:
    """(R, N) whether each country's constituencies will not ratify each replication's package (R, K). A
    constituency that keeps the base class's ``ratifies`` (every package) is not asked."""
    against: dict[int, np.ndarray] = {}  # country row -> (R,) whether one of its constituencies will not ratify
    for c in constituencies:
        if type(c).ratifies is not Constituency.ratifies:
            no, row = ~c.ratifies(packages), c.country.row
            against[row] = no if row not in against else against[row] | no
    out = np.zeros((len(packages), parties), dtype=bool)
    for row, no in against.items():
        out[:, row] = no
    return out


__all__ = ["CONSTITUENCIES", "AudienceCosts", "AutoWorkers", "BusinessLobby", "Congress", "Constituency",
           "Election", "Shock", "applied_to_all", "build", "event_shocks", "vetoes"]
