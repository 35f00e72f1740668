from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bargaining
from bargaining import offers
from bargaining.issues import Issue, IssueSpace
from bargaining.preferences import ExcludedOptions, Preferences, ValueTables

SPACE2 = IssueSpace(tuple(Issue(name, "continuous", 0.0, bounds=(0.0, 1.0)) for name in "ab"))


def logroll_prefs(hi_b=1.0):
    """A (row 0) wants both issues at 1, cares mostly about a; B wants both at 0, cares mostly about b."""
    return Preferences(
        countries=("A", "B"),
        ideal=np.array([[1.0, 1.0], [0.0, 0.0]]),
        weights=np.array([[0.8, 0.2], [0.2, 0.8]]),
        exponent=np.ones(2),
        lo=np.zeros((2, 2)),
        hi=np.array([[1.0, 1.0], [1.0, hi_b]]),
        termination=np.zeros(2),
    )


def test_opening_offer_is_the_ideal():
    path = offers.concession_path(logroll_prefs(), SPACE2, 0)
    np.testing.assert_allclose(offers.offer(path, 0.0), [1.0, 1.0])


def test_logrolling_concedes_least_valued_issue_first():
    """A gives up 0.1 utility: all of it on issue b (costs A 0.2/unit, gains B 0.8/unit)."""
    path = offers.concession_path(logroll_prefs(), SPACE2, 0)
    np.testing.assert_allclose(offers.offer(path, 0.1), [1.0, 0.5])
    # Having conceded b entirely (0.2), it moves on to a.
    np.testing.assert_allclose(offers.offer(path, 0.3), [0.875, 0.0])
    # Beyond full concession it offers the other's ideal.
    np.testing.assert_allclose(offers.offer(path, 5.0), [0.0, 0.0])


def test_partner_red_line_is_met_first():
    """B's red line b <= 0.5 makes A move b below 0.5 before anything else."""
    prefs = logroll_prefs(hi_b=0.5)
    path = offers.concession_path(prefs, SPACE2, 0)
    x = offers.offer(path, 0.1)
    np.testing.assert_allclose(x, [1.0, 0.5])
    assert prefs.within_red_lines(x)[1]


def test_own_red_line_is_never_crossed():
    prefs = logroll_prefs(hi_b=0.5)
    path = offers.concession_path(prefs, SPACE2, 1)  # B proposes; its own red line b <= 0.5
    for budget in np.linspace(0, 2, 21):
        assert prefs.within_red_lines(offers.offer(path, budget))[1]


def test_ordinal_concession_that_does_not_fit_is_skipped():
    space = IssueSpace((Issue("o", "ordinal", "x", levels=("x", "y", "z")), Issue("c", "continuous", 0.0,
                                                                                  bounds=(0.0, 1.0))))
    prefs = Preferences(("A", "B"), np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([[0.5, 0.5], [0.9, 0.1]]),
                        np.ones(2), np.zeros((2, 2)), np.ones((2, 2)), np.zeros(2))
    path = offers.concession_path(prefs, space, 0)
    # One level of o costs A 0.25 and is worth most to B; with 0.2 it cannot afford it, so it concedes on c.
    x = offers.offer(path, 0.2)
    np.testing.assert_allclose(x, [1.0, 0.6])
    np.testing.assert_allclose(offers.offer(path, 0.3), [0.5, 0.9])


@st.composite
def random_preferences(draw, n=3, k=4, levels=4):
    ideal = np.array(draw(st.lists(st.lists(st.floats(0, 1), min_size=k, max_size=k), min_size=n, max_size=n)))
    raw = np.array(draw(st.lists(st.lists(st.floats(0.01, 1), min_size=k, max_size=k), min_size=n, max_size=n)))
    exponent = np.array(draw(st.lists(st.sampled_from([1.0, 2.0]), min_size=n, max_size=n)))
    ordinal = draw(st.lists(st.booleans(), min_size=k, max_size=k))
    issues = tuple(Issue(f"i{j}", "ordinal", "l0", levels=tuple(f"l{i}" for i in range(levels))) if o
                   else Issue(f"i{j}", "continuous", 0.0, bounds=(0.0, 1.0)) for j, o in enumerate(ordinal))
    space = IssueSpace(issues)
    ideal = np.array([space.snap(row) for row in ideal])
    red = np.array(draw(st.lists(st.lists(st.floats(0, 1), min_size=k, max_size=k), min_size=n, max_size=n)))
    red = np.array([space.snap(row) for row in red])
    lo = np.where(red <= ideal, red, 0.0)
    hi = np.where(red > ideal, red, 1.0)
    prefs = Preferences(tuple("ABC"[:n]), ideal, raw / raw.sum(axis=1, keepdims=True), exponent, lo, hi,
                        np.zeros(n))
    return prefs, space


def test_path_stops_at_the_others_peak_between_grid_points():
    """Found by hypothesis. A (ideal 0, weight 0.9) concedes on issue a toward C, whose red line is a >= 0.8203;
    B wants a at 0. The others' acceptability rises (slope 10 - 0.25 + 0.1) up to C's red line and falls (-0.15)
    after it, so its peak 0.8203 lies between the grid points 0.82 and 0.83. The path used to walk to the best
    grid point, 0.83, so its last step passed the peak: conceding more moved a from 0.8229 to 0.83 and made the
    package less acceptable to the others. It now stops at 0.8203."""
    prefs = Preferences(("A", "B", "C"), np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]]),
                        np.array([[0.9, 0.1], [0.25, 0.75], [0.1, 0.9]]), np.ones(3),
                        np.array([[0.0, 0.0], [0.0, 0.0], [0.8203, 0.0]]), np.ones((3, 2)), np.zeros(3))
    path = offers.concession_path(prefs, SPACE2, 0)
    assert path.positions[0, -1] == pytest.approx(0.8203)
    others = np.array([0.0, 1.0, 1.0])
    score = lambda budget: offers.acceptability(prefs, offers.offer(path, budget)[:, None], others, 10.0).sum()  # noqa: E731
    budgets = np.linspace(0.7, 0.8, 201)
    assert np.all(np.diff([score(b) for b in budgets]) >= -1e-12)


def test_acceptability_sums_others_and_penalises_red_lines():
    prefs = logroll_prefs(hi_b=0.5)
    score = offers.acceptability(prefs, np.array([[0.0], [0.75]]), np.array([0.0, 1.0]), 10.0)
    assert score[0, 0] == pytest.approx(0.2)
    assert score[1, 0] == pytest.approx(0.8 * 0.25 - 10 * 0.25)


def test_upper_hull_keeps_the_switches_with_falling_gain_per_cost():
    # by cost: m1 (0.1, 0.5), m3 (0.2, 0.1: gains less than m1, dropped), m2 (0.3, 0.6): m1 lies above the line
    # from (0, 0) to m2, so both stay, in order of falling gain per cost (5, then 0.5)
    hull = offers.upper_hull(np.array([1, 2, 3]), np.array([0.1, 0.3, 0.2]), np.array([0.5, 0.6, 0.1]))
    assert hull.tolist() == [1, 2]
    # a switch below the line from (0, 0) to a dearer one is never made on its own
    assert offers.upper_hull(np.array([1, 2]), np.array([0.1, 0.2]), np.array([0.1, 0.5])).tolist() == [2]


def test_logrolling_over_options_of_a_categorical_issue():
    """A values options a, b, c, d at 10, 9, 5, 0 (weight 0.5), B at 0, 2, 10, 10 (weight 0.5); a continuous issue
    each wants at its own end. From a, switching to b costs A 0.05 and gains B 0.1 (ratio 2), to c costs 0.25 for
    0.5 (ratio 2: on the same line, so b is dropped for c), to d costs 0.5 for 0.5. A's concessions on the
    continuous issue cost 0.5 per unit and gain B 0.5 (ratio 1). So A first switches a -> c (when it can afford
    0.25), then concedes on the continuous issue, never to d (no gain beyond c). A switch is not divisible: with
    less than 0.25 to give, A skips it and concedes on the continuous issue instead."""
    space = IssueSpace((Issue("site", "categorical", levels=("a", "b", "c", "d")),
                        Issue("price", "continuous", bounds=(0.0, 1.0))))
    values = np.array([[[0, 1 / 3, 2 / 3, 1], [0, 1 / 3, 2 / 3, 1]]])
    tables = ValueTables(np.array([[True, False], [True, False]]), np.repeat(values, 2, axis=0),
                         np.array([[[1.0, 0.9, 0.5, 0.0], [0, 0, 0, 0]], [[0.0, 0.2, 1.0, 1.0], [0, 0, 0, 0]]]))
    prefs = Preferences(("A", "B"), np.array([[0.0, 1.0], [2 / 3, 0.0]]), np.full((2, 2), 0.5), np.ones(2),
                        np.zeros((2, 2)), np.ones((2, 2)), np.zeros(2), tables=tables)
    path = offers.concession_path(prefs, space, 0)
    x = offers.offer(path, 0.2)  # cannot afford c (and b is not on the hull): all on price
    assert space.natural(x)["site"] == "a" and x[1] == pytest.approx(0.6)
    assert space.natural(offers.offer(path, 0.25)) == {"site": "c", "price": 1.0}
    x = offers.offer(path, 0.35)
    assert space.natural(x)["site"] == "c" and x[1] == pytest.approx(0.8)
    assert space.natural(offers.offer(path, 0.9))["site"] == "c"


@st.composite
def tabled_preferences(draw, n=3):
    """Categorical issues with random value tables and excluded options, and a continuous issue with random
    piecewise-linear values (points strictly increasing, so every table reaches its best value 1)."""
    kinds = draw(st.lists(st.integers(2, 5), min_size=1, max_size=3))
    issues = [Issue(f"c{j}", "categorical", levels=tuple(f"o{o}" for o in range(size))) for j, size in enumerate(kinds)]
    issues.append(Issue("x", "continuous", bounds=(0.0, 1.0)))
    space = IssueSpace(tuple(issues))
    k, width = len(issues), max(kinds)
    points, values = np.zeros((n, k, width)), np.zeros((n, k, width))
    ideal, excluded = np.zeros((n, k)), np.zeros((n, k, width), dtype=bool)
    for i in range(n):
        for j, size in enumerate(kinds):
            table = np.array(draw(st.lists(st.floats(0, 1), min_size=size, max_size=size))) + 1e-3
            table = np.concatenate([table, np.full(width - size, table[-1])]) / table.max()
            points[i, j] = np.concatenate([space.positions(j), np.ones(width - size)])
            values[i, j] = table
            ideal[i, j] = space.positions(j)[int(np.argmax(table[:size]))]
            excluded[i, j, :size] = draw(st.lists(st.booleans(), min_size=size, max_size=size))
            excluded[i, j, int(np.argmax(table[:size]))] = False
        # strictly increasing points, as scenario files must have them (scenario/checks.value_table)
        xs = np.sort(draw(st.lists(st.integers(0, 100), min_size=width, max_size=width, unique=True))) / 100
        vs = np.array(draw(st.lists(st.floats(0, 1), min_size=width, max_size=width))) + 1e-3
        points[i, -1], values[i, -1] = xs, vs / vs.max()
        ideal[i, -1] = xs[int(np.argmax(vs))]
    raw = np.array(draw(st.lists(st.floats(0.01, 1), min_size=n * k, max_size=n * k))).reshape(n, k)
    prefs = Preferences(tuple("ABC"[:n]), ideal, raw / raw.sum(axis=1, keepdims=True), np.ones(n),
                        np.zeros((n, k)), np.ones((n, k)), np.zeros(n),
                        tables=ValueTables(np.ones((n, k), dtype=bool), points, values),
                        excluded=ExcludedOptions(space.sizes, excluded))
    return prefs, space


@settings(max_examples=250, deadline=None)
@given(st.one_of(random_preferences(), tabled_preferences()), st.floats(0, 1), st.floats(0, 1))
def test_offer_keeps_aspiration_and_own_red_lines(case, aspiration, more):
    """Single-peaked values or value tables: an offer keeps the proposer's aspiration and red lines, sits on the
    discrete issues' options, and conceding more never makes it less acceptable to the others."""
    prefs, space = case
    path = offers.concession_path(prefs, space, 0)
    x = offers.offer(path, 1.0 - aspiration)
    assert prefs.utility(x)[0] >= aspiration - 1e-9
    assert prefs.within_red_lines(x)[0]
    np.testing.assert_allclose(space.snap(x)[space.discrete], x[space.discrete])
    others = np.array([0.0, 1.0, 1.0])
    score = lambda y: offers.acceptability(prefs, y[:, None], others, 10.0).sum()  # noqa: E731
    y = offers.offer(path, 1.0 - aspiration * (1 - more))
    assert score(y) >= score(x) - 1e-9


def test_table_with_a_step_at_its_best_point():
    """Found by hypothesis. A's table on the continuous issue x has two points at 0, valued 1 and 0.001: a step
    whose value 1 lies left of the range, so A can reach at most (1 + 1 + 0.001) / 3 (scenario files cannot say
    this: their points must be strictly increasing). With aspiration 1 A offers the best package it can reach."""
    space = IssueSpace((Issue("c0", "categorical", levels=("o0", "o1")),
                        Issue("c1", "categorical", levels=("o0", "o1")), Issue("x", "continuous", bounds=(0.0, 1.0))))
    points = np.tile([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]], (3, 1, 1))
    values = np.ones((3, 3, 2))
    values[0, 2, 1] = 0.001
    prefs = Preferences(("A", "B", "C"), np.zeros((3, 3)), np.full((3, 3), 1 / 3), np.ones(3), np.zeros((3, 3)),
                        np.ones((3, 3)), np.zeros(3), tables=ValueTables(np.ones((3, 3), dtype=bool), points, values))
    x = offers.offer(offers.concession_path(prefs, space, 0), 0.0)
    assert prefs.utility(x)[0] == pytest.approx((2 + 0.001) / 3)


def reference_offer(path: offers.ConcessionPath, budget: float) -> np.ndarray:
    """The cut of a path at one budget as the engine made it before it cut many at once (kept as the reference):
    concessions in order while they fit, a continuous one in part, an ordinal one that does not fit skipped with
    the rest of its issue."""
    k = len(path.start)
    reached, partial, remaining = np.zeros(k, dtype=int), None, budget
    active = np.ones(len(path.cost), dtype=bool)
    while remaining > 1e-12:
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        cum = np.cumsum(path.cost[idx])
        n = int(np.searchsorted(cum, remaining + 1e-12, side="right"))
        np.maximum.at(reached, path.issue[idx[:n]], path.step[idx[:n]])
        if n == cum.size:
            break
        remaining -= cum[n - 1] if n else 0.0
        nxt = idx[n]
        issue = path.issue[nxt]
        if path.divisible[nxt]:
            a, b = path.positions[issue, path.step[nxt] - 1], path.positions[issue, path.step[nxt]]
            partial = (issue, a + remaining / path.cost[nxt] * (b - a))
            break
        active[idx[:n]] = False
        active[path.issue == issue] = False
    x = path.positions[np.arange(k), reached]
    if partial is not None:
        x[partial[0]] = partial[1]
    return x


@settings(max_examples=150, deadline=None)
@given(st.one_of(random_preferences(), tabled_preferences()),
       st.lists(st.floats(0, 1.2), min_size=1, max_size=30))
def test_many_budgets_at_once_cut_exactly_as_one_at_a_time(case, budgets):
    """``offer`` cuts a path at many budgets at once (one per replication of a batch): each row is exactly the
    reference cut at its budget alone, and the same as cutting it alone."""
    prefs, space = case
    for proposer in range(len(prefs.countries)):
        path = offers.concession_path(prefs, space, proposer)
        many = offers.offer(path, np.array(budgets))
        for row, budget in enumerate(budgets):
            assert np.array_equal(many[row], reference_offer(path, budget))
            assert np.array_equal(many[row], offers.offer(path, budget))


def estimates(prefs: Preferences, proposer: int, seed: int, size: int = 12) -> np.ndarray:
    """(size, N, K) random weights: some rounded to 0.02, some with the proposer's own row (as its estimates of the
    others are, ``strategies.opponent_model``), the first the true weights."""
    rng = np.random.default_rng(seed)
    n, k = prefs.weights.shape
    weights = rng.dirichlet(np.ones(k) * rng.uniform(0.2, 3), size=(size, n))
    weights[::2] = np.round(weights[::2] / 0.02) * 0.02
    weights[: size // 2, proposer] = prefs.weights[proposer]
    weights[0] = prefs.weights
    return weights


def assert_same_path(a: offers.ConcessionPath, b: offers.ConcessionPath) -> None:
    for name in ("start", "positions", "issue", "step", "cost", "divisible"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x, y), name
    for path in (a, b):  # the sums and steps reached, built with the batch's, are the path's own
        assert path.cumulative.tobytes() == np.cumsum(path.cost).tobytes()
        steps = np.zeros((len(path.cost) + 1, len(path.start)), dtype=int)
        steps[np.arange(1, len(path.cost) + 1), path.issue] = path.step
        assert np.array_equal(path.reached, np.maximum.accumulate(steps, axis=0))


@settings(max_examples=60, deadline=None)
@given(st.one_of(random_preferences(), random_preferences(levels=30), tabled_preferences()), st.integers(0, 2**32))
def test_paths_of_many_weights_at_once_are_each_path_alone(case, seed):
    """``concession_paths`` builds the paths of many weight estimates at once: each is bit for bit the path of its
    weights alone, whatever the others in the batch (ordinal issues of 30 levels give paths of different lengths
    in one batch; value tables and excluded options give switches)."""
    prefs, space = case
    for proposer in range(len(prefs.countries)):
        weights = estimates(prefs, proposer, seed)
        paths = offers.concession_paths(prefs, space, proposer, weights)
        for e in (0, 5, len(weights) - 1):
            assert_same_path(paths[e], offers.concession_path(replace(prefs, weights=weights[e]), space, proposer))
        assert_same_path(offers.concession_paths(prefs, space, proposer, weights[5:6])[0], paths[5])


@pytest.mark.parametrize("name", ["nafta-2017", "uk-eu-2020", "port-expansion"])
def test_paths_of_many_weights_at_once_in_the_bundled_scenarios(name):
    """The same in the bundled scenarios (port-expansion: value tables and excluded options), every path."""
    scenario = bargaining.load_scenario(name)
    prefs = scenario.preferences
    for proposer in range(len(prefs.countries)):
        weights = estimates(prefs, proposer, proposer, size=20)
        for path, w in zip(offers.concession_paths(prefs, scenario.space, proposer, weights), weights, strict=True):
            assert_same_path(path, offers.concession_path(replace(prefs, weights=w), scenario.space, proposer))


@settings(max_examples=60, deadline=None)
@given(st.one_of(random_preferences(), random_preferences(levels=30), tabled_preferences()), st.integers(0, 2**32),
       st.lists(st.tuples(st.integers(0, 11), st.floats(0, 1.2)), min_size=1, max_size=30))
def test_offers_from_many_paths_at_once_are_each_offer_alone(case, seed, rows):
    """``offers`` cuts many paths at once (one per weight estimate): each row is exactly its path's cut at its
    budget alone."""
    prefs, space = case
    paths = offers.concession_paths(prefs, space, 0, estimates(prefs, 0, seed))
    which, budgets = np.array([w for w, _ in rows]), np.array([b for _, b in rows])
    many = offers.offers(paths, which, budgets)
    for row, (w, budget) in enumerate(rows):
        assert np.array_equal(many[row], offers.offer(paths[w], budget))
        assert np.array_equal(many[row], reference_offer(paths[w], budget))


@settings(max_examples=30, deadline=None)
@given(random_preferences(), st.integers(0, 2**32),
       st.lists(st.tuples(st.integers(0, 5), st.floats(0, 1.2)), min_size=2, max_size=30))
def test_offers_of_groups_sharing_a_path_are_each_offer_alone(case, seed, rows):
    """Preference groups that share a path (one object, from the cache) are cut as one path: the same rows."""
    prefs, space = case
    first, second, third = offers.concession_paths(prefs, space, 0, estimates(prefs, 0, seed))[:3]
    paths = [first, second, first, third, second, first]
    which, budgets = np.array([w for w, _ in rows]), np.array([b for _, b in rows])
    many = offers.offers(paths, which, budgets)
    for row, (w, budget) in enumerate(rows):
        assert np.array_equal(many[row], offers.offer(paths[w], budget))


def variants(prefs: Preferences, space: IssueSpace, seed: int, size: int = 8) -> list[Preferences]:
    """``size`` preferences of the structure of ``prefs`` (shapes, value tables, excluded options), as a batch's
    preference groups hold them: the first ``prefs``, the others with their own ideal points (some), red lines
    (on the side of the ideal) and weights (some rounded to 0.02, as estimates are), one repeated."""
    rng = np.random.default_rng(seed)
    n, k = prefs.weights.shape
    out = [prefs]
    for e in range(1, size - 1):
        ideal = prefs.ideal if e % 3 == 1 else space.snap(rng.uniform(0, 1, (n, k)))
        red = space.snap(rng.uniform(0, 1, (n, k)))
        lo, hi = np.where(red <= ideal, red, 0.0), np.where(red > ideal, red, 1.0)
        if e % 4 == 2:  # no red lines
            lo, hi = np.zeros((n, k)), np.ones((n, k))
        weights = prefs.weights if e % 3 == 2 else rng.dirichlet(np.ones(k) * rng.uniform(0.2, 3), size=n)
        if e % 2:
            weights = np.round(weights / 0.02) * 0.02
        out.append(replace(prefs, ideal=ideal, lo=lo, hi=hi, weights=weights))
    return out + [out[size // 2]]


@settings(max_examples=60, deadline=None)
@given(st.one_of(random_preferences(), random_preferences(levels=30), tabled_preferences()), st.integers(0, 2**32))
def test_paths_of_many_preferences_at_once_are_each_path_alone(case, seed):
    """``concession_paths_of`` builds the paths of many preferences at once (a batch's preference groups, which
    differ in ideal points, red lines and weights): each is bit for bit the path of its preferences alone, on
    continuous and ordinal issues (30 levels: paths of different lengths in one call), linear and quadratic values,
    value tables and excluded options (switches: candidates as many or not), whether the ideal points or red lines
    differ or not; preferences of other shapes in the same call are built apart, and as alone too."""
    prefs, space = case
    sets = variants(prefs, space, seed)
    other = replace(sets[3], exponent=3.0 - sets[3].exponent)  # another structure: quadratic <-> linear
    sets = [*sets[:4], other, *sets[4:]]
    same_ideal = [one for one in sets if one.ideal is prefs.ideal]  # red lines and weights differ
    same_red_lines = [replace(prefs, weights=one.weights) for one in sets]  # weights differ
    for proposer in range(len(prefs.countries)):
        for batch in (sets, same_ideal, same_red_lines):
            paths = offers.concession_paths_of(batch, space, proposer)
            assert len(paths) == len(batch)
            for path, one in zip(paths, batch, strict=True):
                assert_same_path(path, offers.concession_path(one, space, proposer))


@pytest.mark.parametrize("name", ["nafta-2017", "uk-eu-2020", "port-expansion"])
def test_paths_of_many_preferences_at_once_in_the_bundled_scenarios(name, monkeypatch):
    """The same in the bundled scenarios (port-expansion: value tables and excluded options), every path, built
    5 at a time (``offers.CHUNK``); the scenario's cache holds them under the keys of each alone."""
    monkeypatch.setattr(offers, "CHUNK", 5)
    scenario = bargaining.load_scenario(name)
    prefs = scenario.preferences
    sets = variants(prefs, scenario.space, 11, size=16)
    for proposer in range(len(prefs.countries)):
        paths = offers.concession_paths_of(sets, scenario.space, proposer)
        for path, one in zip(paths, sets, strict=True):
            assert_same_path(path, offers.concession_path(one, scenario.space, proposer))
    first = scenario.concession_path(1, sets[5])
    cached = scenario.concession_paths_of(1, sets)
    assert cached[5] is first and cached[-1] is cached[len(sets) // 2]
    assert all(scenario.concession_path(1, one) is path for one, path in zip(sets, cached, strict=True))


def test_batched_paths_share_the_scenario_cache_with_single_ones():
    """A scenario caches the paths of many weights under the keys of each alone: a run and a batch share them."""
    scenario = bargaining.load_scenario("nafta-2017")
    prefs = scenario.preferences
    weights = estimates(prefs, 1, 7)
    assert prefs.fingerprints(weights) == [replace(prefs, weights=w).fingerprint for w in weights]
    first = scenario.concession_path(1, replace(prefs, weights=weights[3]))
    paths = scenario.concession_paths(1, prefs, weights)
    assert paths[3] is first
    assert all(scenario.concession_path(1, replace(prefs, weights=w)) is p for w, p in zip(weights, paths, strict=True))


def test_paths_of_many_weights_under_many_preferences_share_the_cache():
    """``Scenario.concession_paths`` with one preferences per set of weights (``opponent_model``'s estimates in
    several preference groups at once): each path is that of its preferences with its weights, under its key."""
    scenario = bargaining.load_scenario("uk-eu-2020")
    sets = variants(scenario.preferences, scenario.space, 5, size=6)
    weights = np.concatenate([estimates(one, 0, e, size=3) for e, one in enumerate(sets)])
    owners = [one for one in sets for _ in range(3)]
    paths = scenario.concession_paths(0, owners, weights)
    for path, one, w in zip(paths, owners, weights, strict=True):
        assert scenario.concession_path(0, replace(one, weights=w)) is path
        assert_same_path(path, offers.concession_path(replace(one, weights=w), scenario.space, 0))


@settings(max_examples=30, deadline=None)
@given(case=random_preferences(), proposer=st.integers(0, 2))
def test_every_concession_gains_the_others_something(case, proposer):
    """A path holds only concessions that raise the others' acceptability (a step that gains nothing is never
    made, however large the budget), each costing the proposer no more than it gains them per its ratio order."""
    prefs, space = case
    path = offers.concession_path(prefs, space, proposer)
    others = np.where(np.arange(3) == proposer, 0.0, 1.0)
    score = offers.acceptability(prefs, path.positions, others, 10.0)
    gain = score[path.issue, path.step] - score[path.issue, path.step - 1]
    assert np.all(gain > 1e-12)


def test_among_equally_acceptable_targets_the_nearest_to_the_proposers_ideal():
    """B and C pull issue a equally hard in opposite directions between their ideals 0.2 and 0.6, so every
    position there is as acceptable to them: A (ideal 1) goes only as far as 0.6, not on to 0.2."""
    prefs = Preferences(("A", "B", "C"), np.array([[1.0], [0.2], [0.6]]), np.ones((3, 1)), np.ones(3),
                        np.zeros((3, 1)), np.ones((3, 1)), np.zeros(3))
    space = IssueSpace((Issue("a", "continuous", 0.0, bounds=(0.0, 1.0)),))
    path = offers.concession_path(prefs, space, 0)
    np.testing.assert_allclose(offers.offer(path, 1.0), [0.6])
    np.testing.assert_allclose(path.positions[0, -1], 0.6)
