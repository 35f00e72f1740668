import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bargaining import offers
from bargaining.issues import Issue, IssueSpace
from bargaining.preferences import Preferences

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
def random_preferences(draw, n=3, k=4):
    ideal = np.array(draw(st.lists(st.lists(st.floats(0, 1), min_size=k, max_size=k), min_size=n, max_size=n)))
    raw = np.array(draw(st.lists(st.lists(st.floats(0.01, 1), min_size=k, max_size=k), min_size=n, max_size=n)))
    exponent = np.array(draw(st.lists(st.sampled_from([1.0, 2.0]), min_size=n, max_size=n)))
    ordinal = draw(st.lists(st.booleans(), min_size=k, max_size=k))
    issues = tuple(Issue(f"i{j}", "ordinal", "l0", levels=("l0", "l1", "l2", "l3")) if o
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


@settings(max_examples=150, deadline=None)
@given(random_preferences(), st.floats(0, 1), st.floats(0, 1))
def test_offer_keeps_aspiration_and_own_red_lines(case, aspiration, more):
    prefs, space = case
    path = offers.concession_path(prefs, space, 0)
    x = offers.offer(path, 1.0 - aspiration)
    assert prefs.utility(x)[0] >= aspiration - 1e-9
    assert prefs.within_red_lines(x)[0]
    np.testing.assert_allclose(space.snap(x)[space.discrete], x[space.discrete])
    # Conceding more never makes the package less acceptable to the others.
    others = np.array([0.0, 1.0, 1.0])
    score = lambda y: offers.acceptability(prefs, y[:, None], others, 10.0).sum()  # noqa: E731
    y = offers.offer(path, 1.0 - aspiration * (1 - more))
    assert score(y) >= score(x) - 1e-9


def test_acceptability_sums_others_and_penalises_red_lines():
    prefs = logroll_prefs(hi_b=0.5)
    score = offers.acceptability(prefs, np.array([[0.0], [0.75]]), np.array([0.0, 1.0]), 10.0)
    assert score[0, 0] == pytest.approx(0.2)
    assert score[1, 0] == pytest.approx(0.8 * 0.25 - 10 * 0.25)
