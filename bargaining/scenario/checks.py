"""Checks that span tables of a validated scenario spec: issue names, ideals and red lines within range,
weights summing to 1, strategy parameters, domestic tables and events. Each failure is one ScenarioError naming
the file, the key, what was expected and what was found."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from ..errors import ScenarioError
from ..preferences import red_line_interval
from ..strategies import STRATEGIES
from .schema import ScenarioSpec, Value


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
    for part in loc:
        if isinstance(node, dict) or isinstance(node, list) and isinstance(part, int):
            keys.append(part)
            node = node.get(part) if isinstance(node, dict) else node[part] if part < len(node) else None
        else:
            break  # a value, not a table: the rest names union members
    return tuple(keys)


def check(spec: ScenarioSpec, origin: str) -> None:
    """Cross-field checks: issue names, ideals and red lines within range, weights summing to 1, ..."""
    def fail(key: str, message: str):
        raise ScenarioError(f"{origin}: {key}: {message}")

    issues = {name: s.issue(name) for name, s in spec.issues.items()}
    for name, issue in issues.items():
        try:
            issue.normalise(issue.status_quo)
        except ValueError as exc:
            fail(f"issues.{name}.status_quo", str(exc))
    for code, c in spec.countries.items():
        for table in ("ideal", "weights", "red_lines"):
            for name in getattr(c, table):
                if name not in issues:
                    fail(f"countries.{code}.{table}.{name}", f"unknown issue; expected one of {sorted(issues)}")
        for name, issue in issues.items():
            if name not in c.ideal:
                fail(f"countries.{code}.ideal.{name}", "required but missing")
            for table in ("ideal", "red_lines"):
                if name in getattr(c, table):
                    try:
                        issue.normalise(getattr(c, table)[name])
                    except ValueError as exc:
                        fail(f"countries.{code}.{table}.{name}", str(exc))
        total = sum(c.weights.values())
        if abs(total - 1.0) > 1e-6:
            fail(f"countries.{code}.weights", f"expected weights summing to 1, found a sum of {total:.6g}")
        strategy_params(f"countries.{code}.strategy", c.strategy.name, c.strategy.params, fail)
    if spec.threat.country is not None and spec.threat.country not in spec.countries:
        fail("threat.country", f"expected one of {sorted(spec.countries)}, found {spec.threat.country!r}")
    if spec.protocol.horizon_round < spec.protocol.deadline_round:
        fail("protocol.horizon_round", f"expected >= deadline_round ({spec.protocol.deadline_round}), "
             f"found {spec.protocol.horizon_round}")
    last = spec.protocol.horizon_round + spec.threat.notice_rounds  # the latest round talks can reach
    year, month = map(int, spec.calendar.start.split("-"))
    if year + (month - 1 + int((last - 1) * spec.calendar.months_per_round)) // 12 > 9999:
        fail("calendar.months_per_round", f"expected a calendar whose last possible round ({last}) falls by the "
             f"year 9999, found {spec.calendar.months_per_round:g} months a round")
    check_domestic(spec, fail)


def strategy_params(key: str, name: str, params: dict, fail: Callable[[str, str], None]) -> None:
    """The parameters of strategy ``name`` (written under ``key``) must validate."""
    try:
        STRATEGIES[name].Params(**params)
    except ValidationError as exc:
        where = ".".join(map(str, _keys(exc.errors()[0]["loc"], params)))
        fail(f"{key}.{where}" if where else key, validation_message(exc, params).split(": ", 1)[1])


def check_domestic(spec: ScenarioSpec, fail: Callable[[str, str], None]) -> None:
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
        """A new ideal point must lie on the acceptable side of the country's red line on that issue."""
        if name not in red_lines:
            return
        ideal = issues[name].normalise(spec.countries[code].ideal[name])
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
            name = c.election.strategy.get("name", "time_dependent")
            if not isinstance(name, str) or name not in STRATEGIES:
                fail(f"{where}.election.strategy.name", f"expected one of {sorted(STRATEGIES)}, found {name!r}")
            strategy_params(f"{where}.election.strategy", name,
                            {k: v for k, v in c.election.strategy.items() if k != "name"}, fail)
    for n, event in enumerate(spec.events):
        if event.country not in spec.countries:
            fail(f"events.{n}.country", f"expected one of {sorted(spec.countries)}, found {event.country!r}")
        if event.belief_shift and event.country == spec.threat.country:
            fail(f"events.{n}.belief_shift", f"{event.country} makes the threat; only its partners hold "
                 "a belief in it")
        values(f"events.{n}.ideal", event.ideal)
        for name, value in event.ideal.items():
            inside(f"events.{n}.ideal.{name}", event.country, name, value, spec.countries[event.country].red_lines)
