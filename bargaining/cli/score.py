"""``bargaining score DIR FACTS``: score a forecast against facts dated after its cut-off."""

from __future__ import annotations

import json


def cmd_score(args) -> None:
    from ..calibration.score import score, text
    from .calibrate import bundled_file

    result = score(args.dir, bundled_file(args.facts))
    print(json.dumps(result, indent=2) if args.json else text(result))


def register(sub) -> None:
    p = sub.add_parser("score", help="score a forecast against later facts (log score, error per issue)",
                       description="The outcome's log score and the absolute error per issue (0 = status quo, "
                       "1 = opening demand) of the forecast in DIR against the outcome and agreed facts of FACTS "
                       "dated after the forecast's cut-off.")
    p.add_argument("dir", metavar="DIR", help="a folder with a forecast (`bargaining forecast DIR`)")
    p.add_argument("facts", metavar="FACTS", help="an observations file with outcome and agreed facts")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=cmd_score)
