"""Solution concepts against theory: closed forms on the pie, brute-force grids on nafta-2017."""

import itertools
import json

import numpy as np
import pytest

import bargaining
from bargaining import analysis, cli


def solve(name, overrides=()):
    s = bargaining.load_scenario(name, list(overrides))
    floors = s.initial_walk_away
    return s, floors, analysis.nash(s.preferences, s.space, floors), \
        analysis.kalai_smorodinsky(s.preferences, s.space, floors)


# ------------------------------------------------------------------------------------------ closed forms

@pytest.mark.parametrize("r_a, r_b", [(0.0, 0.0), (0.2, 0.0), (0.0, 0.35), (0.3, 0.1), (0.45, 0.45)])
def test_pie_split_nash_and_ks_closed_forms(r_a, r_b):
    """Linear pie: u_A = x, u_B = 1 - x. Nash and Kalai-Smorodinsky both split the surplus equally:
    x = (1 + r_A - r_B) / 2."""
    s, floors, nash, ks = solve("pie-split", [f"A.termination_value={r_a}", f"B.termination_value={r_b}"])
    np.testing.assert_allclose(floors, [r_a, r_b])
    x = (1 + r_a - r_b) / 2
    np.testing.assert_allclose(nash.package, [x], atol=1e-6)
    np.testing.assert_allclose(nash.utilities, [x, 1 - x], atol=1e-6)
    np.testing.assert_allclose(ks.package, [x], atol=1e-6)
    np.testing.assert_allclose(ks.utilities, [x, 1 - x], atol=1e-6)


@pytest.mark.parametrize("b_ideal, r_a, r_b", [(0.2, 0.0, 0.0), (0.4, 0.0, 0.0), (0.2, 0.3, 0.1),
                                              (0.25, 0.1, 0.4), (0.4, 0.5, 0.2)])
def test_pie_with_a_kinked_frontier_separates_nash_from_ks(b_ideal, r_a, r_b):
    """B's ideal share for A is b > 0, so the frontier is u_B = c (1 - u_A) with c = 1 / (1 - b) for
    u_A >= b. Nash: x = (1 + r_A - r_B / c) / 2. KS: utopia U_A = 1 - r_B / c, U_B = 1 if r_A <= b else
    c (1 - r_A); the point on the frontier with (u - r) proportional to (U - r)."""
    s, floors, nash, ks = solve("pie-split", [f"B.ideal.share_A={100 * b_ideal}", f"A.termination_value={r_a}",
                                              f"B.termination_value={r_b}"])
    c = 1 / (1 - b_ideal)
    x = (1 + r_a - r_b / c) / 2
    np.testing.assert_allclose(nash.utilities, [x, c * (1 - x)], atol=1e-6)
    utopia = np.array([1 - r_b / c, 1.0 if r_a <= b_ideal else c * (1 - r_a)])
    np.testing.assert_allclose(analysis.utopia(s.preferences, s.space, floors), utopia, atol=1e-9)
    d = utopia - [r_a, r_b]
    t = (c * (1 - r_a) - r_b) / (d[1] + c * d[0])  # r_B + t d_B = c (1 - r_A - t d_A)
    np.testing.assert_allclose(ks.utilities, [r_a + t * d[0], r_b + t * d[1]], atol=1e-6)
    if r_a == r_b == 0:
        assert ks.utilities[0] != pytest.approx(nash.utilities[0], abs=1e-3)


def test_no_zone_no_solution():
    s, floors, nash, ks = solve("pie-split", ["A.termination_value=0.6", "B.termination_value=0.6"])
    assert nash is None and ks is None
    assert analysis.utopia(s.preferences, s.space, floors) is None


def test_pareto_frontier_and_distance_on_the_pie():
    s = bargaining.load_scenario("pie-split", ["B.ideal.share_A=20"])
    frontier = analysis.pareto_frontier(s.preferences, s.space, resolution=16)
    assert len(frontier.utilities) >= 10
    u_a, u_b = frontier.utilities.T
    np.testing.assert_allclose(u_b, 1.25 * (1 - u_a), atol=1e-9)  # the efficient part only
    assert u_a.min() == pytest.approx(0.2) and u_a.max() == pytest.approx(1.0)
    # share 10 % is dominated: moving to 20 % + e gives both 0.1 + e = 0.125 - 1.25 e, so 1/9
    assert analysis.pareto_distance(s.preferences, s.space, np.array([0.1])) == pytest.approx(1 / 9)
    assert analysis.pareto_distance(s.preferences, s.space, np.array([0.7])) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------------------------------ brute force on NAFTA

def grid(scenario, centre=None, half_width=None, points=21):
    """Packages within every red line: ordinal levels x a regular grid on each continuous issue (the whole
    range, or centre +- half_width)."""
    space, prefs = scenario.space, scenario.preferences
    lo, hi = prefs.lo.max(axis=0), prefs.hi.min(axis=0)
    axes = []
    for k, issue in enumerate(space):
        if issue.discrete:
            levels = np.arange(0, 1 + 1e-9, space.steps[k])
            axes.append(levels[(levels >= lo[k] - 1e-9) & (levels <= hi[k] + 1e-9)] if centre is None
                        else np.array([centre[k]]))
        elif centre is None:
            axes.append(np.unique(np.linspace(lo[k], hi[k], points)))
        else:
            axes.append(np.unique(np.clip(np.linspace(centre[k] - half_width, centre[k] + half_width, points),
                                          lo[k], hi[k])))
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, len(space))


def brute_force(scenario, score):
    """Best package by ``score(utilities) -> (M,)`` on a coarse grid, then a fine grid around it."""
    prefs = scenario.preferences
    coarse = grid(scenario, points=11)
    best = coarse[np.argmax(score(prefs.utility(coarse)))]
    fine = grid(scenario, centre=best, half_width=0.1, points=41)
    values = score(prefs.utility(fine))
    return fine[np.argmax(values)], values.max()


@pytest.fixture(scope="module")
def nafta_solutions():
    s = bargaining.load_scenario("nafta-2017")
    return s, s.solutions()


def test_nafta_nash_matches_a_brute_force_grid(nafta_solutions):
    s, found = nafta_solutions
    floors = found.walk_away

    def log_product(u):
        surplus = u - floors
        return np.where((surplus > 0).all(axis=1), np.log(np.maximum(surplus, 1e-300)).sum(axis=1), -np.inf)

    package, best = brute_force(s, log_product)
    nash = found.nash
    assert log_product(nash.utilities[None])[0] >= best - 1e-9  # no grid package beats it
    np.testing.assert_allclose(nash.utilities, s.preferences.utility(package), atol=2e-3)
    assert s.preferences.within_red_lines(nash.package).all()


def test_nafta_kalai_smorodinsky_matches_a_brute_force_grid(nafta_solutions):
    s, found = nafta_solutions
    floors = found.walk_away
    prefs = s.preferences
    everything = grid(s, points=11)
    u = prefs.utility(everything)
    rational = (u >= floors).all(axis=1)
    grid_utopia = u[rational].max(axis=0)
    utopia = analysis.utopia(prefs, s.space, floors)
    assert np.all(utopia >= grid_utopia - 1e-9)
    np.testing.assert_allclose(utopia, grid_utopia, atol=2e-2)
    ratio = lambda v: ((v - floors) / (utopia - floors)).min(axis=1)  # noqa: E731
    package, best = brute_force(s, ratio)
    ks = found.kalai_smorodinsky
    t = ratio(ks.utilities[None])[0]
    assert best - 2e-3 <= t and t >= best - 1e-9  # no grid package goes further along the line
    shares = (ks.utilities - floors) / (utopia - floors)
    on_line = np.isclose(shares, t, atol=1e-9)
    assert on_line.sum() >= 2  # the line stops where at least two countries bind...
    # ...and the others go on as far as they can with those held there (Imai's lexicographic extension)
    assert analysis.pareto_distance(prefs, s.space, ks.package) == pytest.approx(0.0, abs=1e-7)
    most = analysis.utopia(prefs, s.space, ks.utilities - 1e-9)
    np.testing.assert_allclose(most[~on_line], ks.utilities[~on_line], atol=1e-6)
    np.testing.assert_allclose(ks.utilities[on_line], prefs.utility(package)[on_line], atol=3e-3)


def test_nafta_frontier_points_are_undominated_on_the_grid(nafta_solutions):
    s, _ = nafta_solutions
    prefs = s.preferences
    frontier = analysis.pareto_frontier(prefs, s.space, resolution=6)
    assert len(frontier.utilities) >= 10
    u = prefs.utility(grid(s, points=6))
    for point in frontier.utilities:
        assert not ((u >= point + 1e-9).all(axis=1)).any()
    assert not analysis.dominated(frontier.utilities).any()
    assert all(prefs.within_red_lines(x).all() for x in frontier.packages)
    for x in frontier.packages[:5]:
        assert analysis.pareto_distance(prefs, s.space, x) == pytest.approx(0.0, abs=1e-7)


def test_nafta_deal_metrics(nafta_solutions):
    s, found = nafta_solutions
    prefs = s.preferences
    assert bargaining.load_scenario("nafta-2017").solutions() is found  # cached per preferences and walk-away values
    metrics = s.deal_metrics(found.nash.package)
    assert metrics["nash_distance"] == pytest.approx(0.0, abs=1e-9)
    assert metrics["pareto_distance"] == pytest.approx(0.0, abs=1e-6)
    assert metrics["joint_gain"] == pytest.approx(float((found.nash.utilities - found.walk_away).sum()))
    sq = s.space.status_quo
    gain = analysis.pareto_distance(prefs, s.space, sq)
    assert gain > 0.05  # modernising customs and digital trade alone helps everyone
    better = analysis.max_min_slack(prefs, s.space, prefs.utility(sq)).package
    assert np.all(prefs.utility(better) >= prefs.utility(sq) + gain - 1e-9)


def test_cli_json_gains_nash_ks_and_distances(capsys):
    assert cli.main(["show", "pie-split", "--json", "--set", "A.termination_value=0.2"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["nash"]["package"]["share_A"] == pytest.approx(60.0, abs=1e-4)
    assert info["nash"]["utilities"] == pytest.approx({"A": 0.6, "B": 0.4}, abs=1e-6)
    assert info["kalai_smorodinsky"]["utilities"] == pytest.approx({"A": 0.6, "B": 0.4}, abs=1e-6)
    assert cli.main(["run", "nafta-2017", "--json", "--seed", "7"]) == 0
    info = json.loads(capsys.readouterr().out)
    if info["outcome"] == "deal":
        assert info["pareto_distance"] >= 0 and info["nash_distance"] >= 0
        assert info["signatories"] == ["US", "CA", "MX"]
    for seed in itertools.count():
        result = bargaining.run("nafta-2017", seed=seed, record=False)
        if result.outcome == "deal":
            break
    assert cli.main(["run", "nafta-2017", "--json", "--seed", str(seed)]) == 0
    info = json.loads(capsys.readouterr().out)
    expected = bargaining.load_scenario("nafta-2017").deal_metrics(result.package)
    assert info["pareto_distance"] == pytest.approx(expected["pareto_distance"])
    assert info["nash_distance"] == pytest.approx(expected["nash_distance"])


def test_walk_away_values_that_exhaust_the_pie_leave_one_point():
    """r_A + r_B = 1: the only package worth both walk-away values is x = r_A. The zone exists, with slack
    0, and Nash and Kalai-Smorodinsky are that point (every gain is 0)."""
    s, floors, nash, ks = solve("pie-split", ["A.termination_value=0.6", "B.termination_value=0.4"])
    zone = s.zopa()
    assert zone.exists and zone.slack == pytest.approx(0.0, abs=1e-9)
    for point in (nash, ks):
        np.testing.assert_allclose(point.package, [0.6], atol=1e-9)
        np.testing.assert_allclose(point.utilities, [0.6, 0.4], atol=1e-9)


def test_dominated_points():
    """A point is dominated when another is at least as good for everyone and better for someone: a tie
    on one utility still counts, an exact duplicate does not."""
    u = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5], [0.4, 0.4], [0.5, 0.4], [1.0, 0.0], [0.45, 0.6]])
    assert analysis.dominated(u).tolist() == [False, False, False, True, True, False, False]


def test_deal_metrics_name_every_distance_and_none_without_a_solution(nafta_solutions):
    s, found = nafta_solutions
    metrics = s.deal_metrics(found.kalai_smorodinsky.package)
    assert set(metrics) == {"pareto_distance", "nash_distance", "kalai_smorodinsky_distance", "joint_gain"}
    assert metrics["kalai_smorodinsky_distance"] == pytest.approx(0.0, abs=1e-9)
    assert metrics["nash_distance"] == pytest.approx(
        float(np.linalg.norm(found.kalai_smorodinsky.utilities - found.nash.utilities)))
    closed = bargaining.load_scenario("pie-split", ["A.termination_value=0.6", "B.termination_value=0.6"])
    metrics = closed.deal_metrics(np.array([0.5]))
    assert metrics["nash_distance"] is None and metrics["kalai_smorodinsky_distance"] is None
    assert metrics["joint_gain"] == pytest.approx(-0.2)


def test_pareto_frontier_from_a_reference_point_stays_above_it():
    """Rays from the walk-away values (0.3, 0.2) instead of (0, 0) trace only the part of the pie's
    frontier u_A + u_B = 1 that gives each at least its walk-away value, end points included."""
    s = bargaining.load_scenario("pie-split")
    frontier = analysis.pareto_frontier(s.preferences, s.space, reference=[0.3, 0.2], resolution=10)
    u = frontier.utilities
    np.testing.assert_allclose(u.sum(axis=1), 1.0, atol=1e-9)
    assert u[:, 0].min() == pytest.approx(0.3, abs=1e-9) and u[:, 1].min() == pytest.approx(0.2, abs=1e-9)
    assert len(u) == 11  # one point per ray


def test_kalai_smorodinsky_goes_on_for_those_who_can_still_gain(tmp_path):
    """Imai's lexicographic extension: A and B split x1 (each weighs only it), C cares only about x2, which
    costs nobody anything. The equal-share ray stops at u_A = u_B = 0.5 where C has only 0.5 of its gain;
    C then goes on alone to its ideal, x2 = 0.8: the point (0.5, 0.5, 1) is Pareto-efficient."""
    path = tmp_path / "three.toml"
    path.write_text("""
name = "split-and-free"
[protocol]
deadline_round = 5
horizon_round = 5
no_deal = "termination"
[issues.x1]
kind = "continuous"
bounds = [0.0, 1.0]
status_quo = 0.5
[issues.x2]
kind = "continuous"
bounds = [0.0, 1.0]
status_quo = 0.5
[countries.A]
termination_value = 0.0
ideal = { x1 = 1.0, x2 = 0.0 }
weights = { x1 = 1.0, x2 = 0.0 }
[countries.B]
termination_value = 0.0
ideal = { x1 = 0.0, x2 = 0.0 }
weights = { x1 = 1.0, x2 = 0.0 }
[countries.C]
termination_value = 0.0
ideal = { x1 = 0.0, x2 = 0.8 }
weights = { x1 = 0.0, x2 = 1.0 }
""")
    s = bargaining.load_scenario(path)
    floors = s.initial_walk_away
    ks = analysis.kalai_smorodinsky(s.preferences, s.space, floors)
    np.testing.assert_allclose(ks.utilities, [0.5, 0.5, 1.0], atol=1e-7)
    np.testing.assert_allclose(ks.package, [0.5, 0.8], atol=1e-7)
    assert analysis.pareto_distance(s.preferences, s.space, ks.package) == pytest.approx(0.0, abs=1e-7)


def test_initial_walk_away_values_follow_the_threat_and_the_beliefs():
    """At the start of nafta-2017: the U.S. (the threatener) walks away at max(t, u(status quo)); Canada and
    Mexico at their belief-weighted mix p t + (1 - p) u(status quo), with p = 0.4 and 0.5."""
    s = bargaining.load_scenario("nafta-2017")
    u_sq = s.preferences.utility(s.space.status_quo)
    expected = [max(0.12, u_sq[0]), 0.4 * 0.45 + 0.6 * u_sq[1], 0.5 * 0.35 + 0.5 * u_sq[2]]
    np.testing.assert_allclose(s.initial_walk_away, expected, atol=1e-12)


def test_kalai_smorodinsky_ends_with_quadratic_shapes():
    """With quadratic value functions the tangent lines overstate what a country could still gain, so Imai's
    stages once never ended; there are at most N of them."""
    nafta = bargaining.load_scenario("nafta-2017")
    s = nafta.with_overrides({f"{c}.shape": "quadratic" for c in nafta.countries})
    point = analysis.kalai_smorodinsky(s.preferences, s.space, s.initial_walk_away)
    assert np.all(point.utilities >= s.initial_walk_away - 1e-9) and s.preferences.within_red_lines(point.package).all()
    assert np.all(point.utilities > s.initial_walk_away + 0.1)  # well inside the zone, on its way to the frontier


def test_the_nash_polish_reaches_the_optimum_to_the_last_bits():
    """``highs.max_log_surplus`` (the one Nash polish): analytic optima, from starts far from them."""
    from bargaining.analysis import highs

    # max log(2y) + log(1 - y) on [0, 1]: y = 1/2 (no constraint row)
    y = highs.max_log_surplus(np.array([[2.0], [-1.0]]), np.array([0.0, -1.0]), np.zeros((0, 1)), np.zeros(0),
                              np.array([0.0]), np.array([1.0]), np.array([0.9]))
    assert y[0] == pytest.approx(0.5, abs=1e-12)
    # three parties split a unit (y1 + y2 + y3 <= 1), the first capped at 0.2: the others split the rest
    W, A, b = np.eye(3), np.ones((1, 3)), np.ones(1)
    y = highs.max_log_surplus(W, np.zeros(3), A, b, np.zeros(3), np.array([0.2, 1.0, 1.0]), np.full(3, 0.1))
    np.testing.assert_allclose(y, [0.2, 0.4, 0.4], atol=1e-12)
    # floors: the third needs 0.5 first, then all three gain alike
    y = highs.max_log_surplus(W, np.array([0.0, 0.0, 0.5]), A, b, np.zeros(3), np.array([0.2, 1.0, 1.0]),
                              np.array([0.1, 0.1, 0.6]))
    np.testing.assert_allclose(y, [1 / 6, 1 / 6, 2 / 3], atol=1e-12)
    # a start with a surplus <= 0 is returned as it is
    start = np.array([0.0, 0.5, 0.5])
    assert np.array_equal(highs.max_log_surplus(W, np.zeros(3), A, b, np.zeros(3), np.ones(3), start), start)
