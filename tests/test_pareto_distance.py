"""The Pareto distance of a deal, fast (with linear values: the facets of the utility set, every package at once;
else programmes built once, combinations pruned by bounds, HiGHS called directly) against the previous
implementation written out here: one ``scipy.optimize.linprog`` per combination of levels; the Nash and
Kalai-Smorodinsky points with their combinations pruned against every combination solved."""

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from bargaining import analysis
from bargaining.analysis import programmes
from bargaining.preferences import Preferences
from bargaining.scenario import load_scenario
from bargaining.simulate import run


def reference_pareto_distance(prefs: Preferences, space, package: np.ndarray) -> float:
    """Largest equal gain s with u(x) >= u(package) + s over packages within every red line: every combination of
    levels solved by linprog (tangent lines of each value function, as analysis builds them)."""
    floors = prefs.utility(package)
    n, k = prefs.weights.shape
    lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
    if np.any(lo > hi + 1e-9):
        return 0.0
    ordinal, continuous = np.flatnonzero(space.discrete), np.flatnonzero(~space.discrete)
    levels = [[v for v in np.arange(0.0, 1.0 + 1e-9, space.steps[j]) if lo[j] - 1e-9 <= v <= hi[j] + 1e-9]
              for j in ordinal]
    c = len(continuous)
    nv = c + n * c + 1
    best = -np.inf
    for combo in itertools.product(*levels):
        x = np.zeros(k)
        x[ordinal] = combo
        own = (prefs.weights[:, ordinal] * prefs.values(x)[:, ordinal]).sum(axis=1)
        rows, rhs = [], []
        for i in range(n):
            tangent_rows, tangent_rhs = programmes._tangent_rows(prefs, continuous, i, nv)
            rows += tangent_rows
            rhs += tangent_rhs
            row = np.zeros(nv)
            row[c + i * c: c + (i + 1) * c] = -prefs.weights[i, continuous]
            row[-1] = 1.0
            rows.append(row)
            rhs.append(own[i] - floors[i])
        cost = np.zeros(nv)
        cost[-1] = -1.0
        bounds = [(lo[j], hi[j]) for j in continuous] + [(None, 1.0)] * (n * c) + [(None, None)]
        res = linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs")
        if res.status == 0:
            x[continuous] = res.x[:c]
            best = max(best, float((prefs.utility(x) - floors).min()))
    return max(best, 0.0)


def test_nafta_deals_as_before(nafta):
    deals = [r.package for r in (run(nafta, seed=s, record=False) for s in range(40)) if r.outcome == "deal"]
    assert len(deals) >= 10
    assert programmes._combinations(nafta.preferences, nafta.space).facets is not None  # linear values: facets
    refuse = lambda *args: pytest.fail("a programme solved where the facets serve")  # noqa: E731
    with pytest.MonkeyPatch.context() as m:
        m.setattr(programmes, "_lp_pareto_distance", refuse)
        assert analysis.pareto_distances(nafta.preferences, nafta.space, np.array(deals)).shape == (len(deals),)
    for package in deals:
        fast = analysis.pareto_distance(nafta.preferences, nafta.space, package)
        expected = reference_pareto_distance(nafta.preferences, nafta.space, package)
        assert fast == pytest.approx(expected, abs=1e-12) and (fast == 0.0) == (expected == 0.0)
    assert any(analysis.pareto_distance(nafta.preferences, nafta.space, p) > 1e-4 for p in deals)
    assert any(analysis.pareto_distance(nafta.preferences, nafta.space, p) == 0.0 for p in deals)


def random_preferences(seed: int, k: int) -> Preferences:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    weights = rng.uniform(0.05, 1.0, (n, k))
    lo, hi = np.zeros((n, k)), np.ones((n, k))
    red = rng.random((n, k)) < 0.2
    lo[red] = rng.uniform(0.0, 0.4, red.sum())
    hi[red] = rng.uniform(0.6, 1.0, red.sum())
    weights /= weights.sum(axis=1, keepdims=True)
    return Preferences(tuple(f"c{i}" for i in range(n)), rng.random((n, k)), weights, rng.choice([1.0, 2.0], n),
                       lo, hi, np.zeros(n))


@pytest.fixture(scope="module")
def spaces():
    return [load_scenario(name).space for name in ("nafta-2017", "uk-eu-2020", "pie-split")]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, 2))
def test_random_scenarios_as_before(spaces, seed, which):
    space = spaces[which]
    prefs = random_preferences(seed, len(space))
    rng = np.random.default_rng(seed + 1)
    for _ in range(3):
        package = rng.random(len(space))
        package[space.discrete] = np.round(package[space.discrete] / space.steps[space.discrete]) \
            * space.steps[space.discrete]
        expected = reference_pareto_distance(prefs, space, package)
        assert analysis.pareto_distance(prefs, space, package) == pytest.approx(expected, abs=1e-9)


def random_packages(seed: int, space, m: int = 4) -> np.ndarray:
    packages = np.random.default_rng(seed + 1).random((m, len(space)))
    ordinal = space.discrete
    packages[:, ordinal] = np.round(packages[:, ordinal] / space.steps[ordinal]) * space.steps[ordinal]
    return packages


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, 2), reduce=st.booleans())
def test_facets_give_the_programmes_value(spaces, seed, which, reduce):
    """Linear values: the facets of the utility set give every combination's programme value (linprog's, to
    rounding), for all packages at once; also when the sum of the issues' sets is cut back to its vertices
    after every issue (``FACET_POINTS``)."""
    space = spaces[which]
    prefs = random_preferences(seed, len(space))
    prefs = replace(prefs, exponent=np.ones_like(prefs.exponent))
    combos = programmes._combinations(prefs, space)
    if reduce:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(programmes, "FACET_POINTS", 8)
            facets = programmes._Facets.build(prefs, combos)
    else:
        facets = combos.facets
    packages = random_packages(seed, space)
    expected = np.array([reference_pareto_distance(prefs, space, p) for p in packages])
    found = facets.distances(prefs.utility(packages))
    np.testing.assert_allclose(found, expected, rtol=0, atol=1e-12)
    assert np.array_equal(found == 0.0, expected == 0.0)
    assert np.array_equal(analysis.pareto_distances(prefs, space, packages),
                          [analysis.pareto_distance(prefs, space, p) for p in packages])  # row for row


def test_an_efficient_package_is_exactly_zero_and_one_inside_is_not(nafta):
    """The Nash point and the frontier are efficient (0.0, not rounding); the status quo lies inside it."""
    prefs, space = nafta.preferences, nafta.space
    frontier = analysis.pareto_frontier(prefs, space, resolution=6)
    assert np.all(analysis.pareto_distances(prefs, space, frontier.packages) == 0.0)
    assert analysis.pareto_distance(prefs, space, space.status_quo) > 0.01


def test_without_facets_the_programmes_are_solved(nafta, monkeypatch):
    """More countries than qhull is asked to handle, quadratic values, or a set qhull cannot take: the
    per-combination programmes give the distance, as before."""
    prefs, space = nafta.preferences, nafta.space
    packages = np.array([r.package for r in (run(nafta, seed=s, record=False) for s in range(30))
                         if r.outcome == "deal"][:6])
    combos = programmes._combinations(prefs, space)
    for limit in ("FACET_PARTIES", "FACET_VERTICES"):
        with monkeypatch.context() as m:
            m.setattr(programmes, limit, 2)
            m.setattr(programmes, "FACET_POINTS", 2)
            assert programmes._Facets.build(prefs, combos) is None

    def refuse(*args, **kwargs):
        raise programmes.QhullError("QH6154 initial simplex is flat")

    monkeypatch.setattr(programmes, "ConvexHull", refuse)
    assert programmes._Facets.build(prefs, combos) is None
    assert programmes._Facets.build(replace(prefs, exponent=np.full(3, 2.0)), combos) is None
    monkeypatch.setattr(programmes._Combinations, "facets", property(lambda self: None))  # the cached ones stay
    solved = analysis.pareto_distances(prefs, space, packages)
    assert np.array_equal(solved, [reference_pareto_distance(prefs, space, p) for p in packages])  # bit for bit


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, 1))
def test_pruning_never_changes_the_result(spaces, seed, which, monkeypatch_module):
    """Every combination solved (no bound can rule one out) gives the same slack and package, along any ray."""
    space = spaces[which]
    prefs = random_preferences(seed, len(space))
    rng = np.random.default_rng(seed + 2)
    floors = rng.uniform(0.0, 0.8, prefs.weights.shape[0])
    direction = rng.choice([0.0, 0.5, 1.0], len(floors))
    direction[rng.integers(len(floors))] = 1.0
    for d in (None, direction):
        pruned = programmes._lp_max_min_slack(prefs, space, floors, d)
        with monkeypatch_module.context() as m:
            m.setattr(programmes, "MARGIN", np.inf)
            every = programmes._lp_max_min_slack(prefs, space, floors, d)
        assert pruned.slack == every.slack
        assert (pruned.package is None and every.package is None) or np.array_equal(pruned.package, every.package)


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as m:
        yield m


def same_point(a: analysis.Point | None, b: analysis.Point | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(a.package, b.package) and np.array_equal(a.utilities, b.utilities)


@settings(max_examples=20, deadline=None)
@given(shift=st.lists(st.floats(-0.3, 0.2), min_size=3, max_size=3))
def test_nafta_pruned_nash_and_ks_as_every_combination(nafta, shift):
    """Bit for bit at walk-away values around nafta-2017's own (some with no zone at all)."""
    prefs, space = nafta.preferences, nafta.space
    floors = nafta.initial_walk_away + np.array(shift)
    assert same_point(programmes._lp_nash(prefs, space, floors), programmes._lp_nash(prefs, space, floors, prune=False))
    assert same_point(programmes._lp_kalai_smorodinsky(prefs, space, floors),
                      programmes._lp_kalai_smorodinsky(prefs, space, floors, prune=False))


def test_nash_pruning_skips_combinations(nafta, monkeypatch):
    """The bounds do rule combinations out at nafta-2017's walk-away values: one polish instead of 12."""
    solves = []
    solve = programmes._max_log_surplus
    monkeypatch.setattr(programmes, "_max_log_surplus", lambda *a: solves.append(1) or solve(*a))
    programmes._lp_nash(nafta.preferences, nafta.space, nafta.initial_walk_away, prune=False)
    every = len(solves)
    solves.clear()
    programmes._lp_nash(nafta.preferences, nafta.space, nafta.initial_walk_away)
    assert every == 12 and len(solves) < every / 2


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, 2))
@example(seed=4, which=0).via("the best combination is not the first by bound")
@example(seed=18, which=0).via("the best combination is not the first by bound")
@example(seed=94, which=0).via("the best combination is not the first by bound")
@example(seed=275, which=1).via("the best combination is not the first by bound")
@example(seed=313, which=1).via("the best combination is not the first by bound")
@example(seed=326, which=1).via("the best combination is not the first by bound")
def test_random_scenarios_pruned_nash_and_ks_as_every_combination(spaces, seed, which):
    space = spaces[which]
    prefs = random_preferences(seed, len(space))
    floors = np.random.default_rng(seed + 3).uniform(0.0, 0.7, prefs.weights.shape[0])
    assert same_point(programmes._lp_nash(prefs, space, floors), programmes._lp_nash(prefs, space, floors, prune=False))
    assert same_point(programmes._lp_kalai_smorodinsky(prefs, space, floors),
                      programmes._lp_kalai_smorodinsky(prefs, space, floors, prune=False))


def test_quota_distances_follow_the_rule_and_the_walk_away_values():
    """port-expansion (quota with vetoes, value tables): a better package must pass at the walk-away values, so
    the distances are not unanimity's (within every red line), and none passes at walk-away values above every
    utility; ``deal_metrics`` carries the rule and walk-away values through, for (M, K) packages row for row."""
    s = load_scenario("port-expansion")
    prefs, space, rule, walk_away = s.preferences, s.space, s.rule, s.initial_walk_away
    packages = space.snap(np.random.default_rng(0).random((6, len(space))))
    quota = analysis.pareto_distances(prefs, space, packages, rule, walk_away)
    assert quota.max() > 0.0 and np.all(quota >= 0.0)
    assert not np.array_equal(quota, analysis.pareto_distances(prefs, space, packages, None, walk_away))
    assert np.all(analysis.pareto_distances(prefs, space, packages, rule, np.full(len(walk_away), 2.0)) == 0.0)
    metrics = s.deal_metrics(packages)
    assert np.array_equal(metrics["pareto_distance"], quota)
    nash, ks = s.solutions().nash, s.solutions().kalai_smorodinsky
    assert not np.array_equal(nash.utilities, analysis.nash(prefs, space, walk_away).utilities)  # the rule matters
    u = prefs.utility(packages)
    assert np.array_equal(metrics["nash_distance"], [np.linalg.norm(row - nash.utilities) for row in u])
    assert np.array_equal(metrics["kalai_smorodinsky_distance"], [np.linalg.norm(row - ks.utilities) for row in u])
    assert np.array_equal(metrics["joint_gain"], [(row - walk_away).sum() for row in u])
    for m, package in enumerate(packages):
        assert s.deal_metrics(package) == {name: float(values[m]) for name, values in metrics.items()}
        # without walk-away values, a unanimity rule measures from the package's own utilities
        assert analysis.pareto_distance(prefs, space, package) == analysis.pareto_distance(
            prefs, space, package, None, prefs.utility(package))


def test_a_quota_on_todays_shape_is_the_solvers(nafta):
    """nafta-2017 under a 2-of-3 quota: the programmes and facets (unanimity) do not serve; a package that two
    countries could both improve on at their walk-away values, the third left behind, lies further inside."""
    prefs, space, walk_away = nafta.preferences, nafta.space, nafta.initial_walk_away
    packages = np.array([r.package for r in (run(nafta, seed=s, record=False) for s in range(30))
                         if r.outcome == "deal"][:5])
    unanimity = analysis.pareto_distances(prefs, space, packages)
    quota = analysis.pareto_distances(prefs, space, packages, analysis.Rule(3, 2, ()), walk_away)
    assert not np.array_equal(quota, unanimity)


def test_the_programmes_serve_only_todays_shape(nafta):
    """Per-combination programmes (and facets) for unanimity with red lines as bounds; value tables, excluded
    options or a quota go to ``solvers``."""
    assert analysis._today(nafta.preferences, nafta.space, None)
    assert analysis._today(nafta.preferences, nafta.space, nafta.rule)
    assert not analysis._today(nafta.preferences, nafta.space, analysis.Rule(3, 2, ()))
    tabled = load_scenario(Path(__file__).parent / "scenarios" / "value_tables.toml")
    prefs = tabled.preferences
    for variant in (prefs, replace(prefs, excluded=None), replace(prefs, tables=None)):
        assert not analysis._today(variant, tabled.space, None)
