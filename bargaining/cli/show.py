"""``bargaining show SCENARIO``: issues, positions, walk-away values, the zone of agreement and the Nash and
Kalai-Smorodinsky deals, with and without domestic constraints."""

from __future__ import annotations

import json

from ..domestic.zone import describe as describe_domestic
from ..scenario import Scenario, load_scenario
from .text import fmt_value, table


def describe(scenario: Scenario) -> dict:
    """The ``show --json`` object."""
    prefs, space = scenario.preferences, scenario.space
    u_sq = prefs.utility(space.status_quo)
    walk_away = scenario.initial_walk_away
    zone = scenario.zopa()
    issues = []
    for issue in space:
        entry = {"name": issue.name, "label": issue.label, "kind": issue.kind, "unit": issue.unit}
        entry.update({"levels": list(issue.levels)} if issue.is_ordinal else {"bounds": list(issue.bounds)})
        entry["status_quo"] = issue.status_quo
        issues.append(entry)
    countries = {}
    for n, (code, spec) in enumerate(scenario.spec.countries.items()):
        countries[code] = {
            "label": spec.label,
            "ideal": {i.name: spec.ideal[i.name] for i in space},
            "weights": {i.name: float(prefs.weights[n, k]) for k, i in enumerate(space)},
            "red_lines": dict(spec.red_lines),
            "termination_value": spec.termination_value,
            "belief": spec.belief,
            "status_quo_utility": float(u_sq[n]),
            "walk_away": float(walk_away[n]),
            "strategy": {"name": spec.strategy.name, **spec.strategy.params},
        }
    return {
        "scenario": scenario.name,
        "issues": issues,
        "countries": countries,
        "threat": scenario.spec.threat.model_dump(),
        "deadline_round": scenario.spec.protocol.deadline_round,
        "zopa": bool(zone.exists),
        "zopa_slack": float(zone.slack),
        "zopa_package": None if zone.package is None else space.natural(zone.package),
        **_solution_points(scenario),
        "domestic": describe_domestic(scenario),
    }


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
    summary = scenario.spec.description.strip().splitlines()
    print(f"{scenario.name}: {summary[0]}\n" if summary else f"{scenario.name}\n")
    print(table(["issue", "range", "status quo"],
                [[i.name, i.describe(), fmt_value(i, i.status_quo)] for i in space]))
    for code in codes:
        c = info["countries"][code]
        print(f"\n{code} ({c['label']})" if c["label"] else f"\n{code}")
        print(table(["issue", "ideal", "weight", "red line"], [
            [i.name, fmt_value(i, c["ideal"][i.name]), f"{c['weights'][i.name]:.2f}",
             fmt_value(i, c["red_lines"].get(i.name))] for i in space]))
    print()
    rows = [[code, f"{c['termination_value']:.3f}", "-" if c["belief"] is None else f"{c['belief']:.2f}",
             f"{c['status_quo_utility']:.3f}", f"{c['walk_away']:.3f}", c["strategy"]["name"]]
            for code, c in info["countries"].items()]
    print(table(["country", "termination value", "belief", "u(status quo)", "walk-away", "strategy"], rows))
    threat = scenario.spec.threat
    if threat.country:
        credible = info["countries"][threat.country]["termination_value"] > \
            info["countries"][threat.country]["status_quo_utility"]
        print(f"\nThreat: {threat.country} can withdraw ({'credible' if credible else 'not credible'}: "
              f"termination value {'>' if credible else '<='} status-quo utility); deadline round "
              f"{info['deadline_round']} ({scenario.month(info['deadline_round'])}), "
              f"notice {threat.notice_rounds} rounds.")
    if info["zopa"]:
        print(f"\nA zone of agreement exists (best worst-off surplus {info['zopa_slack']:+.3f}), e.g.:")
        print("  " + ", ".join(f"{k}={fmt_value(space.issues[space.index(k)], v)}"
                               for k, v in info["zopa_package"].items()))
    else:
        print(f"\nNo zone of agreement at the initial walk-away values (best worst-off surplus "
              f"{info['zopa_slack']:+.3f}).")
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
