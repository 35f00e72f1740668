"""Genius XML domain folders (the ANAC competitions' format): one domain file and one profile file per party.

A domain file (``<negotiation_template>`` or ``<utility_space>`` without ``<weight>``) lists the issues under
the root ``<objective>``: ``discrete`` issues with ``<item value="..."/>`` options, ``integer`` issues with
``lowerbound``/``upperbound``, ``real`` issues with a ``<range lowerbound upperbound/>``. A profile repeats
them with evaluations: ``<item value evaluation/>``, an integer ``<evaluator ftype="linear" slope offset/>``
(e(v) = offset + slope (v - lowerbound)), a real ``<evaluator ftype="linear" parameter0 parameter1/>``
(e(x) = parameter1 x + parameter0), each clipped to [0, 1]; ``<weight index value/>`` per issue index,
``<reservation value/>`` (0 when absent) and ``<discount_factor value/>`` (1 when absent, 0 or outside (0, 1];
Genius ``AdditiveUtilitySpace.validateDiscount``). Genius's classes: ``EvaluatorDiscrete``,
``EvaluatorInteger``, ``EvaluatorReal``.

Imported, discrete issues become categorical, integer issues ordinal levels ``"lo"`` .. ``"hi"`` with a value
table, real issues continuous with the points of their (clipped) linear evaluator (tables.py).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

from .limits import check_levels, check_size
from .tables import (
    checked_table,
    fail,
    imported,
    imported_sources,
    label,
    number,
    party_codes,
    weights_summing_to_one,
)

#: Files the ANAC folders keep beside the domain and profiles, skipped: ``pareto.xml`` (ANAC 2014) is the Pareto
#: frontier as lines of comma-separated utilities, not XML.
COMPANIONS = {"pareto.xml"}


def read(folder: Path) -> tuple[dict, dict[str, str]]:
    """A Genius folder -> (scenario dict in the table form, sources by dotted path).

    Raises:
        ScenarioError: One line naming the file, the key, what was expected and what was found.
    """
    files = sorted(f for f in folder.glob("*.xml") if f.name.lower() not in COMPANIONS)
    roots = {f: _parse(f) for f in files}
    for f, root in roots.items():
        if root.get("type") == "nonlinear" or root.find(".//ufun") is not None:
            fail(f, "utility_space", "expected a linear additive profile, found a nonlinear utility space (not "
                 "supported)")
    domains = [f for f, root in roots.items() if root.find(".//weight") is None]
    if len(domains) != 1:
        fail(folder, "domain file", "expected one XML file without <weight> elements (the domain), found "
             f"{len(domains)}" + (f": {', '.join(f.name for f in domains)}" if domains else ""))
    domain = domains[0]
    profiles = [f for f in files if f != domain]
    if len(profiles) < 2:
        fail(folder, "profiles", f"expected at least two profile files (XML with <weight> elements), found "
             f"{len(profiles)}")
    issues = _domain_issues(domain, roots[domain])
    codes = party_codes([f.stem for f in profiles])
    countries = {code: _profile(f, roots[f], issues) for code, f in zip(codes, profiles, strict=True)}
    name = folder.name
    description = (f"Genius domain {name} ({domain.name}): {len(issues)} issues, {len(countries)} parties "
                   f"({', '.join(f.name for f in profiles)}).")
    raw = imported(name, description, issues, countries)
    return raw, imported_sources(countries, {c: f.name for c, f in zip(codes, profiles, strict=True)}, "Genius")


def _parse(path: Path) -> ET.Element:
    try:
        check_size(path, path)
        return ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        fail(path, "xml", f"expected a well-formed XML file, found {exc}")


def _kind(path: Path, element: ET.Element) -> str:
    kind = element.get("type") or element.get("etype") or element.get("vtype") or "discrete"
    if kind not in ("discrete", "integer", "real"):
        fail(path, f"issue {element.get('name')!r}.type", f"expected discrete, integer or real, found {kind!r}")
    return kind


def _bounds(path: Path, element: ET.Element, key: str) -> tuple[float, float]:
    """lowerbound/upperbound from the issue's attributes or its <range> child."""
    source = element if element.get("lowerbound") is not None else element.find("range")
    if source is None:
        fail(path, key, "expected lowerbound and upperbound (attributes or a <range> element), found none")
    lo = number(source.get("lowerbound"), path, f"{key}.lowerbound")
    hi = number(source.get("upperbound"), path, f"{key}.upperbound")
    if not lo < hi:
        fail(path, key, f"expected lowerbound < upperbound, found {lo:g} and {hi:g}")
    return lo, hi


def _domain_issues(path: Path, root: ET.Element) -> dict[str, dict]:
    objective = root.find(".//objective")
    if objective is not None and objective.find(".//objective") is not None:
        fail(path, "objective", "expected one root objective, found nested objectives (not supported)")
    issues: dict[str, dict] = {}
    for element in root.iter("issue"):
        name = element.get("name")
        key = f"issue {name!r}"
        if not name or name in issues:
            fail(path, key, "expected issues with distinct, non-empty names, found " + repr(name))
        kind = _kind(path, element)
        if kind == "discrete":
            options = [item.get("value") for item in element.iter("item")]
            if len(options) < 2 or len(set(options)) != len(options) or None in options:
                fail(path, key, f"expected at least two distinct <item value=...> options, found {options}")
            issues[name] = {"kind": "categorical", "options": options}
        elif kind == "integer":
            lo, hi = _bounds(path, element, key)
            if not (lo.is_integer() and hi.is_integer()):
                fail(path, key, f"expected integer bounds, found {lo:g} and {hi:g}")
            check_levels(int(hi - lo) + 1, path, key)
            issues[name] = {"kind": "ordinal", "levels": [str(v) for v in range(int(lo), int(hi) + 1)]}
        else:
            issues[name] = {"kind": "continuous", "bounds": list(_bounds(path, element, key))}
    if not issues:
        fail(path, "issue", "expected at least one <issue>, found none")
    return issues


def _profile(path: Path, root: ET.Element, issues: dict[str, dict]) -> dict:
    """One party: weights, value tables, reservation value and discount, checked against the domain."""
    elements = {e.get("name"): e for e in root.iter("issue")}
    if set(elements) != set(issues):
        fail(path, "issues", f"expected the domain's issues {sorted(issues)}, found {sorted(elements)}")
    by_index = {e.get("index"): name for name, e in elements.items()}
    weights = dict.fromkeys(issues, 0.0)  # Genius: an issue without a <weight> weighs 0
    for w in root.iter("weight"):
        if w.get("index") not in by_index:
            fail(path, f"weight index={w.get('index')}",
                 f"expected the index of an issue ({sorted(map(str, by_index))}), found {w.get('index')!r}")
        name = by_index[w.get("index")]
        weights[name] = number(w.get("value"), path, f"weight of {name!r}")
    weights = weights_summing_to_one(weights, path, "weights")
    values = {}
    for name, issue in issues.items():
        element, key = elements[name], f"issue {name!r}"
        kind = {"categorical": "discrete", "ordinal": "integer", "continuous": "real"}[issue["kind"]]
        if _kind(path, element) != kind:
            fail(path, f"{key}.type", f"expected {kind} (as in the domain), found {_kind(path, element)}")
        if kind == "discrete":
            table = {item.get("value"): item.get("evaluation") for item in element.iter("item")}
            if set(table) != set(issue["options"]):
                fail(path, key, f"expected the domain's options {sorted(issue['options'])}, found {sorted(table)}")
            for option, e in table.items():
                if e is None:
                    fail(path, f"{key}.{option}", "expected an evaluation, found none")
            table = {o: number(table[o], path, f"{key}.{o}.evaluation") for o in issue["options"]}
            values[name] = checked_table(table, weights[name], path, key)
        elif kind == "integer":
            lo, hi = int(issue["levels"][0]), int(issue["levels"][-1])
            if _bounds(path, element, key) != (lo, hi):
                fail(path, key, f"expected the domain's bounds {lo}..{hi}, found {_bounds(path, element, key)}")
            offset, slope, x0 = _linear(path, element, key, lower=lo)
            table = {str(v): float(np.clip(offset + slope * (v - x0), 0.0, 1.0)) for v in range(lo, hi + 1)}
            values[name] = checked_table(table, weights[name], path, key)
        else:
            lo, hi = issue["bounds"]
            if _bounds(path, element, key) != (lo, hi):
                fail(path, key, f"expected the domain's bounds {lo:g}..{hi:g}, found {_bounds(path, element, key)}")
            values[name] = _real_points(path, element, key, lo, hi, weights[name])
    reservation = root.find(".//reservation")
    r = 0.0 if reservation is None else number(reservation.get("value"), path, "reservation")
    if not 0.0 <= r <= 1.0:
        fail(path, "reservation", f"expected a value in [0, 1], found {r:g}")
    discount = root.find(".//discount_factor")
    d = 1.0 if discount is None else number(discount.get("value"), path, "discount_factor")
    return {"label": path.name, "weights": weights, "values": values, "reservation_value": r,
            "discount": d if 0.0 < d <= 1.0 else 1.0}


def _linear(path: Path, element: ET.Element, key: str, lower: float) -> tuple[float, float, float]:
    """The evaluator of an integer or real issue, unclipped, as (offset, slope, x0): e(x) = offset + slope (x - x0),
    the arithmetic of Genius's EvaluatorInteger (slope, offset) and EvaluatorReal (parameter0, parameter1)."""
    ev = element.find("evaluator")
    if ev is None:
        fail(path, f"{key}.evaluator", "expected an <evaluator> element, found none")
    ftype = ev.get("ftype", "linear")
    if ev.get("slope") is not None:
        return number(ev.get("offset"), path, f"{key}.offset"), number(ev.get("slope"), path, f"{key}.slope"), lower
    if ftype == "constant":
        return number(ev.get("parameter0"), path, f"{key}.parameter0"), 0.0, 0.0
    if ftype != "linear":
        fail(path, f"{key}.evaluator.ftype", f"expected linear or constant, found {ftype!r}")
    return number(ev.get("parameter0"), path, f"{key}.parameter0"), \
        number(ev.get("parameter1"), path, f"{key}.parameter1"), 0.0


def _real_points(path: Path, element: ET.Element, key: str, lo: float, hi: float, weight: float) -> list:
    """The clipped linear evaluator of a real issue as points [x, e(x)]: the bounds and where clipping starts."""
    offset, slope, x0 = _linear(path, element, key, lower=lo)
    points = {lo: float(np.clip(offset + slope * (lo - x0), 0.0, 1.0)),
              hi: float(np.clip(offset + slope * (hi - x0), 0.0, 1.0))}
    if slope:
        for level in (0.0, 1.0):  # where the line crosses 0 or 1, clipping starts: a corner
            x = x0 + (level - offset) / slope
            if lo < x < hi and not np.isclose(x, lo, rtol=1e-12) and not np.isclose(x, hi, rtol=1e-12):
                points[x] = level
    table = checked_table({label(x): v for x, v in sorted(points.items())}, weight, path, key)
    return [[x, v] for x, v in zip(sorted(points), table.values(), strict=True)]


# ------------------------------------------------------------------------------------------ writing


def write(tables: dict) -> dict[str, str]:
    """A scenario in the table form (tables.tabulate) -> {file name: XML text}: ``NAME_domain.xml`` and one
    ``NAME_CODE.xml`` profile per country. Ordinal levels that are consecutive integers valued linearly by every
    country become integer issues, continuous issues real issues (linear by then), all others discrete."""
    name, issues, countries = tables["name"], tables["issues"], tables["countries"]
    forms = {n: _form(issue, [c["values"][n] for c in countries.values()]) for n, issue in issues.items()}
    files = {f"{name}_domain.xml": _xml(_domain_xml(name, issues, forms))}
    for code, c in countries.items():
        files[f"{name}_{code}.xml"] = _xml(_profile_xml(name, issues, forms, c))
    return files


def _form(issue: dict, tables: list) -> str:
    if issue["kind"] == "continuous":
        return "real"
    levels = issue.get("levels") or issue["options"]
    if issue["kind"] == "ordinal" and all(lv.lstrip("-").isdigit() for lv in levels) and \
            [int(lv) for lv in levels] == list(range(int(levels[0]), int(levels[0]) + len(levels))) and \
            all(np.allclose(np.diff([t[lv] for lv in levels]), t[levels[1]] - t[levels[0]], rtol=0, atol=1e-12)
                for t in tables):
        return "integer"
    return "discrete"


def _issue_xml(parent: ET.Element, index: int, name: str, issue: dict, form: str) -> ET.Element:
    element = ET.SubElement(parent, "issue", index=str(index), etype=form, type=form, vtype=form, name=name)
    if form == "integer":
        element.set("lowerbound", issue["levels"][0])
        element.set("upperbound", issue["levels"][-1])
    elif form == "real":
        ET.SubElement(element, "range", lowerbound=repr(issue["bounds"][0]), upperbound=repr(issue["bounds"][1]))
    return element


def _domain_xml(name: str, issues: dict, forms: dict) -> ET.Element:
    root = ET.Element("negotiation_template")
    space = ET.SubElement(root, "utility_space", number_of_issues=str(len(issues)))
    objective = ET.SubElement(space, "objective", index="0", etype="objective", type="objective", description="",
                              name=name)
    for k, (n, issue) in enumerate(issues.items(), start=1):
        element = _issue_xml(objective, k, n, issue, forms[n])
        if forms[n] == "discrete":
            for j, option in enumerate(issue.get("options") or issue["levels"], start=1):
                ET.SubElement(element, "item", index=str(j), value=option, description=option)
    return root


def _profile_xml(name: str, issues: dict, forms: dict, country: dict) -> ET.Element:
    root = ET.Element("utility_space")
    objective = ET.SubElement(root, "objective", index="0", etype="objective", type="objective", description="",
                              name=name)
    for k, (n, issue) in enumerate(issues.items(), start=1):
        element, table = _issue_xml(objective, k, n, issue, forms[n]), country["values"][n]
        if forms[n] == "discrete":
            for j, option in enumerate(issue.get("options") or issue["levels"], start=1):
                ET.SubElement(element, "item", index=str(j), value=option, evaluation=repr(float(table[option])))
        elif forms[n] == "integer":
            levels = issue["levels"]
            ET.SubElement(element, "evaluator", ftype="linear", slope=repr(table[levels[1]] - table[levels[0]]),
                          offset=repr(float(table[levels[0]])))
        else:
            (x0, v0), (x1, v1) = table[0], table[-1]
            slope = (v1 - v0) / (x1 - x0)
            ET.SubElement(element, "evaluator", ftype="linear", parameter0=repr(v0 - slope * x0),
                          parameter1=repr(slope))
    for k, n in enumerate(issues, start=1):
        ET.SubElement(objective, "weight", index=str(k), value=repr(float(country["weights"].get(n, 0.0))))
    ET.SubElement(root, "discount_factor", value=repr(float(country["discount"])))
    ET.SubElement(root, "reservation", value=repr(float(country["reservation_value"])))
    return root


def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
