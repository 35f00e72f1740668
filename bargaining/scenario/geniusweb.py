"""GeniusWeb JSON folders: a domain and one ``LinearAdditiveUtilitySpace`` profile per party.

A domain is ``{"name": ..., "issuesValues": {ISSUE: {"values": [...]} or {"range": {"low", "high",
"step"}}}}`` (``DiscreteValueSet``, ``NumberValueSet``). A profile is ``{"LinearAdditiveUtilitySpace":
{"issueUtilities": {ISSUE: {"discreteutils": {"valueUtilities": {value: u}}} or
{"numberutils": {"lowValue", "lowUtility", "highValue", "highUtility"}}}, "issueWeights": {...},
"domain": {...}, "name": ..., "reservationBid": null or {"issuevalues": {ISSUE: value}}}}``; a number issue's
utility is interpolated linearly between its low and high values (GeniusWeb ``NumberValueSetUtilities``).
``discreteutils`` and ``numberutils`` are the JSON type names GeniusWeb writes (as in its competition profiles);
the class names ``DiscreteValueSetUtilities`` and ``NumberValueSetUtilities`` are accepted too.
The domain file may be left out when the profiles carry it.

Imported, discrete value sets become categorical issues, number ranges ordinal levels (``"12.2"``,
``"12.5"``, ...) with a value table. A profile's reservation value is its utility of the reservation bid (0
when there is none), in the table form's convention: each issue's utilities divided by their maximum. GeniusWeb
itself does not divide: where an issue's best value has a utility below 1, GeniusWeb's utilities are lower than
these (docs/formats.md).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import numpy as np

from ..errors import ScenarioError
from .limits import check_levels, parse_json, read_text
from .tables import (
    checked_table,
    fail,
    imported,
    imported_sources,
    number,
    party_codes,
    shown,
    weights_summing_to_one,
)

PROFILE = "LinearAdditiveUtilitySpace"
#: The JSON type names of GeniusWeb's value set utilities, and the class names also accepted.
DISCRETE, NUMBER = ("discreteutils", "DiscreteValueSetUtilities"), ("numberutils", "NumberValueSetUtilities")
#: Outcomes of each half of the issues searched for a reservation bid (below: exact; above: greedy).
SEARCH_LIMIT = 2_000_000


def read(folder: Path) -> tuple[dict, dict[str, str]]:
    """A GeniusWeb folder -> (scenario dict in the table form, sources by dotted path).

    Raises:
        ScenarioError: One line naming the file, the key, what was expected and what was found.
    """
    documents = {f: _parse(f) for f in sorted(folder.glob("*.json"))}
    domains = [f for f, doc in documents.items() if "issuesValues" in doc]
    profiles = [f for f in documents if f not in domains]
    for f in profiles:
        if set(documents[f]) != {PROFILE}:
            fail(f, "profile", f"expected a {PROFILE} object (or a domain with issuesValues), found "
                 f"{shown(sorted(documents[f]))}")
        if not isinstance(documents[f][PROFILE], dict):
            fail(f, PROFILE, f"expected an object, found {shown(documents[f][PROFILE])}")
    if len(domains) > 1:
        fail(folder, "domain file", f"expected one domain file (JSON with issuesValues), found {len(domains)}: "
             + ", ".join(f.name for f in domains))
    if len(profiles) < 2:
        fail(folder, "profiles", f"expected at least two {PROFILE} profile files, found {len(profiles)}")
    if domains:
        domain_file, domain = domains[0], documents[domains[0]]
    elif "domain" in documents[profiles[0]][PROFILE]:
        domain_file, domain = profiles[0], documents[profiles[0]][PROFILE]["domain"]
    else:
        fail(folder, "domain file", "expected a domain file or profiles that carry their domain, found neither")
    issues, numbers = _domain_issues(domain_file, domain)
    codes = party_codes([f.stem for f in profiles])
    countries = {code: _profile(f, documents[f][PROFILE], domain, issues, numbers)
                 for code, f in zip(codes, profiles, strict=True)}
    name = str(domain.get("name") or folder.name)
    description = (f"GeniusWeb domain {name} ({folder.name}): {len(issues)} issues, {len(countries)} parties "
                   f"({', '.join(f.name for f in profiles)}).")
    raw = imported(name, description, issues, countries)
    return raw, imported_sources(countries, {c: f.name for c, f in zip(codes, profiles, strict=True)}, "GeniusWeb")


def _parse(path: Path) -> dict:
    try:
        doc = parse_json(read_text(path, path, encoding="utf-8"), path, parse_float=Decimal, parse_int=Decimal)
    except ScenarioError:
        raise  # too large, nested too deep
    except (ValueError, OSError) as exc:  # not JSON, not UTF-8
        fail(path, "json", f"expected a JSON file, found {exc}")
    if not isinstance(doc, dict):
        fail(path, "json", f"expected a JSON object, found {type(doc).__name__}")
    return doc


def _label(x: Decimal | int) -> str:
    """A number value as a level label: ``Decimal("12.50")`` -> ``"12.5"``, ``1000`` -> ``"1000"`` (in exponent
    form beyond 30 digits: ``1E+400``, not 401 characters)."""
    x = Decimal(x).normalize()
    return format(x, "f") if not x.is_finite() or abs(x.adjusted()) <= 30 else str(x)


def _domain_issues(path: Path, domain: dict) -> tuple[dict[str, dict], dict[str, list[Decimal]]]:
    """Issues in the table form, and the numbers of each number issue's levels."""
    issues, numbers = {}, {}
    if not isinstance(domain, dict) or not isinstance(domain.get("issuesValues"), dict) or not domain["issuesValues"]:
        fail(path, "issuesValues", "expected an object of issues, found "
             f"{shown(domain.get('issuesValues') if isinstance(domain, dict) else domain)}")
    for name, valueset in domain["issuesValues"].items():
        key = f"issuesValues.{name}"
        if isinstance(valueset, dict) and isinstance(valueset.get("values"), list):
            options = [str(v) for v in valueset["values"]]
            if len(options) < 2 or len(set(options)) != len(options):
                fail(path, key, f"expected at least two distinct values, found {options}")
            issues[name] = {"kind": "categorical", "options": options}
        elif isinstance(valueset, dict) and isinstance(valueset.get("range"), dict):
            r = valueset["range"]
            try:
                low, high, step = (Decimal(r[k]) for k in ("low", "high", "step"))
                if not all(x.is_finite() for x in (low, high, step)):
                    raise ValueError
                count = int((high - low) / step) + 1 if step > 0 and high > low else 0
            except (KeyError, ArithmeticError, TypeError, ValueError):
                fail(path, f"{key}.range", f"expected finite numbers low, high and step, found {shown(r)}")
            if not count:
                fail(path, f"{key}.range", f"expected step > 0 and high > low, found {shown(r)}")
            check_levels(count, path, f"{key}.range")
            values = [low + k * step for k in range(count)]
            if len(values) < 2:
                fail(path, f"{key}.range", f"expected at least two values, found {len(values)}")
            numbers[name] = values
            issues[name] = {"kind": "ordinal", "levels": [_label(v) for v in values]}
        else:
            fail(path, key, f"expected {{\"values\": [...]}} or {{\"range\": {{...}}}}, found {shown(valueset)}")
    return issues, numbers


def _profile(path: Path, profile: dict, domain: dict, issues: dict, numbers: dict) -> dict:
    """One party: weights, value tables, reservation value (from the reservation bid), checked against the domain."""
    if "domain" in profile and _domain_issues(path, profile["domain"])[0] != issues:
        fail(path, f"{PROFILE}.domain", "expected the domain of the folder's domain file, found another")
    raw_weights = profile.get("issueWeights") or {}
    utilities = profile.get("issueUtilities") or {}
    for key, table in (("issueWeights", raw_weights), ("issueUtilities", utilities)):
        if not isinstance(table, dict) or set(table) != set(issues):
            fail(path, f"{PROFILE}.{key}", f"expected the domain's issues {sorted(issues)}, found "
                 f"{shown(sorted(table) if isinstance(table, dict) else table)}")
    weights = weights_summing_to_one({n: number(raw_weights[n], path, f"issueWeights.{n}") for n in issues},
                                     path, "issueWeights")
    values = {}
    for name, issue in issues.items():
        key, spec = f"issueUtilities.{name}", utilities[name]
        if issue["kind"] == "categorical":
            table = (_typed(spec, DISCRETE) or {}).get("valueUtilities")
            if not isinstance(table, dict):
                fail(path, key, f"expected {{\"discreteutils\": {{\"valueUtilities\": ...}}}}, found {shown(spec)}")
            if set(table) != set(issue["options"]):
                fail(path, key, f"expected the domain's values {sorted(issue['options'])}, found {sorted(table)}")
            table = {o: number(table[o], path, f"{key}.{o}") for o in issue["options"]}
        else:
            table = _number_utilities(path, key, spec, numbers[name], issue["levels"])
        for option, u in table.items():
            if u > 1:
                fail(path, f"{key}.{option}", f"expected a utility in [0, 1], found {u:g}")
        values[name] = checked_table(table, weights[name], path, key)
    return {"label": path.name, "weights": weights, "values": values,
            "reservation_value": _reservation(path, profile.get("reservationBid"), issues, numbers, weights, values),
            "discount": 1.0}


def _typed(spec, names: tuple[str, str]):
    """The body (an object) of a value set utilities object under either of its names, or None."""
    if not isinstance(spec, dict):
        return None
    body = next((spec[n] for n in names if n in spec), None)
    return body if isinstance(body, dict) else None


def _number_utilities(path: Path, key: str, spec, values: list[Decimal], levels: list[str]) -> dict[str, float]:
    s = _typed(spec, NUMBER)
    if not isinstance(s, dict):
        fail(path, key, f"expected {{\"numberutils\": {{...}}}} (the issue is a number range), found {shown(spec)}")
    low, low_u, high, high_u = (number(s.get(k), path, f"{key}.{k}")
                                for k in ("lowValue", "lowUtility", "highValue", "highUtility"))
    if not low < high:
        fail(path, key, f"expected lowValue < highValue, found {low:g} and {high:g}")
    return {lv: low_u + (high_u - low_u) * (float(v) - low) / (high - low) if low <= v <= high else 0.0
            for lv, v in zip(levels, values, strict=True)}


def _reservation(path: Path, bid, issues: dict, numbers: dict, weights: dict, values: dict) -> float:
    """Utility of the reservation bid (0 for none; an issue the bid leaves out counts 0, as in GeniusWeb)."""
    if bid is None:
        return 0.0
    chosen = bid.get("issuevalues") if isinstance(bid, dict) else None
    if not isinstance(chosen, dict):
        fail(path, "reservationBid", f"expected null or {{\"issuevalues\": {{...}}}}, found {shown(bid)}")
    total = 0.0
    for name, value in chosen.items():
        if name not in issues:
            fail(path, f"reservationBid.{name}", f"expected an issue of the domain {sorted(issues)}, found {name!r}")
        option = _label(value) if name in numbers and isinstance(value, Decimal) else str(value)
        table = values[name]
        if option not in table:
            fail(path, f"reservationBid.{name}", f"expected one of {list(table)}, found {shown(value)}")
        total += weights[name] * table[option] / max(table.values())
    return min(total, 1.0)


# ------------------------------------------------------------------------------------------ writing


def write(tables: dict) -> tuple[dict[str, str], list[str]]:
    """A scenario in the table form without continuous issues -> ({file name: JSON text}, notes): the domain
    ``NAME_domain.json`` and one ``NAME_CODE.json`` profile per country. Ordinal levels that are evenly spaced
    numbers valued linearly by every country become number ranges, all others discrete value sets. A country's
    reservation value becomes the reservation bid whose utility is the highest not above it."""
    name, issues, countries = tables["name"], tables["issues"], tables["countries"]
    ranges = {n: _range(issue, [c["values"][n] for c in countries.values()]) for n, issue in issues.items()}
    domain = {"name": name, "issuesValues": {
        n: ({"range": ranges[n]} if ranges[n] else {"values": list(issue.get("options") or issue["levels"])})
        for n, issue in issues.items()}}
    files, notes = {f"{name}_domain.json": json.dumps(domain, indent=2) + "\n"}, []
    discounted = [code for code, c in countries.items() if c["discount"] != 1.0]
    if discounted:
        notes.append(f"discount factors of {', '.join(discounted)} dropped (GeniusWeb profiles have none)")
    for code, c in countries.items():
        utilities = {}
        for n, issue in issues.items():
            table = c["values"][n]
            if ranges[n]:
                levels = issue["levels"]
                utilities[n] = {NUMBER[0]: {
                    "lowValue": ranges[n]["low"], "lowUtility": table[levels[0]],
                    "highValue": ranges[n]["high"], "highUtility": table[levels[-1]]}}
            else:
                utilities[n] = {DISCRETE[0]: {"valueUtilities": dict(table)}}
        bid, utility = reservation_bid(issues, c)
        if abs(utility - c["reservation_value"]) > 1e-9:
            notes.append(f"{code}: reservation value {c['reservation_value']:.6g} written as a reservation bid of "
                         f"utility {utility:.6g} (GeniusWeb keeps a bid, not a value)")
        if bid is not None:
            bid = {n: (_number(option) if ranges[n] else option) for n, option in bid.items()}
        profile = {PROFILE: {"issueUtilities": utilities, "issueWeights": dict(c["weights"]), "domain": domain,
                             "name": f"{name}_{code}",
                             "reservationBid": None if bid is None else {"issuevalues": bid}}}
        files[f"{name}_{code}.json"] = json.dumps(profile, indent=2) + "\n"
    return files, notes


def _number(text: str) -> int | float:
    x = Decimal(text)
    return int(x) if x == x.to_integral_value() else float(x)


def _range(issue: dict, tables: list[dict]) -> dict | None:
    """``{"low", "high", "step"}`` when the levels are evenly spaced numbers every country values linearly."""
    if issue["kind"] != "ordinal":
        return None
    try:
        xs = [Decimal(lv) for lv in issue["levels"]]
    except ArithmeticError:
        return None
    if any(_label(x) != lv for x, lv in zip(xs, issue["levels"], strict=True)):
        return None
    steps = {b - a for a, b in zip(xs, xs[1:], strict=False)}
    if len(steps) != 1:
        return None
    for t in tables:
        v = [t[lv] for lv in issue["levels"]]
        if not np.allclose(np.diff(v), v[1] - v[0], rtol=0, atol=1e-12):
            return None
    return {"low": _number(issue["levels"][0]), "high": _number(issue["levels"][-1]), "step": _number(str(*steps))}


def reservation_bid(issues: dict, country: dict) -> tuple[dict[str, str] | None, float]:
    """The bid whose utility for ``country`` is the highest not above its reservation value, and that utility.

    Meet in the middle: the utilities of each half of the issues are enumerated (when each half has at most
    ``SEARCH_LIMIT`` bids) and, for each sum of the first half, the best partner of the second is found by
    binary search, so the answer is exact; above the limit, a greedy ascent from the worst bid gives a bid at
    or below the value. No bid when even the worst one is above the value (GeniusWeb then reads 0).
    """
    names = list(issues)
    options = [list(issues[n].get("options") or issues[n]["levels"]) for n in names]
    parts = []
    for n, opts in zip(names, options, strict=True):
        table = country["values"][n]
        top = max(table.values()) or 1.0
        parts.append(np.array([country["weights"].get(n, 0.0) * table[o] / top for o in opts]))
    target = country["reservation_value"] + 1e-12
    half = _split(parts)
    if max(np.prod([len(p) for p in parts[:half]]), np.prod([len(p) for p in parts[half:]])) <= SEARCH_LIMIT:
        choice = _meet_in_the_middle(parts[:half], parts[half:], target)
    else:
        choice = _greedy(parts, target)
    if choice is None:
        return None, 0.0
    utility = float(sum(p[i] for p, i in zip(parts, choice, strict=True)))
    return {n: opts[i] for n, opts, i in zip(names, options, choice, strict=True)}, utility


def _split(parts: list[np.ndarray]) -> int:
    sizes = np.cumsum(np.log([len(p) for p in parts]))
    return int(np.argmin(np.abs(sizes - sizes[-1] / 2))) + 1


def _sums(parts: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Every combination's utility and its option indices (rows)."""
    grids = np.meshgrid(*[np.arange(len(p)) for p in parts], indexing="ij")
    index = np.stack([g.ravel() for g in grids], axis=1) if parts else np.zeros((1, 0), dtype=int)
    total = sum((p[index[:, k]] for k, p in enumerate(parts)), np.zeros(len(index)))
    return total, index


def _meet_in_the_middle(first: list[np.ndarray], second: list[np.ndarray], target: float) -> list[int] | None:
    a, a_index = _sums(first)
    b, b_index = _sums(second)
    order = np.argsort(b, kind="stable")
    b_sorted = b[order]
    j = np.searchsorted(b_sorted, target - a, side="right") - 1
    ok = j >= 0
    if not ok.any():
        return None
    totals = np.where(ok, a + b_sorted[np.maximum(j, 0)], -np.inf)
    i = int(np.argmax(totals))
    return [*map(int, a_index[i]), *map(int, b_index[order[j[i]]])]


def _greedy(parts: list[np.ndarray], target: float) -> list[int] | None:
    choice = [int(np.argmin(p)) for p in parts]
    total = sum(p[i] for p, i in zip(parts, choice, strict=True))
    if total > target:
        return None
    improved = True
    while improved:
        improved = False
        for k, p in enumerate(parts):
            room = target - (total - p[choice[k]])
            better = [i for i in range(len(p)) if p[choice[k]] < p[i] <= room]
            if better:
                i = max(better, key=lambda i: p[i])
                total += p[i] - p[choice[k]]
                choice[k], improved = i, True
    return choice
