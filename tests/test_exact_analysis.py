"""Exact analysis at any size: Nash and the other solution concepts against independent brute force in Genius's
convention, the two engines (enumeration, MILP) against each other, and runs on domains of 2 to 9 parties."""

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import tomli_w

import bargaining
from bargaining import analysis
from bargaining.analysis import exact, programmes
from bargaining.cli import main
from bargaining.scenario import from_dict

HERE = Path(__file__).parent / "scenarios"


def genius_domain(seed: int) -> dict:
    """A random discrete domain as Genius keeps them: 2-9 parties, 1-6 issues of 2-5 values, integer evaluations
    (the best 10), weights, and a reservation value (0 when the profile has none)."""
    rng = np.random.default_rng(seed)
    parties, issues = int(rng.integers(2, 10)), int(rng.integers(1, 7))
    sizes = rng.integers(2, 6, issues)
    domain = {f"issue{k}": {"kind": "categorical", "options": [f"v{o}" for o in range(size)]}
              for k, size in enumerate(sizes)}
    countries = {}
    for p in range(parties):
        raw = rng.integers(1, 20, issues).astype(float)
        weights = np.round(raw / raw.sum(), 12)
        weights[-1] = 1.0 - weights[:-1].sum()
        values = {}
        for k, size in enumerate(sizes):
            table = rng.integers(0, 11, size)
            table[rng.integers(size)] = 10
            values[f"issue{k}"] = {f"v{o}": int(v) for o, v in enumerate(table)}
        countries[f"p{p}"] = {"weights": {f"issue{k}": float(w) for k, w in enumerate(weights)}, "values": values,
                              "reservation_value": float(rng.choice([0.0, rng.uniform(0.1, 0.6)]))}
    return {"name": f"genius-{seed}", "protocol": {"deadline_round": 10, "horizon_round": 12},
            "issues": domain, "countries": countries}


def genius_nash(domain: dict) -> tuple[dict, dict] | None:
    """Independent brute force in Genius's convention: u = sum_k w_k eval_k(v) / max eval_k, the Nash product
    prod (u - rv) over outcomes every party gets at least its reservation value from; the first outcome (issues in
    order, values in order) within 1e-12 of the largest log product."""
    names = list(domain["issues"])
    options = [domain["issues"][k]["options"] for k in names]
    best, best_value = None, -np.inf
    for outcome in itertools.product(*options):
        utilities, log_product = {}, 0.0
        for code, c in domain["countries"].items():
            u = sum(c["weights"][k] * c["values"][k][v] / max(c["values"][k].values())
                    for k, v in zip(names, outcome, strict=True))
            utilities[code] = u
            gain = u - c["reservation_value"]
            log_product = -np.inf if gain <= 0 else log_product + np.log(gain)
        if log_product > best_value + 1e-12:
            best, best_value = (dict(zip(names, outcome, strict=True)), utilities), log_product
    return best


@pytest.mark.parametrize("seed", range(24))
def test_show_json_nash_equals_brute_force_in_geniuss_convention(tmp_path, capsys, seed):
    domain = genius_domain(seed)
    path = tmp_path / "domain.toml"
    path.write_text(tomli_w.dumps(domain))
    assert main(["show", str(path), "--json"]) == 0
    nash = json.loads(capsys.readouterr().out)["nash"]
    expected = genius_nash(domain)
    if expected is None:  # no outcome gives every party more than its reservation value
        assert nash is None or all(u >= domain["countries"][c]["reservation_value"] - 1e-12
                                   for c, u in nash["utilities"].items())
        return
    package, utilities = expected
    assert nash["package"] == package
    for code, u in utilities.items():
        assert nash["utilities"][code] == pytest.approx(u, abs=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_run_json_ends_with_an_outcome_for_seeds_0_to_9(tmp_path, capsys, seed):
    domain = genius_domain(100 + seed)
    path = tmp_path / "domain.toml"
    path.write_text(tomli_w.dumps(domain))
    for s in range(10):
        assert main(["run", str(path), "--seed", str(s), "--json"]) == 0
        info = json.loads(capsys.readouterr().out)
        assert info["outcome"] in ("deal", "stalemate")
        if info["outcome"] == "deal":
            assert all(info["utilities"][c] >= info["walk_away"][c] - 1e-12 for c in info["utilities"])


@pytest.mark.parametrize("seed", [3, 5, 7, 11, 19, 23])
def test_milp_and_enumeration_agree(seed, monkeypatch):
    s = from_dict(genius_domain(seed))
    prefs, space, r, rule = s.preferences, s.space, s.initial_walk_away, s.rule
    enumerated = analysis.solutions(prefs, space, r, rule)
    assert isinstance(analysis.backend(prefs, space, rule, r), exact.Enumeration)
    monkeypatch.setattr(exact, "ENUMERATE", 0)
    analysis._SOLUTIONS.clear()
    assert isinstance(analysis.backend(prefs, space, rule, r), exact.Milp)
    solved = analysis.solutions(prefs, space, r, rule)
    assert solved.zopa.exists == enumerated.zopa.exists
    assert solved.zopa.slack == pytest.approx(enumerated.zopa.slack, abs=1e-9)
    utopia = analysis.utopia(prefs, space, r, rule)
    if utopia is None:  # no package passes: no solution either way
        assert enumerated.nash is solved.nash is enumerated.kalai_smorodinsky is solved.kalai_smorodinsky is None
        return
    span = utopia - r
    objectives = {  # ties may pick different packages: compare what each concept maximises
        "nash": lambda u: np.log(u - r).sum(),
        "kalai_smorodinsky": lambda u: [((u - r) / span).min(), ((u - r) / span).sum()],
        "max_welfare": lambda u: u.sum(),
    }
    for name, objective in objectives.items():
        a, b = getattr(enumerated, name), getattr(solved, name)
        assert (a is None) == (b is None), name
        if a is not None:
            np.testing.assert_allclose(objective(b.utilities), objective(a.utilities), atol=1e-9, err_msg=name)


def test_mixed_space_nash_beats_every_package_of_a_fine_grid():
    """A continuous issue with piecewise-linear values among discrete ones (MILP): no package of the discrete
    options times a 0.01 % grid on the continuous issue has a larger Nash product."""
    s = bargaining.load_scenario(HERE / "value_tables.toml")
    prefs, space, r = s.preferences, s.space, s.initial_walk_away
    assert isinstance(analysis.backend(prefs, space, s.rule, r), exact.Milp)
    nash = s.solutions().nash
    grids = [space.positions(k) if space.discrete[k] else np.linspace(0, 1, 4001) for k in range(len(space))]
    packages = np.stack([g.ravel() for g in np.meshgrid(*grids, indexing="ij")], axis=1)
    ok = prefs.within_red_lines(packages).all(axis=1)
    gains = prefs.utility(packages[ok]) - r
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where((gains > 0).all(axis=1), np.log(np.maximum(gains, 1e-300)).sum(axis=1), -np.inf)
    assert np.log(nash.utilities - r).sum() >= logs.max() - 1e-12
    assert prefs.within_red_lines(nash.package).all()


def test_single_peaked_spaces_of_many_levels_are_never_enumerated():
    """Today's shape with 3^40 combinations of levels goes to the MILP engine (not one LP per combination)."""
    issues = {f"i{k}": {"kind": "ordinal", "levels": ["a", "b", "c"], "status_quo": "a"} for k in range(40)}
    rng = np.random.default_rng(0)
    countries = {}
    for code in "AB":
        w = rng.dirichlet(np.ones(40))
        w = np.round(w, 12)
        w[-1] = 1 - w[:-1].sum()
        countries[code] = {"ideal": {k: str(rng.choice(["a", "b", "c"])) for k in issues},
                           "weights": dict(zip(issues, map(float, w), strict=True)), "termination_value": 0.3}
    s = from_dict({"name": "forty", "protocol": {"deadline_round": 5, "horizon_round": 6}, "issues": issues,
                   "countries": countries})
    assert isinstance(analysis.backend(s.preferences, s.space, s.rule, s.initial_walk_away), exact.Milp)
    found = s.solutions()
    assert found.zopa.exists and found.nash is not None
    nafta = bargaining.load_scenario("nafta-2017")
    assert isinstance(analysis.backend(nafta.preferences, nafta.space, nafta.rule, nafta.initial_walk_away),
                      programmes.Programmes)


def test_show_json_is_clean_json_when_the_milp_engine_runs():
    """HiGHS prints nothing into ``show --json`` (a separate process: the solver writes to the C stdout)."""
    out = subprocess.run([sys.executable, "-m", "bargaining.cli", "show", str(HERE / "value_tables.toml"), "--json"],
                         capture_output=True, text=True, check=True).stdout
    info = json.loads(out)
    assert info["nash"]["package"]["site"] == "station"
