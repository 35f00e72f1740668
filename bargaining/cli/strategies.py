"""``bargaining strategies``: the registered strategies, their classifiers and parameters."""

from __future__ import annotations

import json

from ..strategies import STRATEGIES


def catalogue() -> list[dict]:
    """One entry per strategy: name, first docstring line, classifier, parameter defaults."""
    return [{
        "name": name,
        "description": (cls.__doc__ or "").strip().splitlines()[0] if name == cls.name
        else f"alias of {cls.name}",
        "classifier": dict(cls.classifier),
        "params": {k: f.default for k, f in cls.Params.model_fields.items()},
    } for name, cls in STRATEGIES.items()]


def cmd_strategies(args) -> None:
    if args.negmas:
        from ..negmas import agent_names, require

        require("bargaining strategies --negmas")
        names = [f"negmas:{n}" for n in agent_names()]
        print(json.dumps(names, indent=2) if args.json else "\n".join(names))
        return
    entries = catalogue()
    if args.json:
        print(json.dumps(entries, indent=2))
        return
    for e in entries:
        flags = ", ".join(k for k, v in e["classifier"].items() if v) or "-"
        params = ", ".join(f"{k}={v}" for k, v in e["params"].items()) or "-"
        print(f"{e['name']:<22} {flags:<36} {params}\n{'':<22} {e['description']}")


def register(subparsers) -> None:
    """Add ``bargaining strategies`` to the CLI."""
    p = subparsers.add_parser("strategies", help="list the concession strategies and their classifiers")
    p.add_argument("--json", action="store_true", help="one JSON list")
    p.add_argument("--negmas", action="store_true", help="list the NegMAS negotiators that can sit at a seat as "
                   "negmas:NAME (needs pip install 'bargaining[negmas]')")
    p.set_defaults(func=cmd_strategies)
