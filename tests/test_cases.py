"""The bundled cases beyond NAFTA: uk-eu-2020 (a real trade negotiation) and port-expansion (a six-party teaching
case with categorical options, reservation values and a quota-and-veto rule).
"""

from __future__ import annotations

import itertools
import json
import tomllib
from collections import Counter
from fractions import Fraction
from importlib import resources

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bargaining.cli.main import main
from bargaining.scenario import genius, geniusweb, load_scenario
from bargaining.scenario.export import export_files
from bargaining.scenario.load import _strip_sources
from bargaining.simulate import run

NEW_CASES = ["uk-eu-2020", "port-expansion"]


def bundled_file(name: str) -> dict:
    return tomllib.loads((resources.files("bargaining.scenarios") / f"{name}.toml").read_text())


def unsourced_numbers(node, path=()):
    """Dotted paths of numbers not written as ``{ value = ..., source = "..." }``."""
    if isinstance(node, dict):
        if set(node) == {"value", "source"}:
            assert node["source"].strip(), ".".join(path)
            return []
        return [p for k, v in node.items() for p in unsourced_numbers(v, (*path, k))]
    if isinstance(node, list):
        return [p for n, v in enumerate(node) for p in unsourced_numbers(v, (*path, str(n)))]
    return [".".join(path)] if isinstance(node, int | float) and not isinstance(node, bool) else []


@pytest.mark.parametrize("name", NEW_CASES)
def test_every_number_cites_a_source_or_says_assumption(name):
    assert unsourced_numbers(bundled_file(name)) == []


def port_expansion() -> dict:
    return _strip_sources(bundled_file("port-expansion"), (), {})


def utility(raw: dict, code: str, package: dict) -> Fraction:
    """Exactly, in rational arithmetic on the file's decimals (a package worth exactly a minimum meets it)."""
    c, q = raw["countries"][code], lambda x: Fraction(str(x))
    return sum(q(w) * q(c["values"][i][package[i]]) / q(max(c["values"][i].values())) for i, w in c["weights"].items())


def packages(raw: dict):
    names = list(raw["issues"])
    for combo in itertools.product(*(raw["issues"][n]["options"] for n in names)):
        yield dict(zip(names, combo, strict=True))


def passes(raw: dict, package: dict) -> bool:
    """The case's rule by hand: at least 5 of 6 at or above their minimum and inside their red lines, PA and CC
    among them."""
    yes = [c for c, spec in raw["countries"].items()
           if utility(raw, c, package) >= Fraction(str(spec["reservation_value"]))
           and not any(package[i] in options for i, options in spec.get("red_lines", {}).items())]
    rule = raw["protocol"]["rule"]
    return len(yes) >= rule["at_least"] and set(rule["veto"]) <= set(yes)


def test_port_expansion_has_a_zone_only_a_coalition_reaches():
    raw = port_expansion()
    assert len(raw["countries"]) == 6 and raw["protocol"]["rule"] == {"at_least": 5, "veto": ["PA", "CC"]}
    assert all(i["kind"] == "categorical" for i in raw["issues"].values())
    passing = [p for p in packages(raw) if passes(raw, p)]
    minimum = {c: Fraction(str(spec["reservation_value"])) for c, spec in raw["countries"].items()}
    left_out = Counter(tuple(c for c, spec in raw["countries"].items() if utility(raw, c, p) < minimum[c]
                             or any(p[i] in o for i, o in spec.get("red_lines", {}).items())) for p in passing)
    assert len(passing) == 22  # of 3**5 = 243 packages (docs/port-expansion.md)
    assert left_out == {(): 2, ("DU",): 10, ("EC",): 7, ("NA",): 2, ("SL",): 1}  # never a veto holder out


def test_port_expansion_survives_export_to_genius_and_geniusweb(tmp_path):
    raw = port_expansion()
    for fmt in ("genius", "geniusweb"):
        files, notes = export_files(raw, fmt)
        folder = tmp_path / fmt
        folder.mkdir()
        for name, text in files.items():
            (folder / name).write_text(text)
        back, _ = (genius if fmt == "genius" else geniusweb).read(folder)
        for package in packages(raw):
            for code in raw["countries"]:
                assert float(utility(back, code, package)) == pytest.approx(float(utility(raw, code, package)),
                                                                             abs=1e-12)
        assert any("red lines" in n for n in notes)  # EC's and DU's red lines have no place in those formats


def test_port_expansion_loads_and_every_deal_meets_the_rule(capsys):
    raw = port_expansion()
    scenario = load_scenario("port-expansion")
    assert main(["show", "port-expansion", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["nash"] is not None
    for seed in range(10):
        result = run(scenario, seed=seed, record=False)
        if result.outcome == "deal":
            assert passes(raw, result.agreement)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), minima=st.lists(st.floats(0.5, 0.8), min_size=6, max_size=6))
def test_no_deal_without_the_quota_and_both_vetoes(seed, minima):
    overrides = {f"{c}.reservation_value": round(m, 3) for c, m in zip(["PA", "CC", "SL", "DU", "EC", "NA"], minima,
                                                                        strict=True)}
    scenario = load_scenario("port-expansion", overrides)
    raw = scenario.raw
    result = run(scenario, seed=seed, record=False)
    if result.outcome == "deal":
        assert passes(raw, result.agreement)  # a package PA or CC rejects never becomes the deal


def test_uk_eu_2020_runs_to_a_deal_before_the_transition_ends(capsys):
    scenario = load_scenario("uk-eu-2020")
    assert scenario.countries == ("UK", "EU") and scenario.spec.protocol.no_deal == "termination"
    assert np.allclose(scenario.initial_walk_away, [0.3, 0.4])  # no deal: WTO terms, each side's termination value
    for seed in range(10):
        result = run(scenario, seed=seed, record=False)
        assert result.outcome == "deal" and result.round <= 10
        assert result.agreement["governance"] != "one framework, Court of Justice on EU law"  # the UK's red line
        assert result.agreement["level_playing_field"] != "standard free-trade-agreement commitments"  # the EU's
    assert main(["show", "uk-eu-2020", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["zopa"] is True


def test_uk_eu_2020_what_if_the_eu_valued_no_deal_more():
    """With the EU's walk-away at 0.9 no package gives both sides their walk-away values: talks end without a deal."""
    scenario = load_scenario("uk-eu-2020", ["EU.termination_value=0.9"])
    assert not scenario.zopa().exists
    assert {run(scenario, seed=s, record=False).outcome for s in range(5)} == {"stalemate"}
