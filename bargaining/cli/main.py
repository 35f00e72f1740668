"""The ``bargaining`` command: the parser, the subcommands of every front end, and one exit-code rule.

User mistakes (a bad scenario file, an unknown override, an unwritable output) print one message and
exit with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import re
import sys

from ..classroom.cli import register as register_class
from ..errors import ScenarioError, UsageError
from ..experiment.cli import register as register_experiments
from ..experiment.tournament import register as register_tournament
from .app import register as register_app
from .calibrate import register as register_calibrate
from .export import register as register_export
from .forecast import register as register_forecast
from .run import cmd_run
from .scenarios import cmd_scenarios
from .score import register as register_score
from .show import cmd_show
from .strategies import register as register_strategies


def _add_scenario(p: argparse.ArgumentParser, overrides: bool = True) -> None:
    p.add_argument("scenario", metavar="SCENARIO",
                   help="bundled scenario name, path to a .toml file, or a Genius or GeniusWeb folder")
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

    for register in (register_export, register_experiments, register_strategies, register_tournament, register_app,
                     register_class, register_calibrate, register_forecast, register_score):
        register(sub)
    return parser


def one_line(message: str) -> str:
    """``message`` on one line: characters that would break or hide it (a newline in an issue's name read from a
    file, a carriage return, other control characters) written as Python escapes, and a number of more than
    ``LONGEST_NUMBER`` digits (a value of 10**300 given for a share) shortened to its first digits and its length."""
    text = "".join(c if c.isprintable() else repr(c)[1:-1] for c in message)
    return re.sub(rf"\d{{{LONGEST_NUMBER + 1},}}", lambda m: f"{m[0][:12]}... ({len(m[0]):,} digits)", text)


LONGEST_NUMBER = 40


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (ScenarioError, UsageError) as exc:
        print(f"error: {one_line(str(exc))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        pass
    return 0
