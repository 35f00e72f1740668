"""``bargaining show SCENARIO``: issues, positions, walk-away values, the decision rule, the zone of agreement and
the Nash, Kalai-Smorodinsky and maximum-welfare deals, with and without domestic constraints."""

from __future__ import annotations

import json
import math

import numpy as np

from .. import analysis
from ..domestic.zone import describe as describe_domestic
from ..scenario import Scenario, load_scenario
from ..scenario.checks import ideal_of
from .text import fmt_value, table


def describe(scenario: Scenario) -> dict:
    """The ``show --json`` object. Keys of features a scenario does not use (``rule`` other than unanimity,
    ``values``, ``score_sheet``, ``reservation_value``, ``discount``, ``packages`` of a space of discrete issues
    only) appear only when it does."""
    prefs, space = scenario.preferences, scenario.space
    u_sq = scenario.status_quo_utility
    walk_away = scenario.initial_walk_away
    zone = scenario.zopa()
    issues = []
    for issue in space:
        entry = {"name": issue.name, "label": issue.label, "kind": issue.kind, "unit": issue.unit}
        labels = "levels" if issue.is_ordinal else "options"
        entry.update({labels: list(issue.levels)} if issue.discrete else {"bounds": list(issue.bounds)})
        entry["status_quo"] = issue.status_quo
        issues.append(entry)
    countries = {}
    for n, (code, spec) in enumerate(scenario.spec.countries.items()):
        countries[code] = {
            "label": spec.label,
            "ideal": {i.name: ideal_of(i, spec) for i in space},
            **({"values": dict(spec.values)} if spec.values else {}),
            **({"score_sheet": spec.score_sheet.model_dump()} if spec.score_sheet else {}),
            "weights": {i.name: float(prefs.weights[n, k]) for k, i in enumerate(space)},
            "red_lines": dict(spec.red_lines),
            "termination_value": spec.termination_value,
            **({"reservation_value": spec.reservation_value} if spec.reservation_value is not None else {}),
            **({"discount": spec.discount} if spec.discount is not None else {}),
            "belief": spec.belief,
            "status_quo_utility": None if np.isnan(u_sq[n]) else float(u_sq[n]),
            "walk_away": float(walk_away[n]),
            "strategy": {"name": spec.strategy.name, **spec.strategy.params},
        }
    rule = scenario.rule
    return {
        "scenario": scenario.name,
        "issues": issues,
        "countries": countries,
        "threat": scenario.spec.threat.model_dump(),
        **({} if rule.unanimous else {"rule": {"at_least": rule.at_least,
                                               "veto": [scenario.countries[v] for v in rule.veto]}}),
        "deadline_round": scenario.spec.protocol.deadline_round,
        "zopa": bool(zone.exists),
        "zopa_slack": float(zone.slack),
        "zopa_package": None if zone.package is None else space.natural(zone.package),
        **({"packages": count_packages(scenario)} if space.discrete.all() else {}),
        **_solution_points(scenario),
        "domestic": describe_domestic(scenario),
    }


def count_packages(scenario: Scenario) -> dict[str, int | None]:
    """``packages`` in ``show --json`` (a space of discrete issues): ``total``; ``passing``, the packages a winning
    coalition of the rule can pass within its members' red lines; ``zone``, those it passes with every supporter
    also at or above its initial walk-away value (the zone of agreement); ``zone_unanimity``, those every country
    accepts. The last three None above ``analysis.exact.ENUMERATE`` packages (``analysis.count_passing``)."""
    prefs, space, walk_away, rule = scenario.preferences, scenario.space, scenario.initial_walk_away, scenario.rule
    return {"total": math.prod(int(n) + 1 for n in space.sizes),
            "passing": analysis.count_passing(prefs, space, np.full(len(walk_away), -np.inf), rule),
            "zone": analysis.count_passing(prefs, space, walk_away, rule),
            "zone_unanimity": analysis.count_passing(prefs, space, walk_away)}


def _solution_points(scenario: Scenario) -> dict:
    """``nash`` and ``kalai_smorodinsky``: package and utilities at the initial walk-away values (or None)."""
    found = scenario.solutions()
    point = lambda p: None if p is None else {  # noqa: E731
        "package": scenario.space.natural(p.package),
        "utilities": dict(zip(scenario.countries, map(float, p.utilities), strict=True))}
    return {"nash": point(found.nash), "kalai_smorodinsky": point(found.kalai_smorodinsky)}


def cmd_show(args) -> None:
    scenario = load_scenario(args.scenario, args.set)
    info = describe(scenario)
    if args.json:
        print(json.dumps(info, indent=2))
        return
    space, codes = scenario.space, scenario.countries
    status_quo = space.status_quo is not None  # columns of what the scenario has
    summary = scenario.spec.description.strip().splitlines()
    print(f"{scenario.name}: {summary[0]}\n" if summary else f"{scenario.name}\n")
    print(table(["issue", "range"] + (["status quo"] if status_quo else []),
                [[i.name, i.describe()] + ([fmt_value(i, i.status_quo)] if status_quo else []) for i in space]))
    for code in codes:
        c = info["countries"][code]
        print(f"\n{code} ({c['label']})" if c["label"] else f"\n{code}")
        if "score_sheet" in c:
            sheet = scenario.spec.countries[code].score_sheet
            threshold = "" if sheet.threshold is None else f"threshold {sheet.threshold:g} of "
            print(f"score sheet: {threshold}{sheet.best:g} points at best (weights, values and reservation value "
                  "derived)")
        values = c.get("values", {})
        print(table(["issue", "ideal", "weight", "red line"] + (["values"] if values else []), [
            [i.name, fmt_value(i, c["ideal"][i.name]), f"{c['weights'][i.name]:.2f}",
             fmt_value(i, c["red_lines"].get(i.name))] + ([_fmt_table(values.get(i.name))] if values else [])
            for i in space]))
    print()
    optional = [key for key in ("termination_value", "reservation_value", "discount")
                if any(c.get(key) is not None for c in info["countries"].values())]
    sq = ["status_quo_utility"] if status_quo else []
    number = lambda v, digits=3: "-" if v is None else f"{v:.{digits}f}"  # noqa: E731
    rows = [[code, *(number(c.get(key)) for key in optional), number(c["belief"], 2), *(number(c[k]) for k in sq),
             f"{c['walk_away']:.3f}", c["strategy"]["name"]] for code, c in info["countries"].items()]
    print(table(["country", *(key.replace("_", " ") for key in optional), "belief", *(["u(status quo)"] * len(sq)),
                 "walk-away", "strategy"], rows))
    if not scenario.rule.unanimous:
        print(f"\nDecision rule: {scenario.rule.describe(codes)}; a package that passes binds every country.")
    threat = scenario.spec.threat
    if threat.country:
        credible = info["countries"][threat.country]["termination_value"] > \
            info["countries"][threat.country]["status_quo_utility"]
        print(f"\nThreat: {threat.country} can withdraw ({'credible' if credible else 'not credible'}: "
              f"termination value {'>' if credible else '<='} status-quo utility); deadline round "
              f"{info['deadline_round']}{scenario.dated(info['deadline_round'])}, "
              f"notice {threat.notice_rounds} rounds.")
    if info["zopa"]:
        print(f"\nA zone of agreement exists (best worst-off surplus {info['zopa_slack']:+.3f}), e.g.:")
        print("  " + ", ".join(f"{k}={fmt_value(space.issues[space.index(k)], v)}"
                               for k, v in info["zopa_package"].items()))
    else:
        print(f"\nNo zone of agreement at the initial walk-away values (best worst-off surplus "
              f"{info['zopa_slack']:+.3f}).")
    counts = info.get("packages", {"zone": None})
    if counts["zone"] is not None:
        unanimity = "" if scenario.rule.unanimous else f"; {counts['zone_unanimity']:,} every country accepts"
        print(f"\nPackages: {counts['total']:,}; {counts['passing']:,} pass the rule within the red lines, "
              f"{counts['zone']:,} in the zone of agreement (every supporter at or above its walk-away value)"
              f"{unanimity}.")
    welfare = scenario.solutions().max_welfare
    points = [("Nash", info["nash"]), ("Kalai-Smorodinsky", info["kalai_smorodinsky"]),
              ("Maximum welfare", None if welfare is None else {
                  "package": space.natural(welfare.package),
                  "utilities": dict(zip(codes, map(float, welfare.utilities), strict=True))})]
    for label, point in points:
        if point is not None:
            print(f"\n{label}: " + ", ".join(f"{k}={fmt_value(space.issues[space.index(k)], v)}"
                                             for k, v in point["package"].items()))
            print("  utilities: " + ", ".join(f"{c} {u:.3f}" for c, u in point["utilities"].items()))
    show_domestic(scenario, info["domestic"])


def show_domestic(scenario: Scenario, info: dict) -> None:
    """The zone of agreement with domestic constraints (two-level game), if the scenario has any."""
    if not info["constraints"]:
        return
    space = scenario.space
    print(f"\nWith domestic constraints ({'; '.join(info['constraints'])}):")
    if info["zopa"]:
        print(f"  a zone of agreement exists (best worst-off surplus {info['zopa_slack']:+.3f}), e.g.:")
        print("  " + ", ".join(f"{k}={fmt_value(space.issues[space.index(k)], v)}"
                               for k, v in info["zopa_package"].items()))
    else:
        print(f"  no zone of agreement (best worst-off surplus {info['zopa_slack']:+.3f}).")


def _fmt_table(values) -> str:
    """A value table in a line: ``a 3, b 1`` or ``50: 0.2, 80: 1``; ``-`` without one."""
    if values is None:
        return "-"
    pairs = values.items() if isinstance(values, dict) else values
    return ", ".join(f"{k:g}: {v:g}" if not isinstance(k, str) else f"{k} {v:g}" for k, v in pairs)
