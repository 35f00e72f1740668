"""Teaching pictures: zone-of-agreement slices, three-party views, Nash and Kalai-Smorodinsky deals."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import bargaining
from bargaining import teaching_plots as tp


@pytest.fixture(scope="module")
def nafta():
    return bargaining.load_scenario("nafta-2017")


@pytest.mark.parametrize("find", [tp.reference_points, lambda s: tp.sampled_reference_points(s, [0.0, 0.0])])
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
    for refs in (tp.reference_points(scenario), tp.sampled_reference_points(scenario, [0.4, 0.0])):
        assert refs.kalai_smorodinsky[0] == pytest.approx(0.7, abs=1e-3)
        assert refs.nash[0] == pytest.approx(0.7, abs=1e-3)


def test_sampled_reference_points_approach_the_exact_ones(nafta):
    exact = tp.reference_points(nafta)
    assert exact.source == "analysis"
    sampled = tp.sampled_reference_points(nafta, exact.walk_away)
    u = nafta.preferences.utility
    assert u(sampled.nash) == pytest.approx(u(exact.nash), abs=0.05)
    assert u(sampled.kalai_smorodinsky) == pytest.approx(u(exact.kalai_smorodinsky), abs=0.05)


def test_nafta_reference_points_lie_in_the_zone(nafta):
    refs = tp.reference_points(nafta, log2_n=10)
    for package in (refs.nash, refs.kalai_smorodinsky):
        assert tp.feasible(nafta, package, refs.walk_away)
    # Nash maximises the product of surpluses among the sampled zone: no sampled package beats it.
    x = tp.sample_packages(nafta, 10)
    x = x[tp.feasible(nafta, x, refs.walk_away)]
    prod = lambda p: np.prod(nafta.preferences.utility(p) - refs.walk_away, axis=-1)  # noqa: E731
    assert prod(refs.nash) >= prod(x).max() - 1e-12


def test_no_zone_no_reference_points(nafta):
    impossible = np.array([1.0, 1.0, 1.0])
    for refs in (tp.reference_points(nafta, walk_away=impossible), tp.sampled_reference_points(nafta, impossible, 8)):
        assert refs.nash is None and refs.kalai_smorodinsky is None


def test_ternary_corners_and_centre():
    pts = tp.ternary_coordinates(np.array([[1.0, 0, 0], [0, 2.0, 0], [0, 0, 3.0], [1.0, 1.0, 1.0], [0, 0, 0]]))
    h = np.sqrt(3) / 2
    assert pts == pytest.approx(np.array([[0, 0], [1, 0], [0.5, h], [0.5, h / 3], [0.5, h / 3]]))


@settings(max_examples=50, deadline=None)
@given(arrays(float, (30, 3), elements=st.floats(0, 1)))
def test_pareto_mask_keeps_exactly_the_undominated(u):
    mask = tp.pareto_mask(u)
    for i in range(len(u)):
        dominated = ((u >= u[i]).all(axis=1) & (u > u[i]).any(axis=1)).any()
        assert mask[i] == (not dominated)


def test_zone_slice_shows_canadas_red_line(nafta, tmp_path):
    """On the auto-content slice, Canada accepts nothing with any U.S.-specific content (its red line at
    0 %, seed 003), whatever the regional content; the U.S. accepts the whole slice at the status quo of
    the other issues only where its utility clears 0.12."""
    d = nafta.initial_walk_away
    zone = nafta.zopa()
    xs, ys, grid = tp.slice_grid(nafta, "auto_rvc", "us_content", at=zone.package, n=41)
    ok = tp.acceptable(nafta, grid, d)
    ca = nafta.countries.index("CA")
    assert not ok[1:, :, ca].any()  # every row above us_content = 0 crosses Canada's red line
    u = nafta.preferences.utility(grid)
    assert np.array_equal(ok[..., 0], u[..., 0] >= d[0] - 1e-9)  # the U.S. has no red lines
    fig = tp.zone_slice(nafta, "auto_rvc", "us_content", at=zone.package, n=41, path=tmp_path / "slice.png",
                        marks={"ZOPA": zone.package})
    assert (tmp_path / "slice.png").stat().st_size > 10_000
    assert "zone of agreement" in fig.axes[0].get_title()
    plt.close(fig)


def test_ordinal_slice_and_three_party_figures(nafta, tmp_path):
    zone = nafta.zopa()
    fig = tp.zone_slice(nafta, "sunset", "dispute_settlement", at=zone.package, path=tmp_path / "ord.png")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()][0] == "none"
    plt.close(fig)
    fig = tp.utility_triangle(nafta, marks={"ZOPA": zone.package}, path=tmp_path / "tri.png", log2_n=9)
    assert (tmp_path / "tri.png").stat().st_size > 10_000
    assert "feasible packages" in fig.axes[0].get_title()
    plt.close(fig)
    fig = tp.utility_cloud(nafta, path=tmp_path / "cloud.png", log2_n=9)
    assert (tmp_path / "cloud.png").exists()
    plt.close(fig)
    with pytest.raises(ValueError, match="three countries"):
        tp.utility_triangle(bargaining.load_scenario("pie-split"))


def test_exact_frontier_is_undominated_by_any_sampled_package(nafta):
    """Every exact frontier point (bargaining.analysis) is in the zone, and no sampled package in the
    zone beats it for every country."""
    d = nafta.initial_walk_away
    front = tp.exact_frontier(nafta, d)
    assert len(front) >= 3 and tp.feasible(nafta, front, d).all()
    x = tp.sample_packages(nafta, 11)
    u = nafta.preferences.utility(x[tp.feasible(nafta, x, d)])
    for f in nafta.preferences.utility(front):
        assert not ((u > f + 1e-6).all(axis=1)).any()
