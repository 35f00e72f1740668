"""Overrides: set any scenario parameter by its dotted path, as ``--set`` and sweeps do.

A path that starts with a country code is looked up under ``countries``: ``US.termination_value=0.6``,
``CA.weights.dispute_settlement=0.5``, ``CA.red_lines.us_content=10``, ``MX.strategy.beta=2``,
``protocol.deadline_round=10``, ``A.values.site.north=3``, ``protocol.rule.at_least=4``,
``H.score_sheet.threshold=55``, ``H.score_sheet.points.ecology.some=10``. An override of one
weight keeps the value given and rescales the country's other weights so that they again sum to 1. Unknown
paths raise ScenarioError naming what is allowed.
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

from pydantic import BaseModel

from ..errors import ScenarioError
from ..strategies import STRATEGIES
from .limits import check_depth, too_deep
from .schema import (
    DOMESTIC_TABLES,
    CalendarSpec,
    CountrySpec,
    IssueSpec,
    NoiseSpec,
    ProtocolSpec,
    RatificationSpec,
    RuleSpec,
    ScoreSheetSpec,
    ThreatSpec,
)


def parse_override(text: str) -> tuple[str, Any]:
    """``"US.termination_value=0.6"`` -> ``("US.termination_value", 0.6)``; values are read as TOML."""
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError(f"override {text!r}: expected PATH=VALUE, e.g. US.termination_value=0.6")
    return path.strip(), parse_value(value.strip())


def parse_value(text: str) -> Any:
    """A TOML value (number, bool, quoted string, array), else the bare text as a string; ScenarioError for one
    nested deeper than ``limits.MAX_DEPTH``."""
    origin = f"override value {text[:40]!r}" + ("..." if len(text) > 40 else "")
    try:
        data = tomllib.loads(f"v = {text}")
    except RecursionError:
        too_deep(origin)
    except ValueError:  # not TOML (or an integer of more than 4,300 digits): the text itself
        return text
    check_depth(data, origin)
    return data["v"]


# Fields a table may gain by an override even if the file leaves them out.
_TABLE_FIELDS = {
    "calendar": CalendarSpec, "protocol": ProtocolSpec, "threat": ThreatSpec, "noise": NoiseSpec,
    "ratification": RatificationSpec,
}


def _country_table(name: str) -> type[BaseModel] | None:
    """The pydantic model of a country's sub-table (``congress``, ``lobby``, ...), if it is one."""
    return DOMESTIC_TABLES.get(name)


def _allowed_keys(raw: dict, keys: list[str], node: dict) -> set[str]:
    """Keys an override may set in ``node``, reached from the scenario root by ``keys``."""
    allowed = set(node)
    if len(keys) == 1 and keys[0] in _TABLE_FIELDS:
        allowed |= set(_TABLE_FIELDS[keys[0]].model_fields)
    elif len(keys) == 2 and keys[0] == "countries":
        allowed |= set(CountrySpec.model_fields)
    elif keys == ["protocol", "rule"]:
        allowed |= set(RuleSpec.model_fields)
    elif len(keys) == 3 and keys[0] == "countries" and keys[2] in ("ideal", "values", "weights", "red_lines"):
        allowed |= set(raw.get("issues", {}))
    elif len(keys) == 3 and keys[0] == "countries" and keys[2] == "score_sheet":
        allowed |= set(ScoreSheetSpec.model_fields)
    elif keys[:1] == ["countries"] and keys[2:] == ["score_sheet", "points"]:
        allowed |= set(raw.get("issues", {}))
    elif len(keys) == 3 and keys[0] == "countries" and keys[2] == "strategy":
        strategy = STRATEGIES.get(node.get("name", "time_dependent"))
        allowed |= {"name"} | (set(strategy.Params.model_fields) if strategy else set())
    elif len(keys) == 3 and keys[0] == "countries" and _country_table(keys[2]):
        allowed |= set(_country_table(keys[2]).model_fields)
    elif len(keys) == 4 and keys[0] == "countries" and _country_table(keys[2]) and keys[3] in (
            "ideal", "weights", "red_lines", "demands", "set_points"):
        allowed |= set(raw.get("issues", {}))
    elif len(keys) == 2 and keys[0] == "issues":
        allowed |= set(IssueSpec.model_fields)
    return allowed


def apply_override(raw: dict, path: str, value: Any, origin: str = "<scenario>") -> None:
    """Set one dotted-path parameter in a raw scenario dict, in place. Unknown paths raise ScenarioError."""
    keys = path.split(".")
    if keys[0] in raw.get("countries", {}):
        keys = ["countries", *keys]
    node = raw
    for depth, key in enumerate(keys):
        top = set(_TABLE_FIELDS) | set(node) | {"events"}
        allowed = _allowed_keys(raw, keys[:depth], node) if depth else top
        if key not in allowed:
            where = ".".join(keys[:depth]) or "the top level"
            raise ScenarioError(f"{origin}: unknown override path {path!r}: {key!r} is not a key of {where}; "
                                f"expected one of {sorted(allowed)}")
        if depth == len(keys) - 1:
            break
        if keys[:depth + 1] == ["protocol", "rule"] and node.get(key) == "unanimity":
            node[key] = {}  # rule = "unanimity" is the table with no quota
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise ScenarioError(f"{origin}: unknown override path {path!r}: {'.'.join(keys[:depth + 1])} "
                                f"is a value, not a table")
    last = keys[-1]
    if keys[-2:-1] == ["weights"] and isinstance(value, int | float) and 0 <= value <= 1:
        others = {k: w for k, w in node.items() if k != last and isinstance(w, int | float)}
        rest = sum(others.values())
        for k, w in others.items():
            node[k] = w * (1.0 - value) / rest if rest > 0 else (1.0 - value) / len(others)
    elif keys[-2:] == ["strategy", "name"] and value != node.get("name"):
        node.clear()  # the old strategy's parameters do not apply to the new one
    node[last] = copy.deepcopy(value) if isinstance(value, dict | list) else value  # never the caller's table
