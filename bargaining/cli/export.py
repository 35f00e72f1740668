"""``bargaining export SCENARIO --format genius|geniusweb|toml --out DIR``: a scenario in the field's formats."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..files import write_text
from ..scenario import load_scenario
from ..scenario.export import FORMATS, export_files
from ..scenario.load import RULE_FILE
from ..scenario.tables import GRID_POINTS


def cmd_export(args) -> None:
    scenario = load_scenario(args.scenario, args.set)
    walk_away = dict(zip(scenario.countries, map(float, scenario.initial_walk_away), strict=True))
    files, notes = export_files(scenario.raw, args.format, walk_away, scenario.sources, args.points)
    write_files(Path(args.out), files)
    stale = Path(args.out) / RULE_FILE
    if args.format != "toml" and RULE_FILE not in files and stale.is_file():
        stale.unlink()  # a rule an earlier export left would otherwise be read back with these files
    for name in files:
        print(Path(args.out) / name)
    for note in notes:
        print(f"note: {note}")


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Write every file, each to a temporary file first and then moved into place (nothing half-written)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            write_text(folder / name, text)
    except OSError as exc:
        raise UsageError(f"{folder}: cannot write the files: {exc.strerror or exc}") from None


def register(subparsers) -> None:
    """Add ``bargaining export`` to the CLI."""
    p = subparsers.add_parser("export", help="write a scenario as Genius XML, GeniusWeb JSON or TOML")
    p.add_argument("scenario", metavar="SCENARIO", help="bundled scenario name, .toml file, or Genius/GeniusWeb folder")
    p.add_argument("--set", metavar="PATH=VALUE", action="append", default=[],
                   help="override a parameter before writing (repeatable)")
    p.add_argument("--format", choices=FORMATS, required=True, help="file format")
    p.add_argument("--out", metavar="DIR", required=True, help="folder to write into (created if missing)")
    p.add_argument("--points", type=int, default=GRID_POINTS,
                   help=f"evenly spaced points per continuous issue in Genius/GeniusWeb (default {GRID_POINTS})")
    p.set_defaults(func=cmd_export)
