"""Size limits of what the package reads, checked where it is read, so that any input gives a result or one line
(file, key, expected, found) within seconds, never a traceback or a hang (docs/formats.md, "Size limits").

Each limit is far above what a real negotiation needs and below where the engine stops answering in seconds
(measured on the shapes named; ``tests/test_fuzz.py`` holds every reader to them).
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any, NoReturn

from ..errors import ScenarioError

#: Largest file read (scenario, experiment, observations, priors, Genius XML, GeniusWeb JSON): the largest
#: competition domains are well under 1 MB.
MAX_FILE_BYTES = 16 * 2**20
#: Deepest nesting of tables and arrays in a TOML or JSON document: no format of the package nests more than 6
#: deep; the parsers recurse once per level and fail past Python's recursion limit.
MAX_DEPTH = 32
#: Most levels of an ordinal issue or options of a categorical one (a Genius integer issue, a GeniusWeb number
#: range, ``export --points``): value tables hold a number per option and country, and interpolating them costs
#: the square of their length (a Genius integer issue of 10,000 levels: about 9 s of ``show``; 1,000: 0.5 s).
MAX_LEVELS = 2_000
#: Most value functions on continuous issues (continuous issues x countries) the exact search (zone of agreement,
#: Nash, Kalai-Smorodinsky, maximum welfare, distances of deals) takes: its programmes carry a variable per
#: issue and per value, and the Nash polish's work grows with their cube (50 issues and 3 countries: about 2 s).
MAX_CONTINUOUS_VALUES = 150
#: Most options of discrete issues x countries the exact search takes when the packages are too many to
#: enumerate (``analysis.exact.ENUMERATE``): mixed-integer programmes with a binary per option, cut once per country
#: and round of the Nash search (1,000 options and 3 countries: about 2 s).
MAX_OPTION_VALUES = 3_000


def check_size(path: Path, origin: Any) -> None:
    """ScenarioError for a file larger than ``MAX_FILE_BYTES``; OSError passes."""
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise ScenarioError(f"{origin}: file size: expected at most {MAX_FILE_BYTES // 2**20} MB, found "
                            f"{size / 2**20:.1f} MB")


def read_text(path: Path, origin: Any, encoding: str | None = None) -> str:
    """A file's text, refused (ScenarioError) above ``MAX_FILE_BYTES``; OSError and UnicodeDecodeError pass."""
    check_size(path, origin)
    return path.read_text(encoding=encoding)


def parse_toml(text: str, origin: Any) -> dict:
    """A TOML document, checked for depth; ScenarioError ``ORIGIN: not valid TOML: ...`` if it cannot be parsed."""
    try:
        data = tomllib.loads(text)
    except RecursionError:
        too_deep(origin)
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4,300 digits
        raise ScenarioError(f"{origin}: not valid TOML: {exc}") from None
    check_depth(data, origin)
    return data


def parse_json(text: str, origin: Any, **options) -> Any:
    """A JSON document, checked for depth; ValueError (json.JSONDecodeError or too many digits) passes."""
    try:
        data = json.loads(text, **options)
    except RecursionError:
        too_deep(origin)
    check_depth(data, origin)
    return data


def too_deep(origin: Any) -> NoReturn:
    raise ScenarioError(f"{origin}: nesting: expected tables and arrays nested at most {MAX_DEPTH} deep, found "
                        "deeper")


def check_depth(data: Any, origin: Any) -> None:
    """ScenarioError when tables (dicts) and arrays (lists) nest deeper than ``MAX_DEPTH`` (level by level, no
    recursion)."""
    level, depth = [data], 0
    while level := [node for node in level if isinstance(node, dict | list)]:
        depth += 1
        if depth > MAX_DEPTH:
            too_deep(origin)
        level = [child for node in level for child in (node.values() if isinstance(node, dict) else node)]


def check_levels(count: int, origin: Any, key: str) -> None:
    """ScenarioError when an issue would have more than ``MAX_LEVELS`` levels or options (checked before they are
    built)."""
    if count > MAX_LEVELS:
        raise ScenarioError(f"{origin}: {key}: expected at most {MAX_LEVELS:,} levels or options, found {count:,}")
