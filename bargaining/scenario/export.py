"""Writing a scenario in the field's formats: Genius XML, GeniusWeb JSON, or bargaining's own TOML.

Genius and GeniusWeb files hold only the table form (tables.py): issues, weights, values, a reservation value
and a discount factor per party. A scenario with more (a threat, red lines, domestic politics) loses it;
:func:`export_files` says what in its notes.
"""

from __future__ import annotations

from . import genius, geniusweb
from .load import dump_toml
from .tables import GRID_POINTS, tabulate

FORMATS = ("genius", "geniusweb", "toml")


def export_files(raw: dict, fmt: str, walk_away: dict[str, float] | None = None, sources: dict[str, str] | None = None,
                 points: int = GRID_POINTS) -> tuple[dict[str, str], list[str]]:
    """A scenario dict -> ({file name: text}, notes on what the format cannot say).

    Args:
        raw: The scenario dict (``Scenario.raw``).
        fmt: ``"genius"``, ``"geniusweb"`` or ``"toml"``.
        walk_away: Country -> walk-away value at the start of the talks (``Scenario.initial_walk_away``), written
            as its reservation value; default each country's ``reservation_value`` or ``termination_value``.
        sources: Dotted path -> source, written back into TOML.
        points: Evenly spaced points per continuous issue, for the formats without continuous issues.
    """
    if fmt == "toml":
        return {f"{raw['name']}.toml": dump_toml(raw, sources or {})}, []
    tables, notes = tabulate(raw, walk_away, points, keep_linear=fmt == "genius")
    if fmt == "genius":
        return genius.write(tables), notes
    files, more = geniusweb.write(tables)
    return files, notes + more
