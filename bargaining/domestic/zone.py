"""The zone of agreement with domestic constraints (two-level game, Putnam 1988), for ``bargaining show``."""

from __future__ import annotations

import numpy as np

from .. import analysis
from ..preferences import ExcludedOptions, Preferences, ValueTables, set_red_lines
from ..scenario import Scenario
from ..scenario.schema import DOMESTIC_TABLES


def constrained_preferences(scenario: Scenario) -> tuple[Preferences, list[str]]:
    """The scenario's preferences with its domestic constraints added, and their labels.

    Audience-cost set points and the auto workers' demands become red lines of their country; each
    Congress becomes an extra row whose walk-away value is its ratification threshold (its win-set).
    Lobbying, elections and events are left out: they change the zone over time, not at the start.
    """
    prefs, space = scenario.preferences, scenario.space
    lo, hi = prefs.lo.copy(), prefs.hi.copy()
    rows, labels = [], []
    for n, (code, c) in enumerate(scenario.spec.countries.items()):
        for kind, points in (("audience_costs", c.audience_costs and c.audience_costs.set_points),
                             ("auto_workers", c.auto_workers and c.auto_workers.demands)):
            if points:
                set_red_lines(lo, hi, n, prefs.ideal[n], scenario.normalised(points), tighten=True)
                labels.append(f"{code} {kind.replace('_', ' ')} ({', '.join(points)})")
        if c.congress is not None:
            ideal = {i.name: c.congress.ideal.get(i.name, i.status_quo) for i in space}
            rows.append((f"{code} Congress", space.normalise(ideal),
                         [c.congress.weights.get(i.name, 0.0) for i in space], c.congress.threshold))
            labels.append(f"{code} Congress (threshold {c.congress.threshold:g})")
    k, extra = len(space), len(rows)
    tables, excluded = prefs.tables, prefs.excluded  # Congress values every issue by its single-peaked shape
    grow = lambda a: np.concatenate([a, np.zeros((extra, *a.shape[1:]), dtype=a.dtype)])  # noqa: E731
    if tables is not None and extra:
        tables = ValueTables(grow(tables.tabled), grow(tables.points), grow(tables.values))
    if excluded is not None and extra:
        excluded = ExcludedOptions(excluded.sizes, grow(excluded.mask))
    constrained = Preferences(
        countries=prefs.countries + tuple(r[0] for r in rows),
        ideal=np.vstack([prefs.ideal, *[r[1] for r in rows]]),
        weights=np.vstack([prefs.weights, *[r[2] for r in rows]]),
        exponent=np.concatenate([prefs.exponent, np.ones(len(rows))]),
        lo=np.vstack([lo, np.zeros((len(rows), k))]),
        hi=np.vstack([hi, np.ones((len(rows), k))]),
        termination=np.concatenate([prefs.termination, [r[3] for r in rows]]),
        tables=tables,
        excluded=excluded,
    )
    return constrained, labels


def domestic_zopa(scenario: Scenario) -> analysis.Zopa:
    """The zone of possible agreement with domestic constraints (``constrained_preferences``), at the
    initial walk-away values; a Congress' floor is its threshold. Without domestic constraints, the scenario's own
    zone (under its decision rule)."""
    prefs, labels = constrained_preferences(scenario)
    if not labels:
        return scenario.zopa()
    n = len(scenario.countries)
    floors = np.concatenate([scenario.initial_walk_away, prefs.termination[n:]])
    return analysis.max_min_slack(prefs, scenario.space, floors)


def describe(scenario: Scenario) -> dict:
    """The ``domestic`` part of ``show --json``: constituencies, events, ratification, and the zone of
    agreement with domestic constraints (``zopa`` etc.; compare the top-level zone without them)."""
    zone = domestic_zopa(scenario)
    return {
        "constituencies": {code: {kind: getattr(c, kind).model_dump() for kind in DOMESTIC_TABLES
                                  if getattr(c, kind)} for code, c in scenario.spec.countries.items()},
        "events": [e.model_dump() for e in scenario.spec.events],
        "ratification": scenario.spec.ratification.model_dump(),
        "constraints": constrained_preferences(scenario)[1],
        "zopa": bool(zone.exists),
        "zopa_slack": float(zone.slack),
        "zopa_package": None if zone.package is None else scenario.space.natural(zone.package),
    }
