"""The table form the field's formats share: every country values every issue by a table, as Genius does.

Genius XML and GeniusWeb JSON describe a negotiation as issues with options, and, per party, a weight per
issue, a number per option (or a linear function of a number), a reservation value and a discount factor.
A scenario in that form (docs/formats.md) has, for every country, ``values.ISSUE = { option = number }``
(categorical and ordinal issues) or ``[[x, v], ...]`` (continuous issues, piecewise linear),
``weights``, ``reservation_value`` and ``discount``. Utilities follow Genius's convention: a table is
normalised by its maximum, u = sum_k w_k v_k(x_k) / max v_k (Genius ``EvaluatorDiscrete.normalize``).

Import (``genius.read``, ``geniusweb.read``) builds such a dict with :func:`imported`; export
(``export.py``) first turns any scenario dict into it with :func:`tabulate`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any, NoReturn

import numpy as np

from ..errors import ScenarioError
from ..issues import Issue
from ..preferences import SHAPES
from .limits import MAX_LEVELS

#: Rounds of an imported negotiation: Genius and GeniusWeb keep deadlines in their tournament settings, not
#: in the domain folder.
DEFAULT_ROUNDS = 20
#: Evenly spaced points a continuous issue is cut into for formats without continuous issues.
GRID_POINTS = 11
#: Most evenly spaced points ``tabulate`` cuts a continuous issue into: with the status quo, ideals, red lines
#: and corners added, the options must stay within what the readers take back (``limits.MAX_LEVELS``).
MAX_POINTS = MAX_LEVELS // 2
#: How far from 1 imported weights may sum and be kept as written (the engine's own tolerance).
WEIGHT_TOLERANCE = 1e-6


def fail(origin: Any, key: str, message: str) -> NoReturn:
    """Raise the one-line ScenarioError ``FILE: KEY: expected ..., found ...``."""
    raise ScenarioError(f"{origin}: {key}: {message}")


def number(text: Any, origin: Any, key: str) -> float:
    """A finite number read from a file, else a ScenarioError naming the file and key."""
    try:
        x = float(text)
    except (TypeError, ValueError):
        fail(origin, key, f"expected a number, found {shown(text)}")
    except OverflowError:  # an integer beyond the largest float
        x = math.inf
    if not math.isfinite(x):
        fail(origin, key, f"expected a finite number, found {shown(text)}")
    return x


def shown(value: Any, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters (a message stays one short line, whatever a file holds)."""
    if isinstance(value, int) and value.bit_length() > 3 * width:  # repr fails past 4,300 digits
        return f"an integer of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def label(x: float) -> str:
    """A number as an option label: ``3``, ``62.5``, ``0.1`` (shortest form that reads back the same)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def party_codes(stems: list[str]) -> list[str]:
    """Profile file names (without extension) -> party codes: the names less their common prefix and suffix,
    each cut at a separator (``laptop_buyer_utility``, ``laptop_seller_utility`` -> ``buyer``, ``seller``)."""
    if len(stems) < 2:
        return list(stems)
    sep = re.compile(r"[_\-. ]")

    def common(strings: list[str]) -> int:
        n = 0
        while all(len(s) > n for s in strings) and len({s[n] for s in strings}) == 1:
            n += 1
        cut = max((m.end() for m in sep.finditer(strings[0][:n])), default=0)
        return cut if all(len(s) > cut for s in strings) else 0

    start = common(stems)
    rest = [s[start:] for s in stems]
    end = common([s[::-1] for s in rest])
    codes = [s[: len(s) - end] if end else s for s in rest]
    codes = [re.sub(r"[^\w\-]", "_", c) for c in codes]
    return codes if len(set(codes)) == len(codes) and all(codes) else [re.sub(r"[^\w\-]", "_", s) for s in stems]


def weights_summing_to_one(weights: dict[str, float], origin: Any, key: str) -> dict[str, float]:
    """Weights as written when they sum to 1 (within the engine's tolerance), else divided by their sum."""
    for issue, w in weights.items():
        if w < 0:
            fail(origin, f"{key}.{issue}", f"expected a weight >= 0, found {w:g}")
    total = sum(weights.values())
    if total <= 0:
        fail(origin, key, "expected weights with a positive sum, found all 0")
    if abs(total - 1.0) <= WEIGHT_TOLERANCE:
        return weights
    return {issue: w / total for issue, w in weights.items()}


def checked_table(table: dict[str, float], weight: float, origin: Any, key: str) -> dict[str, float]:
    """A value table read from a file: numbers >= 0, at least one positive unless the issue weighs nothing (then
    every option is worth the same, which changes no utility)."""
    for option, v in table.items():
        if v < 0:
            fail(origin, f"{key}.{option}", f"expected an evaluation >= 0, found {v:g}")
    if max(table.values()) > 0:
        return table
    if weight == 0:
        return dict.fromkeys(table, 1.0)
    fail(origin, key, "expected at least one evaluation > 0 (all 0: Genius counts the issue as 0 for every "
         "option, which a table normalised by its maximum cannot say), found all 0")


def imported(name: str, description: str, issues: dict[str, dict], countries: dict[str, dict]) -> dict:
    """The scenario dict of an imported domain: alternating offers over ``DEFAULT_ROUNDS`` rounds, no threat, no
    deal leaving every party its reservation value (``no_deal = "termination"``)."""
    for country in countries.values():
        country.setdefault("ideal", {})
    return {
        "name": name,
        "description": description,
        "protocol": {"name": "alternating_offers", "deadline_round": DEFAULT_ROUNDS,
                     "horizon_round": DEFAULT_ROUNDS, "random_order": True, "no_deal": "termination"},
        "issues": issues,
        "countries": countries,
    }


def imported_sources(countries: dict[str, dict], files: dict[str, str], fmt: str) -> dict[str, str]:
    """Sources of an imported scenario's numbers: each country's reservation value and discount come from its
    profile file (so do its weights and values: its ``label`` names the file); the rounds are assumed."""
    rounds = (f"assumption: {fmt} keeps deadlines in its tournament settings, not in the domain folder; "
              f"{DEFAULT_ROUNDS} rounds")
    sources = {"protocol.deadline_round": rounds, "protocol.horizon_round": rounds}
    for code in countries:
        for key in ("reservation_value", "discount"):
            sources[f"countries.{code}.{key}"] = f"{fmt}: {files[code]}"
    return sources


# ------------------------------------------------------------------------------------------ export


def value_function(issue: dict, country: dict, name: str) -> tuple[Callable[[Any], float], list[float] | None]:
    """Country's value of an option or number on issue ``name`` (unnormalised), and, for a continuous issue whose
    value is piecewise linear, the x of its corners (else None).

    A value table is read as written; a single-peaked value (``ideal``, ``shape``) is 1 at the ideal and 0 at
    the far end of the range (preferences.py).
    """
    table = country.get("values", {}).get(name)
    if isinstance(table, dict):
        return (lambda option: float(table[option])), None
    if table is not None:
        xs, vs = zip(*table, strict=True)
        return (lambda x: float(np.interp(x, xs, vs))), list(xs)
    spec = Issue(name=name, kind=issue["kind"], status_quo=issue.get("status_quo"),
                 bounds=tuple(issue["bounds"]) if issue.get("bounds") else None,
                 levels=tuple(labels) if (labels := issue.get("levels") or issue.get("options")) else None)
    ideal = spec.normalise(country["ideal"][name])
    reach = max(ideal, 1.0 - ideal, 1e-12)
    exponent = SHAPES[country.get("shape", "linear")]

    def single_peaked(x):
        return 1.0 - (abs(spec.normalise(x) - ideal) / reach) ** exponent

    corners = [country["ideal"][name]] if exponent == 1.0 else None
    return single_peaked, corners


def tabulate(raw: dict, walk_away: dict[str, float] | None = None, points: int = GRID_POINTS,
             keep_linear: bool = True) -> tuple[dict, list[str]]:
    """Any scenario dict -> the table form, plus notes on what the table form cannot say.

    Every country gets a value table on every issue, normalised to a maximum of 1 (utilities unchanged under
    the convention). A continuous issue stays continuous when every country's value is linear on it and
    ``keep_linear`` (Genius real issues); otherwise it becomes ordinal levels at ``points`` evenly spaced
    values plus the status quo, every ideal, red line and corner of a piecewise-linear value, so that these
    keep their exact values. The reservation value is the country's walk-away value at the start of the
    talks (``walk_away``, else its ``reservation_value``, else its ``termination_value``).
    """
    if not 2 <= points <= MAX_POINTS:
        raise ScenarioError(f"points: expected 2 to {MAX_POINTS:,} points per continuous issue, found {points:,}")
    countries = raw["countries"]
    issues, values, notes = {}, {code: {} for code in countries}, []
    for name, issue in raw["issues"].items():
        funcs = {code: value_function(issue, c, name) for code, c in countries.items()}
        kept = {k: issue[k] for k in ("label", "unit") if issue.get(k)}
        if issue["kind"] != "continuous":
            key = "options" if issue["kind"] == "categorical" else "levels"
            issues[name] = {"kind": issue["kind"], key: list(issue[key]), **kept}
            for code, (f, _) in funcs.items():
                values[code][name] = _normalised({option: f(option) for option in issue[key]})
            continue
        lo, hi = map(float, issue["bounds"])
        linear = keep_linear and all(_is_linear(f, corners, lo, hi) for f, corners in funcs.values())
        if linear:
            issues[name] = {"kind": "continuous", "bounds": [lo, hi], **kept}
            for code, (f, _) in funcs.items():
                top = max(f(lo), f(hi))
                values[code][name] = [[lo, f(lo) / top if top else 0.0], [hi, f(hi) / top if top else 0.0]]
            continue
        grid = _grid(name, issue, raw, funcs, lo, hi, points)
        levels = [label(x) for x in grid]
        issues[name] = {"kind": "ordinal", "levels": levels, **kept}
        for code, (f, _) in funcs.items():
            values[code][name] = _normalised({lv: f(x) for lv, x in zip(levels, grid, strict=True)})
        notes.append(f"{name}: continuous {lo:g}-{hi:g}, cut into {len(grid)} options ({points} evenly spaced "
                     "points, the status quo, every ideal, red line and corner of a value); values in between "
                     "are lost")
    out = {}
    for code, c in countries.items():
        reservation = (walk_away or {}).get(code, c.get("reservation_value", c.get("termination_value", 0.0)))
        out[code] = {"label": c.get("label", ""), "weights": dict(c["weights"]), "values": values[code],
                     "reservation_value": float(reservation), "discount": float(c.get("discount", 1.0))}
        if c.get("red_lines"):
            notes.append(f"{code}: red lines on {', '.join(c['red_lines'])} have no place in the table form: "
                         "dropped")
    dropped = [k for k in ("threat", "events", "ratification", "noise") if raw.get(k)]
    dropped += sorted({k for c in countries.values() for k in ("congress", "lobby", "auto_workers", "election",
                                                               "audience_costs", "belief") if c.get(k)})
    if dropped:
        notes.append(f"dropped (no place in the table form): {', '.join(dropped)}; each party keeps its "
                     "walk-away value at the start of the talks as its reservation value")
    return {"name": raw["name"], "description": raw.get("description", ""), "issues": issues,
            "countries": out}, notes


def _normalised(table: dict[str, float]) -> dict[str, float]:
    top = max(table.values())
    return {k: (v / top if top > 0 else 0.0) for k, v in table.items()}


def _is_linear(f: Callable[[float], float], corners: list[float] | None, lo: float, hi: float) -> bool:
    """Whether a piecewise-linear value is one straight line over [lo, hi] (corners None: not piecewise linear)."""
    if corners is None:
        return False
    xs = [x for x in corners if lo < x < hi]
    line = np.interp(xs, [lo, hi], [f(lo), f(hi)])
    return bool(np.allclose([f(x) for x in xs], line, rtol=0, atol=1e-12))


def _grid(name: str, issue: dict, raw: dict, funcs: dict, lo: float, hi: float, points: int) -> list[float]:
    """Evenly spaced points of a continuous issue, plus its status quo and every ideal, red line and corner."""
    extra = [issue.get("status_quo")]
    for code, c in raw["countries"].items():
        extra += [c.get("ideal", {}).get(name), c.get("red_lines", {}).get(name)]
        extra += funcs[code][1] or []
    xs = {float(f"{x:.10g}") for x in np.linspace(lo, hi, points)}
    xs |= {float(x) for x in extra if isinstance(x, int | float) and not isinstance(x, bool) and lo <= x <= hi}
    grid, seen = [], set()
    for x in sorted(xs):  # one point per label
        if label(x) not in seen:
            seen.add(label(x))
            grid.append(x)
    return grid
