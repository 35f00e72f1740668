"""``bargaining run SCENARIO``: one negotiation, as a readable summary, JSON, or a figure."""

from __future__ import annotations

import json

import numpy as np

from ..errors import UsageError
from ..outcomes import Outcome
from ..scenario import Scenario, load_scenario
from ..scenario.checks import ideal_of
from ..simulate import Result, run
from .text import fmt_value, table


def summary(scenario: Scenario, result: Result) -> str:
    """Readable summary of a run."""
    space, codes = scenario.space, scenario.countries
    lines = [f"{scenario.name}, seed {result.seed}: {result.outcome.upper()} in round {result.round}"
             f"{scenario.dated(result.round)}"]
    if result.notice_round is not None:
        lines.append(f"{scenario.spec.threat.country} gave notice of withdrawal in round {result.notice_round}"
                     f"{scenario.dated(result.notice_round)}.")
    if result.outcome == Outcome.RATIFICATION_FAILED:
        lines.append("The package was signed but not ratified by: "
                     f"{', '.join(c for c, ok in result.ratified.items() if not ok)}.")
    if result.outcome == Outcome.BILATERAL:
        left_out = [c for c in codes if c not in result.signatories]
        lines.append(f"Signed by {', '.join(result.signatories)}; left out, with its termination value: "
                     f"{', '.join(left_out)}.")
    if result.supporters is not None:
        against = [c for c in codes if c not in result.supporters]
        lines.append(f"Passed by {scenario.rule.describe(codes)}: for {', '.join(result.supporters)}"
                     + (f"; against, and bound by it: {', '.join(against)}." if against else "."))
    lines.append("")
    rows, status_quo = [], space.status_quo is not None  # a status-quo column only where there is one
    for issue in space:
        opening = [fmt_value(issue, ideal_of(issue, scenario.spec.countries[c])) for c in codes]
        agreed = fmt_value(issue, result.agreement[issue.name]) if result.agreement else "-"
        rows.append([issue.name, *([fmt_value(issue, issue.status_quo)] if status_quo else []), *opening, agreed])
    lines.append(table(["issue", *(["status quo"] if status_quo else []), *(f"{c} opening" for c in codes),
                        "agreed"], rows))
    lines.append("")
    rows = [[c, f"{result.utilities[c]:.3f}", f"{result.walk_away[c]:.3f}",
             "yes" if result.utilities[c] >= result.walk_away[c] - 1e-9 else "no"] for c in codes]
    what = {Outcome.DEAL: "the deal", Outcome.WITHDRAWAL: "withdrawal (termination)",
            Outcome.STALEMATE: "no deal" if scenario.no_deal_termination.all() else "the status quo",
            Outcome.RATIFICATION_FAILED: "no ratified deal"}
    lines.append(table(["country", f"utility of {what.get(result.outcome, result.outcome)}", "walk-away",
                        "at least walk-away"], rows))
    return "\n".join(lines)


def cmd_run(args) -> None:
    if args.plot:
        from ..figures.run import figure_format, trajectory  # only now: a run without a figure needs no matplotlib

        figure_format(args.plot)  # before the run: a bad name fails at once
    scenario = load_scenario(args.scenario, args.set)
    if args.json:
        scenario.check_exact_search()  # before the run: the JSON has the deal's distances to Nash and others
    result = run(scenario, seed=args.seed, record=bool(args.plot) or not args.json)
    if args.plot:
        try:
            trajectory(scenario, result, args.plot)
        except OSError as exc:
            raise UsageError(f"{args.plot}: cannot write the figure: {exc.strerror or exc}") from None
    if args.json:
        info = result.to_dict()
        deal = result.outcome == Outcome.DEAL  # efficiency of a deal of all (analysis.deal_metrics)
        info.update(scenario.deal_metrics(result.package) if deal else dict.fromkeys(
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
