"""Writing a scenario in the field's formats: Genius XML, GeniusWeb JSON, or bargaining's own TOML.

Genius and GeniusWeb files hold only the table form (tables.py): issues, weights, values, a reservation value
and a discount factor per party. A scenario with more (a threat, red lines, domestic politics) loses it;
:func:`export_files` says what in its notes.
"""

from __future__ import annotations

import tomlkit

from . import genius, geniusweb
from .load import RULE_FILE, dump_toml
from .schema import CountrySpec
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
    tables, notes = tabulate(_scored(raw), walk_away, points, keep_linear=fmt == "genius")
    files, more = (genius.write(tables), []) if fmt == "genius" else geniusweb.write(tables)
    rule = raw.get("protocol", {}).get("rule", {})
    if isinstance(rule, dict) and rule.get("at_least", len(raw["countries"])) < len(raw["countries"]):
        name = {"genius": "Genius", "geniusweb": "GeniusWeb"}[fmt]
        table = tomlkit.inline_table()
        table.update(rule)
        files[RULE_FILE] = (f"# The decision rule of {raw['name']}, which {name} files cannot say. bargaining reads "
                            f"it back with this folder\n# (docs/formats.md); other tools negotiate the folder by "
                            f"unanimity.\n" + tomlkit.dumps({"rule": table}))
        notes.append(f"decision rule ({_describe(rule, len(raw['countries']))}): no place in {name} files; kept in "
                     f"{RULE_FILE}, which bargaining reads back (other tools: unanimity)")
    return files, notes + more


def _describe(rule: dict, parties: int) -> str:
    veto = rule.get("veto", [])
    return f"at least {rule['at_least']} of {parties}" + (f", with {' and '.join(veto)}" if veto else "")


def _scored(raw: dict) -> dict:
    """The scenario dict with every score sheet replaced by the weights, value tables and reservation value it
    gives (``ScoreSheetSpec.derived``)."""
    if not any("score_sheet" in c for c in raw["countries"].values()):
        return raw
    countries = {}
    for code, c in raw["countries"].items():
        country = dict(c)
        if "score_sheet" in country:
            spec = CountrySpec.model_validate(country)
            del country["score_sheet"]
            country.update(weights=spec.weights, values=spec.values)
            if spec.score_sheet.threshold is not None:
                country["reservation_value"] = spec.reservation_value
        countries[code] = country
    return {**raw, "countries": countries}
