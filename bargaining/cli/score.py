"""``bargaining score DIR FACTS``: score a forecast against facts dated after its cut-off; ``bargaining score DIR
--held-back``: score a calibration on the facts it held back (an earlier ``--cutoff``)."""

from __future__ import annotations

import json


def cmd_score(args) -> None:
    from ..calibration.score import held_back_text, score, score_held_back, text
    from ..errors import UsageError
    from ..experiment.executors import default_workers
    from .calibrate import bundled_file

    if (args.facts is None) == (not args.held_back):
        raise UsageError("score: expected FACTS (a file of later facts) or --held-back, found "
                         + ("both" if args.held_back else "neither"))
    if args.held_back:
        for option, value, high in (("--replications", args.replications, 1_000),
                                    ("--workers", args.workers, 4 * default_workers())):
            if not (0 if option == "--replications" else 1) <= value <= high:
                raise UsageError(f"{option}: expected a number in {0 if option == '--replications' else 1}..{high:,}"
                                 f", found {value:,}")
        result = score_held_back(args.dir, args.replications, args.workers, progress=not args.no_progress)
        print(json.dumps(result, indent=2) if args.json else held_back_text(result))
        return
    result = score(args.dir, bundled_file(args.facts))
    print(json.dumps(result, indent=2) if args.json else text(result))


def register(sub) -> None:
    p = sub.add_parser("score", help="score a forecast against later facts (log score, error per issue)",
                       description="The outcome's log score and the absolute error per issue (0 = status quo, "
                       "1 = opening demand) of the forecast in DIR against the outcome and agreed facts of FACTS "
                       "dated after the forecast's cut-off; or, with --held-back, the log score of each fact the "
                       "calibration in DIR held back (dated after its cut-off), posterior beside prior.")
    p.add_argument("dir", metavar="DIR", help="a folder with a forecast (`bargaining forecast DIR`), or with "
                   "--held-back a calibration folder")
    p.add_argument("facts", metavar="FACTS", nargs="?", help="an observations file with outcome and agreed facts")
    p.add_argument("--held-back", action="store_true", help="score the calibration's own facts dated after its "
                   "cut-off, whatever their kind (runs the posterior and the prior again)")
    p.add_argument("--replications", type=int, default=4, help="--held-back: new seeds per accepted set (default 4)")
    p.add_argument("--workers", type=int, default=1, help="--held-back: local processes (default 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--json", action="store_true", help="one JSON object")
    p.set_defaults(func=cmd_score)
