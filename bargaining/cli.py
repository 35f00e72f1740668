"""The ``bargaining`` command.

    bargaining scenarios                       bundled scenarios, one line each
    bargaining show SCENARIO [--json]          issues, positions, walk-away values, zone of agreement
    bargaining run SCENARIO [--seed N] [--set PATH=VALUE ...] [--json] [--plot FILE]

User mistakes (a bad scenario file, an unknown override, an unwritable output) print one message and
exit with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import numpy as np

from . import analysis
from . import constituencies as domestic
from .scenario import Scenario, ScenarioError, bundled, load_scenario
from .simulate import Result, run


class UsageError(Exception):
    """A user mistake outside scenario files (e.g. an unwritable output path)."""


# ------------------------------------------------------------------------------------------ formatting

def fmt_value(issue, value) -> str:
    """A natural value with its unit, or a level label."""
    if value is None:
        return "-"
    if issue.is_ordinal:
        return str(value)
    if issue.unit == "US$":
        return f"US${value:,.0f}"
    return f"{value:.1f}{' ' + issue.unit if issue.unit else ''}"


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


# ------------------------------------------------------------------------------------------ commands

def cmd_scenarios(args) -> None:
    for name, description in bundled().items():
        print(f"{name:<16} {description}")


def describe(scenario: Scenario) -> dict:
    """The ``show --json`` object."""
    prefs, space = scenario.preferences, scenario.space
    u_sq = prefs.utility(space.status_quo)
    walk_away = analysis.initial_walk_away(scenario)
    zone = analysis.zopa(scenario)
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
        "domestic": domestic.describe(scenario),
    }


def _solution_points(scenario: Scenario) -> dict:
    """``nash`` and ``kalai_smorodinsky``: package and utilities at the initial walk-away values (or None)."""
    found = analysis.solutions(scenario)
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
    print(f"{scenario.name}: {scenario.spec.description.strip().splitlines()[0]}\n")
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


def summary(scenario: Scenario, result: Result) -> str:
    """Readable summary of a run."""
    space, codes = scenario.space, scenario.countries
    lines = [f"{scenario.name}, seed {result.seed}: {result.outcome.upper()} in round {result.round} "
             f"({result.month})"]
    if result.notice_round is not None:
        lines.append(f"{scenario.spec.threat.country} gave notice of withdrawal in round {result.notice_round} "
                     f"({scenario.month(result.notice_round)}).")
    if result.outcome == "ratification_failed":
        lines.append("The package was signed but not ratified by: "
                     f"{', '.join(c for c, ok in result.ratified.items() if not ok)}.")
    if result.outcome == "bilateral":
        left_out = [c for c in codes if c not in result.signatories]
        lines.append(f"Signed by {', '.join(result.signatories)}; left out, with its termination value: "
                     f"{', '.join(left_out)}.")
    lines.append("")
    rows = []
    for issue in space:
        opening = [fmt_value(issue, scenario.spec.countries[c].ideal[issue.name]) for c in codes]
        agreed = fmt_value(issue, result.agreement[issue.name]) if result.agreement else "-"
        rows.append([issue.name, fmt_value(issue, issue.status_quo), *opening, agreed])
    lines.append(table(["issue", "status quo", *(f"{c} opening" for c in codes), "agreed"], rows))
    lines.append("")
    rows = [[c, f"{result.utilities[c]:.3f}", f"{result.walk_away[c]:.3f}",
             "yes" if result.utilities[c] >= result.walk_away[c] - 1e-9 else "no"] for c in codes]
    what = {"deal": "the deal", "withdrawal": "withdrawal (termination)", "stalemate": "the status quo",
            "ratification_failed": "no ratified deal"}
    lines.append(table(["country", f"utility of {what.get(result.outcome, result.outcome)}", "walk-away",
                        "at least walk-away"], rows))
    return "\n".join(lines)


def cmd_run(args) -> None:
    scenario = load_scenario(args.scenario, args.set)
    result = run(scenario, seed=args.seed, record=bool(args.plot) or not args.json)
    if args.plot:
        from .plots import trajectory

        try:
            trajectory(scenario, result, args.plot)
        except OSError as exc:
            raise UsageError(f"{args.plot}: cannot write the figure: {exc.strerror or exc}") from None
    if args.json:
        info = result.to_dict()
        deal = result.outcome == "deal"  # efficiency of a deal of all (analysis.deal_metrics)
        info.update(analysis.deal_metrics(scenario, result.package) if deal else dict.fromkeys(
            ("pareto_distance", "nash_distance", "kalai_smorodinsky_distance", "joint_gain")))
        print(json.dumps(info, indent=2, default=_json_default))
    else:
        print(summary(scenario, result))
        if args.plot:
            print(f"\nFigure written to {args.plot}")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# ------------------------------------------------------------------------------------------ parser

def _add_scenario(p: argparse.ArgumentParser, overrides: bool = True) -> None:
    p.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name or path to a .toml file")
    if overrides:
        p.add_argument("--set", metavar="PATH=VALUE", action="append", default=[],
                       help="override a parameter, e.g. US.termination_value=0.6 (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bargaining", description="Multi-party trade bargaining (NAFTA 2017-18).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("scenarios", help="list the bundled scenarios")
    p.set_defaults(func=cmd_scenarios)

    p = sub.add_parser("show", help="issues, positions, walk-away values and the zone of agreement")
    _add_scenario(p)
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("run", help="run one negotiation")
    _add_scenario(p)
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.add_argument("--plot", metavar="FILE", help="write the trajectory figure (PNG)")
    p.set_defaults(func=cmd_run)

    for register in EXTENSIONS:
        register(sub)
    return parser


# Other modules add their subcommands here: each is called with the subparsers object.
EXTENSIONS: list[Callable[[argparse._SubParsersAction], None]] = []

from .experiment.cli import register as _register_experiments  # noqa: E402  (sweep, report)

EXTENSIONS.append(_register_experiments)

from .strategies.catalogue import register as _register_strategies  # noqa: E402  (strategies)
from .tournament import register as _register_tournament  # noqa: E402  (tournament)

EXTENSIONS += [_register_strategies, _register_tournament]

from .app_cli import register as _register_app  # noqa: E402  (app)

EXTENSIONS.append(_register_app)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ScenarioError, UsageError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
