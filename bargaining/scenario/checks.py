"""Checks that span tables of a validated scenario spec: issue names, ideals, value tables and red lines within
range, weights summing to 1, walk-away values, the decision rule, strategy parameters, domestic tables and events.
Each failure is one ScenarioError naming the file, the key, what was expected and what was found."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..errors import ScenarioError
from ..issues import Issue
from ..preferences import red_line_interval
from ..strategies import STRATEGIES
from .schema import DOMESTIC_TABLES, CountrySpec, ScenarioSpec, Value, numbers

Fail = Callable[[str, str], None]


def value_table(issue: Issue, table: dict | list, key: str = "", fail: Fail | None = None
                ) -> tuple[np.ndarray, np.ndarray]:
    """A country's value table for an issue -> (positions in [0, 1], values divided by their largest), as Genius
    normalises evaluations; a table of zeros (an issue the country does not care about, at weight 0) is worth 1
    everywhere, as the Genius import reads it. ``fail(key, message)`` is called on a malformed table (checks);
    without it the table is taken as checked."""
    def bad(where: str, message: str) -> None:
        if fail is not None:
            fail(where, message)

    if issue.discrete:
        if not isinstance(table, dict):
            bad(key, f"expected a table {{ option = value, ... }} over {list(issue.levels)}, found {table!r}")
        known = set(issue.levels)
        for option in table:
            if option not in known:
                bad(f"{key}.{option}", f"unknown option; expected one of {list(issue.levels)}")
        missing = [o for o in issue.levels if o not in table]
        if missing:
            bad(key, f"expected a value for every option of {issue.name}, found none for {missing[0]!r}")
        labels, values = list(issue.levels), [table[o] for o in issue.levels]
        points = np.arange(len(labels)) / (len(labels) - 1)
    else:
        if isinstance(table, dict) or not table:
            bad(key, f"expected points [[x, value], ...] with x in [{issue.bounds[0]:g}, {issue.bounds[1]:g}], "
                f"found {table!r}")
        xs = [x for x, _ in table]
        labels, values = [str(n) for n in range(len(xs))], [v for _, v in table]
        for n, x in enumerate(xs):
            if not issue.bounds[0] <= x <= issue.bounds[1]:
                bad(f"{key}.{n}", f"expected x within [{issue.bounds[0]:g}, {issue.bounds[1]:g}], found {x}")
        if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
            bad(key, f"expected x strictly increasing, found {xs}")
        points = np.array([issue.normalise(float(x)) for x in xs] * (2 if len(xs) == 1 else 1))
        values = values * (2 if len(xs) == 1 else 1)
    for label, v in zip(labels, values, strict=False):
        if v < 0:
            bad(f"{key}.{label}", f"expected a value >= 0, found {v}")
    values = np.array(values, dtype=float)
    if values.max() <= 0:  # an issue the country does not care about (checks allow it at weight 0 only)
        return points, np.ones_like(values)
    return points, values / values.max()


def ideal_of(issue: Issue, country: CountrySpec) -> Value:
    """A country's ideal on an issue: its ``ideal`` entry, else its table's best option or point (the first best
    one its red lines do not exclude)."""
    if issue.name not in country.values:
        return country.ideal[issue.name]
    points, values = value_table(issue, country.values[issue.name])
    excluded = country.red_lines.get(issue.name) if isinstance(country.red_lines.get(issue.name), list) else []
    best = [n for n in np.flatnonzero(values >= values.max() - 1e-12)
            if not issue.discrete or issue.levels[n] not in excluded]
    n = int(best[0]) if best else int(np.argmax(values))
    return issue.levels[n] if issue.discrete else issue.natural(points[n])


def validation_message(exc: ValidationError, data: Any = None) -> str:
    """The first pydantic error as ``key: expected ..., found ...``.

    Args:
        data: The validated input: the key then leaves out the type names pydantic adds to the location of an
            error inside a union (``ideal.auto_rvc``, not ``ideal.auto_rvc.float``).
    """
    err = exc.errors()[0]
    key = ".".join(map(str, _keys(err["loc"], data))) or "scenario"
    msg = err["msg"].removeprefix("Value error, ")
    if msg.startswith("Input should be"):
        msg = "expected" + msg.removeprefix("Input should be")
    msg = re.sub(r"^(String|List|Dictionary|Tuple) should ", lambda m: f"expected a {m[1].lower()} to ", msg)
    if err["type"] == "missing":
        return f"{key}: required but missing"
    if err["type"] == "extra_forbidden":
        return f"{key}: unknown key (found {err['input']!r})"
    found = "" if "found" in msg else f", found {err['input']!r}"
    return f"{key}: {msg}{found}"


def _keys(loc: tuple, data: Any) -> tuple:
    """The part of an error location that names keys of ``data`` (a missing key included)."""
    if data is None:
        return loc
    keys, node = [], data
    for n, part in enumerate(loc):
        if isinstance(node, dict) and part not in node and n + 1 < len(loc):
            continue  # a union member's name (``dict[str,float]``) between a table and its keys
        if isinstance(node, dict) or isinstance(node, list) and isinstance(part, int):
            keys.append(part)
            node = node.get(part) if isinstance(node, dict) else node[part] if part < len(node) else None
        else:
            break  # a value, not a table: the rest names union members
    return tuple(keys)


def check(spec: ScenarioSpec, origin: str) -> None:
    """Cross-field checks: issue names, ideals, value tables and red lines within range, weights summing to 1,
    walk-away values, the decision rule, ..."""
    def fail(key: str, message: str):
        raise ScenarioError(f"{origin}: {key}: {message}")

    issues = {name: s.issue(name) for name, s in spec.issues.items()}
    for name, issue in issues.items():
        if issue.status_quo is not None:
            try:
                issue.normalise(issue.status_quo)
            except ValueError as exc:
                fail(f"issues.{name}.status_quo", str(exc))
    for code, c in spec.countries.items():
        if c.score_sheet is not None:
            check_score_sheet(issues, c, f"countries.{code}", fail)
        elif not c.weights:
            fail(f"countries.{code}.weights", "required but missing (or give a score_sheet)")
        for table in ("ideal", "values", "weights", "red_lines"):
            for name in getattr(c, table):
                if name not in issues:
                    fail(f"countries.{code}.{table}.{name}", f"unknown issue; expected one of {sorted(issues)}")
        for issue in issues.values():
            check_values(issue, c, f"countries.{code}", fail)
        total = sum(c.weights.values())
        if abs(total - 1.0) > 1e-6:
            fail(f"countries.{code}.weights", f"expected weights summing to 1, found a sum of {total:.6g}")
        strategy_params(f"countries.{code}.strategy", c.strategy.name, c.strategy.params, fail)
        strategy_domain(f"countries.{code}.strategy.name", code, c.strategy.name, spec, fail)
    if spec.threat.country is not None and spec.threat.country not in spec.countries:
        fail("threat.country", f"expected one of {sorted(spec.countries)}, found {spec.threat.country!r}")
    if spec.protocol.horizon_round < spec.protocol.deadline_round:
        fail("protocol.horizon_round", f"expected >= deadline_round ({spec.protocol.deadline_round}), "
             f"found {spec.protocol.horizon_round}")
    last = spec.protocol.horizon_round + spec.threat.notice_rounds  # the latest round talks can reach
    year, month = map(int, spec.calendar.start.split("-")) if spec.calendar else (1, 1)
    span = (last - 1) * spec.calendar.months_per_round if spec.calendar else 0.0  # inf past the largest float
    if spec.calendar and (span > 12 * 10_000 or year + (month - 1 + int(span)) // 12 > 9999):
        fail("calendar.months_per_round", f"expected a calendar whose last possible round ({last}) falls by the "
             f"year 9999, found {spec.calendar.months_per_round:g} months a round")
    check_rule(spec, fail)
    check_walk_away(spec, fail)
    check_domestic(spec, fail)


def check_score_sheet(issues: dict[str, Issue], c: CountrySpec, where: str, fail: Fail) -> None:
    """A score sheet's points: every issue and option, points that differ somewhere, a threshold the best
    package reaches (its tables are checked through the value tables derived from it)."""
    sheet, key = c.score_sheet, f"{where}.score_sheet"
    for name in sheet.points:
        if name not in issues:
            fail(f"{key}.points.{name}", f"unknown issue; expected one of {sorted(issues)}")
    for name, issue in issues.items():
        if name not in sheet.points:
            fail(f"{key}.points.{name}", f"required but missing (an issue {where.rsplit('.', 1)[-1]} does not care "
                 "about: 0 points on every option)")
        value_table(issue, c.values[name], f"{key}.points.{name}", fail)
    if not np.isfinite(sum(sheet.spans.values())):
        fail(f"{key}.points", "expected points whose totals are finite numbers, found totals beyond 1.8e308")
    if all(len(set(numbers(table))) <= 1 for table in sheet.points.values()):
        fail(f"{key}.points", "expected points that differ between options on at least one issue, found the same "
             "points everywhere")
    if sheet.threshold is not None and sheet.threshold > sheet.best + 1e-9:
        fail(f"{key}.threshold", f"expected at most {sheet.best:g} points (the best total of the sheet), found "
             f"{sheet.threshold:g}")


def check_values(issue: Issue, c: CountrySpec, where: str, fail: Fail) -> None:
    """A country's ideal, value table and red line on one issue."""
    name = issue.name
    if name in c.values:
        points, values = value_table(issue, c.values[name], f"{where}.values.{name}", fail)
        weight = c.weights.get(name, 0.0)
        if weight > 0 and max(numbers(c.values[name])) <= 0:
            fail(f"{where}.values.{name}", f"expected at least one value > 0 at weight {weight:g} (an issue "
                 f"{where.rsplit('.', 1)[-1]} does not care about is written all 0 at weight 0), found all 0")
    elif name not in c.ideal:
        fail(f"{where}.ideal.{name}", f"required but missing (or give values.{name})")
    if name in c.ideal:
        try:
            x = issue.normalise(c.ideal[name])
        except ValueError as exc:
            fail(f"{where}.ideal.{name}", str(exc))
        if name in c.values and np.interp(x, points, values) < 1.0 - 1e-9:
            fail(f"{where}.ideal.{name}", f"expected a best option or point of values.{name} "
                 f"(or no ideal: the table's best is the ideal), found {c.ideal[name]!r}")
    if name not in c.red_lines:
        return
    red_line, key = c.red_lines[name], f"{where}.red_lines.{name}"
    if isinstance(red_line, list):
        if not issue.discrete:
            fail(key, f"expected a bound (a number) on a continuous issue, found {red_line!r}")
        for option in red_line:
            if option not in issue.levels:
                fail(key, f"expected options of {name} ({', '.join(issue.levels)}), found {option!r}")
        if ideal_of(issue, c) in red_line:
            fail(key, f"expected unacceptable options other than its ideal {ideal_of(issue, c)!r}, found {red_line}")
    elif issue.kind == "categorical":
        fail(key, f"expected a list of unacceptable options (a categorical issue has no order), found {red_line!r}")
    else:
        try:
            issue.normalise(red_line)
        except ValueError as exc:
            fail(key, str(exc))


def check_rule(spec: ScenarioSpec, fail: Fail) -> None:
    """``protocol.rule``: a quota no larger than the table, veto parties that sit at it."""
    rule, countries = spec.protocol.rule, sorted(spec.countries)
    if rule.at_least is not None and rule.at_least > len(countries):
        fail("protocol.rule.at_least", f"expected at most {len(countries)} (the number of countries), "
             f"found {rule.at_least}")
    for n, code in enumerate(rule.veto):
        if code not in spec.countries:
            fail(f"protocol.rule.veto.{n}", f"expected one of {countries}, found {code!r}")
        if code in rule.veto[:n]:
            fail(f"protocol.rule.veto.{n}", f"expected each country once, found {code!r} twice")


def check_walk_away(spec: ScenarioSpec, fail: Fail) -> None:
    """Termination and reservation values, and the status quo wherever it is used (docs/model.md, "Walk-away
    values"): with a threatener every country has a termination value and no reservation value; without one each
    has one of the two; the status quo is needed with a threatener, with domestic tables, or where no deal
    leaves a country the status quo."""
    threatener = spec.threat.country
    for code, c in spec.countries.items():
        where = f"countries.{code}"
        if threatener is not None and c.reservation_value is not None:
            given = "score_sheet.threshold" if c.score_sheet and c.score_sheet.threshold is not None else \
                "reservation_value"
            fail(f"{where}.{given}", f"expected none: with a threatener ({threatener}) walk-away values "
                 f"come from the threat (termination_value, belief), found {c.reservation_value}")
        if threatener is None and c.reservation_value is not None and c.termination_value is not None:
            fail(f"{where}.reservation_value", f"expected either termination_value or reservation_value, found "
                 f"both ({c.termination_value} and {c.reservation_value})")
        if c.no_deal_value is None:
            fail(f"{where}.termination_value", "required but missing (or, without a threatener, give "
                 "reservation_value)")
    reason = None
    if threatener is not None:
        reason = f"the threat of {threatener} compares termination with it"
    elif any(getattr(c, kind) is not None for c in spec.countries.values() for kind in DOMESTIC_TABLES):
        reason = "domestic constituencies use it"
    elif spec.protocol.no_deal == "status_quo":
        left = [code for code, c in spec.countries.items() if c.reservation_value is None]
        if left:
            reason = (f"no deal leaves {', '.join(left)} the status quo (protocol.no_deal); give a reservation_value "
                      f"or set protocol.no_deal = \"termination\" otherwise")
    if reason:
        for name, issue in spec.issues.items():
            if issue.status_quo is None:
                fail(f"issues.{name}.status_quo", f"required but missing: {reason}")


def strategy_params(key: str, name: str, params: dict, fail: Callable[[str, str], None]) -> None:
    """The parameters of strategy ``name`` (written under ``key``) must validate."""
    try:
        STRATEGIES[name].Params(**params)
    except ValidationError as exc:
        where = ".".join(map(str, _keys(exc.errors()[0]["loc"], params)))
        fail(f"{key}.{where}" if where else key, validation_message(exc, params).split(": ", 1)[1])


#: Classifier keys that limit where a strategy is defined -> (whether a scenario is within it, why not).
DOMAINS: dict[str, tuple[Callable[[ScenarioSpec], bool], Callable[[ScenarioSpec], str]]] = {
    "two_party_only": (lambda spec: len(spec.countries) == 2,
                       lambda spec: f"classified two_party_only (defined for two countries), found "
                                    f"{len(spec.countries)} countries"),
}


def strategy_domain(key: str, code: str, name: str, spec: ScenarioSpec, fail: Fail) -> None:
    """Strategy ``name``, played by ``code``, must be used within its classifier's domain (``DOMAINS``)."""
    for field, (within, why) in DOMAINS.items():
        if STRATEGIES[name].classifier.get(field) and not within(spec):
            fail(key, f"{code} cannot play {name}: {why(spec)}")


def check_domestic(spec: ScenarioSpec, fail: Fail) -> None:
    """Cross-field checks of the domestic tables and events (issue names, values within range)."""
    issues = {name: s.issue(name) for name, s in spec.issues.items()}

    def values(key: str, table: dict) -> None:
        for name, value in table.items():
            if name not in issues:
                fail(f"{key}.{name}", f"unknown issue; expected one of {sorted(issues)}")
            try:
                issues[name].normalise(value)
            except ValueError as exc:
                fail(f"{key}.{name}", str(exc))

    def inside(key: str, code: str, name: str, value: Value, red_lines: dict) -> None:
        """A new ideal point must lie on the acceptable side of the country's red line on that issue, on an issue
        it values by its single-peaked shape."""
        if name in spec.countries[code].values:
            fail(key, f"{code} values {name} by a table, whose best option is its ideal; found a new ideal {value!r}")
        if name not in red_lines:
            return
        if isinstance(red_lines[name], list):
            if value in red_lines[name]:
                fail(key, f"expected an option {code}'s red line on {name} does not exclude, found {value!r}")
            return
        ideal = issues[name].normalise(ideal_of(issues[name], spec.countries[code]))
        lo, hi = red_line_interval(ideal, issues[name].normalise(red_lines[name]))
        if not lo - 1e-9 <= issues[name].normalise(value) <= hi + 1e-9:
            fail(key, f"expected a value within {code}'s red line on {name} ({red_lines[name]!r}), found {value!r}")

    for code, c in spec.countries.items():
        where = f"countries.{code}"
        if c.congress is not None:
            values(f"{where}.congress.ideal", c.congress.ideal)
            for name, w in c.congress.weights.items():
                if name not in issues:
                    fail(f"{where}.congress.weights.{name}", f"unknown issue; expected one of {sorted(issues)}")
                if w < 0:
                    fail(f"{where}.congress.weights.{name}", f"expected >= 0, found {w}")
            total = sum(c.congress.weights.values())
            if abs(total - 1.0) > 1e-6:
                fail(f"{where}.congress.weights", f"expected weights summing to 1, found a sum of {total:.6g}")
        if c.auto_workers is not None:
            values(f"{where}.auto_workers.demands", c.auto_workers.demands)
        if c.audience_costs is not None:
            values(f"{where}.audience_costs.set_points", c.audience_costs.set_points)
        if c.election is not None:
            values(f"{where}.election.ideal", c.election.ideal)
            values(f"{where}.election.red_lines", c.election.red_lines)
            red_lines = {**c.red_lines, **c.election.red_lines}
            for name, value in c.election.ideal.items():
                inside(f"{where}.election.ideal.{name}", code, name, value, red_lines)
            for name, value in c.election.red_lines.items():
                if issues[name].kind == "categorical":
                    fail(f"{where}.election.red_lines.{name}", f"expected a bound on an ordered issue, found {value!r}")
            name = c.election.strategy.get("name", "time_dependent")
            if not isinstance(name, str) or name not in STRATEGIES:
                fail(f"{where}.election.strategy.name", f"expected one of {sorted(STRATEGIES)}, found {name!r}")
            strategy_params(f"{where}.election.strategy", name,
                            {k: v for k, v in c.election.strategy.items() if k != "name"}, fail)
            strategy_domain(f"{where}.election.strategy.name", code, name, spec, fail)
    for n, event in enumerate(spec.events):
        if event.country not in spec.countries:
            fail(f"events.{n}.country", f"expected one of {sorted(spec.countries)}, found {event.country!r}")
        if event.belief_shift and event.country == spec.threat.country:
            fail(f"events.{n}.belief_shift", f"{event.country} makes the threat; only its partners hold "
                 "a belief in it")
        values(f"events.{n}.ideal", event.ideal)
        for name, value in event.ideal.items():
            inside(f"events.{n}.ideal.{name}", event.country, name, value, spec.countries[event.country].red_lines)
