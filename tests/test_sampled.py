"""Analysis on samples of packages: Nash and Kalai-Smorodinsky deals, feasibility, Pareto masks, the
ternary coordinates, the exact frontier."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import bargaining
from bargaining import sampled as sp


@pytest.fixture(scope="module")
def nafta():
    return bargaining.load_scenario("nafta-2017")


@pytest.mark.parametrize("find", [sp.reference_points, lambda s: sp.sampled_reference_points(s, [0.0, 0.0])])
def test_pie_split_reference_points_are_the_equal_split(find):
    """Linear utilities, no-deal values 0: Nash and Kalai-Smorodinsky both split the pie 50/50."""
    refs = find(bargaining.load_scenario("pie-split"))
    assert refs.walk_away == pytest.approx([0.0, 0.0])
    assert refs.nash[0] == pytest.approx(0.5, abs=1e-3)
    assert refs.kalai_smorodinsky[0] == pytest.approx(0.5, abs=1e-3)


def test_kalai_smorodinsky_gives_equal_shares_of_best_surplus():
    """Asymmetric pie: A's no-deal value 0.4. Feasible shares of A are [0.4, 1]; best surpluses 0.6 (A)
    and 0.6 (B); K-S equalises the shares of them: s - 0.4 = 1 - s, s = 0.7. Nash maximises
    (s - 0.4)(1 - s): also s = 0.7."""
    scenario = bargaining.load_scenario("pie-split", ["A.termination_value=0.4"])
    for refs in (sp.reference_points(scenario), sp.sampled_reference_points(scenario, [0.4, 0.0])):
        assert refs.kalai_smorodinsky[0] == pytest.approx(0.7, abs=1e-3)
        assert refs.nash[0] == pytest.approx(0.7, abs=1e-3)


def test_sampled_reference_points_approach_the_exact_ones(nafta):
    exact = sp.reference_points(nafta)
    assert exact.source == "analysis"
    sampled = sp.sampled_reference_points(nafta, exact.walk_away)
    u = nafta.preferences.utility
    assert u(sampled.nash) == pytest.approx(u(exact.nash), abs=0.05)
    assert u(sampled.kalai_smorodinsky) == pytest.approx(u(exact.kalai_smorodinsky), abs=0.05)


def test_nafta_reference_points_lie_in_the_zone(nafta):
    refs = sp.reference_points(nafta, log2_n=10)
    for package in (refs.nash, refs.kalai_smorodinsky):
        assert sp.feasible(nafta, package, refs.walk_away)
    # Nash maximises the product of surpluses among the sampled zone: no sampled package beats it.
    x = sp.sample_packages(nafta, 10)
    x = x[sp.feasible(nafta, x, refs.walk_away)]
    prod = lambda p: np.prod(nafta.preferences.utility(p) - refs.walk_away, axis=-1)  # noqa: E731
    assert prod(refs.nash) >= prod(x).max() - 1e-12


def test_no_zone_no_reference_points(nafta):
    impossible = np.array([1.0, 1.0, 1.0])
    for refs in (sp.reference_points(nafta, walk_away=impossible), sp.sampled_reference_points(nafta, impossible, 8)):
        assert refs.nash is None and refs.kalai_smorodinsky is None


def test_ternary_corners_and_centre():
    pts = sp.ternary_coordinates(np.array([[1.0, 0, 0], [0, 2.0, 0], [0, 0, 3.0], [1.0, 1.0, 1.0], [0, 0, 0]]))
    h = np.sqrt(3) / 2
    assert pts == pytest.approx(np.array([[0, 0], [1, 0], [0.5, h], [0.5, h / 3], [0.5, h / 3]]))


@settings(max_examples=50, deadline=None)
@given(arrays(float, (30, 3), elements=st.floats(0, 1)))
def test_pareto_mask_keeps_exactly_the_undominated(u):
    mask = sp.pareto_mask(u)
    for i in range(len(u)):
        dominated = ((u >= u[i]).all(axis=1) & (u > u[i]).any(axis=1)).any()
        assert mask[i] == (not dominated)


def test_exact_frontier_is_undominated_by_any_sampled_package(nafta):
    """Every exact frontier point (bargaining.analysis) is in the zone, and no sampled package in the
    zone beats it for every country."""
    d = nafta.initial_walk_away
    front = sp.exact_frontier(nafta, d)
    assert len(front) >= 3 and sp.feasible(nafta, front, d).all()
    x = sp.sample_packages(nafta, 11)
    u = nafta.preferences.utility(x[sp.feasible(nafta, x, d)])
    for f in nafta.preferences.utility(front):
        assert not ((u > f + 1e-6).all(axis=1)).any()
