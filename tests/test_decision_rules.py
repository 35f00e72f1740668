"""Decision rules: unanimity, or a quota with veto parties, in every protocol, the outcome records and the analysis."""

import json
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import bargaining
from bargaining import analysis
from bargaining.cli import main
from bargaining.model import NegotiationModel
from bargaining.protocols import MEDIATOR, PROTOCOLS
from bargaining.rules import Rule
from bargaining.scenario import from_dict

QUOTA = Path(__file__).parent / "scenarios" / "quota_veto.toml"
PARTIES = ("P", "U", "E", "F", "G", "T")


@pytest.fixture(scope="module")
def quota():
    return bargaining.load_scenario(QUOTA)


def test_rule_counts_yes_and_vetoes():
    rule = Rule(6, 5, (0, 1))
    yes = np.array([[1, 1, 1, 1, 1, 0], [1, 0, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]], dtype=bool)
    assert rule.passes(yes).tolist() == [True, False, False, True]
    assert Rule.unanimity(3).passes(np.array([1, 1, 0], dtype=bool)) == False  # noqa: E712
    assert rule.describe(PARTIES) == "at least 5 of 6, with P and U" and Rule.unanimity(2).describe("AB") == "unanimity"


def _six_party(draw_values, weights, reservations, at_least, veto) -> bargaining.Scenario:
    data = tomllib.loads(QUOTA.read_text())
    data["protocol"]["rule"] = {"at_least": at_least, "veto": veto}
    for code, values, w, r in zip(PARTIES, draw_values, weights, reservations, strict=True):
        country = data["countries"][code]
        country["values"] = values
        country["weights"] = dict(zip(data["issues"], w, strict=True))
        country["reservation_value"] = r
        worst = min(values["industry"], key=values["industry"].get)  # a red line on its worst industry option
        country["red_lines"] = {"industry": [worst]} if values["industry"][worst] < 10 else {}
    return from_dict(data)


@st.composite
def six_party_scenarios(draw):
    data = tomllib.loads(QUOTA.read_text())
    issues = data["issues"]
    values, weights = [], []
    for _ in PARTIES:
        table = {}
        for name, issue in issues.items():
            labels = issue.get("options") or issue.get("levels")
            entries = draw(st.lists(st.integers(0, 10), min_size=len(labels), max_size=len(labels)))
            entries[draw(st.integers(0, len(labels) - 1))] = 10
            table[name] = dict(zip(labels, map(float, entries), strict=True))
        values.append(table)
        raw = np.array(draw(st.lists(st.integers(1, 10), min_size=len(issues), max_size=len(issues))), dtype=float)
        w = np.round(raw / raw.sum(), 9)
        w[-1] = 1.0 - w[:-1].sum()
        weights.append(w.tolist())
    reservations = draw(st.lists(st.floats(0.0, 0.6), min_size=6, max_size=6))
    veto = draw(st.lists(st.sampled_from(PARTIES), max_size=3, unique=True))
    at_least = draw(st.integers(max(len(veto), 1), 6))
    return _six_party(values, weights, reservations, at_least, veto)


def _accepts(scenario, package) -> np.ndarray:
    prefs = scenario.preferences
    return prefs.within_red_lines(package) & (prefs.utility(package) >= scenario.initial_walk_away - 1e-12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(six_party_scenarios(), st.sampled_from(sorted(PROTOCOLS)), st.integers(0, 2**16))
def test_every_deal_has_the_quota_and_every_veto_party(scenario, protocol, seed):
    """Whatever the tables, weights, reservation values and rule: a deal is supported by at least the quota and by
    every veto party, each of which accepts it (red lines held, at least its walk-away value); it binds all."""
    scenario = scenario.with_overrides({"protocol.name": protocol})
    result = bargaining.run(scenario, seed=seed, record=False)
    rule = scenario.rule
    if result.outcome == "deal":
        assert (result.supporters is None) == rule.unanimous  # under unanimity every country signed and said yes
        supporters = result.signatories if rule.unanimous else result.supporters
        assert len(supporters) >= rule.at_least
        assert {scenario.countries[v] for v in rule.veto} <= set(supporters)
        accepts = _accepts(scenario, result.package)
        assert all(accepts[scenario.countries.index(c)] for c in supporters)
        assert result.signatories == list(scenario.countries)
        np.testing.assert_allclose(list(result.utilities.values()), scenario.preferences.utility(result.package))
    elif result.outcome == "bilateral":
        assert {scenario.countries[v] for v in rule.veto} <= set(result.signatories)


def test_a_package_a_veto_party_rejects_never_becomes_the_deal(quota):
    """Everyone but the union prefers no union jobs; the union's red line excludes it. Over seeds and protocols
    no deal ever has it, and every deal is one the union accepts."""
    union = quota.countries.index("U")
    data = tomllib.loads(QUOTA.read_text())
    for code in ("P", "E", "F", "G", "T"):
        data["countries"][code]["values"]["jobs"] = {"none": 10, "local first": 1, "union only": 0}
    scenario = from_dict(data)
    deals = 0
    for protocol in sorted(PROTOCOLS):
        for seed in range(8):
            result = bargaining.run(scenario.with_overrides({"protocol.name": protocol}), seed=seed, record=False)
            if result.outcome == "deal":
                deals += 1
                assert result.agreement["jobs"] != "none"
                assert _accepts(scenario, result.package)[union]
    assert deals > 0


def test_a_party_that_votes_no_is_bound_by_the_deal(quota):
    """With the quota met, a non-veto party that finds the deal below its walk-away value votes no, and the deal
    binds it: its outcome utility is its (lower) utility of the package."""
    high = quota.with_overrides({"E.reservation_value": 0.95})
    found = []
    for seed in range(10):
        result = bargaining.run(high, seed=seed)
        if result.outcome == "deal":
            found.append(result)
    assert found
    for result in found:
        assert "E" not in result.supporters and len(result.supporters) == 5
        assert result.utilities["E"] < result.walk_away["E"]
        assert result.to_dict()["supporters"] == result.supporters


def test_run_text_and_json_name_the_supporters(quota, capsys):
    assert main(["run", str(QUOTA), "--seed", "1", "--set", "E.reservation_value=0.95"]) == 0
    out = capsys.readouterr().out
    assert "Passed by at least 5 of 6, with P and U: for P, U, F, G, T; against, and bound by it: E." in out
    assert main(["run", str(QUOTA), "--seed", "1", "--json", "--set", "E.reservation_value=0.95"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["outcome"] == "deal" and info["supporters"] == ["P", "U", "F", "G", "T"]
    assert info["signatories"] == list(PARTIES) and info["pareto_distance"] is not None


def test_unanimity_is_the_default_and_its_records_have_no_supporters():
    nafta = bargaining.load_scenario("nafta-2017")
    assert nafta.rule == Rule.unanimity(3)
    result = bargaining.run(nafta, seed=0, record=False)
    assert result.supporters is None and "supporters" not in result.to_dict()


def test_single_text_passes_a_text_the_quota_accepts(quota):
    """The mediator's text is agreed once it passes the rule, objections of others notwithstanding."""
    scenario = quota.with_overrides({"protocol.name": "single_text", "E.reservation_value": 0.95})
    model = NegotiationModel(scenario, rng=3)
    model.run()
    assert model.outcome == "deal"
    supporters = {c for c, yes in zip(scenario.countries, model.agreement.supporters[0], strict=True) if yes}
    assert "E" not in supporters and model.agreement.proposer[0] == MEDIATOR


# ------------------------------------------------------------------------------------------ analysis

def _brute_force(scenario):
    """Every package of the (discrete) space, each party's utility and whether it accepts."""
    space = scenario.space
    grids = np.meshgrid(*[space.positions(k) for k in range(len(space))], indexing="ij")
    packages = np.stack([g.ravel() for g in grids], axis=1)
    utility = scenario.preferences.utility(packages)
    accepts = scenario.preferences.within_red_lines(packages) & (utility >= scenario.initial_walk_away - 1e-12)
    return packages, utility, accepts


def _quota_nash(scenario):
    """Nash under a quota by its definition: among passing packages, the largest product of the surpluses of the
    veto parties and the at_least - |veto| others with the largest surpluses."""
    packages, utility, accepts = _brute_force(scenario)
    rule, r = scenario.rule, scenario.initial_walk_away
    passing = rule.passes(accepts)
    best, best_value = None, -np.inf
    others = [n for n in range(len(r)) if n not in rule.veto]
    for i in np.flatnonzero(passing):
        gains = utility[i] - r
        top = sorted(gains[others], reverse=True)[:rule.at_least - len(rule.veto)]
        members = [*gains[list(rule.veto)], *top]
        if min(members) <= 0:
            continue
        value = float(np.sum(np.log(members)))
        if value > best_value + 1e-12:
            best, best_value = packages[i], value
    return best


@pytest.mark.parametrize("at_least, veto", [(5, ["P", "U"]), (4, ["U"]), (3, []), (6, [])])
def test_quota_analysis_matches_its_definition(quota, at_least, veto, monkeypatch):
    scenario = quota.with_overrides({"protocol.rule": {"at_least": at_least, "veto": veto}})
    prefs, space, r, rule = scenario.preferences, scenario.space, scenario.initial_walk_away, scenario.rule
    expected = _quota_nash(scenario)
    packages, utility, accepts = _brute_force(scenario)
    passing = rule.passes(accepts)
    found = analysis.solutions(prefs, space, r, rule)
    np.testing.assert_allclose(found.nash.package, expected)
    assert found.zopa.exists == bool(passing.any())
    welfare = utility[passing].sum(axis=1).max()
    assert found.max_welfare.utilities.sum() == pytest.approx(welfare, abs=1e-12)
    assert rule.passes(_accepts(scenario, found.kalai_smorodinsky.package))
    # the MILP engine finds the same (the space is small enough to enumerate, so force it)
    monkeypatch.setattr(bargaining.analysis.exact, "ENUMERATE", 0)
    analysis._SOLUTIONS.clear()
    milp = analysis.solutions(prefs, space, r, rule)
    assert isinstance(analysis.backend(prefs, space, rule, r), bargaining.analysis.exact.Milp)
    np.testing.assert_allclose(milp.nash.utilities, found.nash.utilities, atol=1e-9)
    assert milp.zopa.slack == pytest.approx(found.zopa.slack, abs=1e-9)
    assert milp.max_welfare.utilities.sum() == pytest.approx(welfare, abs=1e-9)
