import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bargaining.preferences import Preferences, red_line_interval, walk_away_values


def two_by_two(exponent=(1.0, 1.0)):
    """A wants x high on both issues, B low; A cares about issue 0, B about issue 1."""
    return Preferences(
        countries=("A", "B"),
        ideal=np.array([[1.0, 1.0], [0.0, 0.0]]),
        weights=np.array([[0.8, 0.2], [0.3, 0.7]]),
        exponent=np.array(exponent),
        lo=np.array([[0.0, 0.0], [0.0, 0.0]]),
        hi=np.array([[1.0, 1.0], [0.6, 1.0]]),
        termination=np.array([0.1, 0.2]),
    )


def test_linear_utility_by_hand():
    prefs = two_by_two()
    x = np.array([0.25, 0.5])
    np.testing.assert_allclose(prefs.utility(x), [0.8 * 0.25 + 0.2 * 0.5, 0.3 * 0.75 + 0.7 * 0.5])


def test_quadratic_utility_by_hand():
    prefs = two_by_two(exponent=(2.0, 2.0))
    x = np.array([0.25, 0.5])
    np.testing.assert_allclose(prefs.utility(x), [0.8 * (1 - 0.75**2) + 0.2 * 0.75, 0.3 * (1 - 0.0625) + 0.7 * 0.75])


def test_interior_ideal_reaches_zero_only_at_far_end():
    prefs = Preferences(("A",), np.array([[0.25]]), np.array([[1.0]]), np.array([1.0]),
                        np.zeros((1, 1)), np.ones((1, 1)), np.zeros(1))
    np.testing.assert_allclose(prefs.utility(np.array([[0.0], [0.25], [1.0]])).ravel(), [2 / 3, 1.0, 0.0])


def test_red_lines():
    prefs = two_by_two()
    assert prefs.within_red_lines(np.array([0.6, 0.9])).tolist() == [True, True]
    assert prefs.within_red_lines(np.array([0.61, 0.9])).tolist() == [True, False]
    np.testing.assert_allclose(prefs.red_line_excess(np.array([0.7, 0.0]))[1], [0.1, 0.0])
    assert red_line_interval(ideal=0.0, red_line=0.4) == (0.0, 0.4)
    assert red_line_interval(ideal=1.0, red_line=0.4) == (0.4, 1.0)
    assert red_line_interval(ideal=1.0, red_line=1.0) == (1.0, 1.0)


@given(arrays(float, (5, 2), elements=st.floats(0, 1)))
def test_utility_vectorises_and_stays_in_unit_interval(xs):
    prefs = two_by_two(exponent=(1.0, 2.0))
    u = prefs.utility(xs)
    assert u.shape == (5, 2)
    assert np.all((u >= -1e-12) & (u <= 1 + 1e-12))
    np.testing.assert_allclose(u[2], prefs.utility(xs[2]))


def test_walk_away_values_follow_the_threat():
    prefs = two_by_two()
    sq = np.array([0.5, 0.5])
    u_sq = prefs.utility(sq)
    # A can withdraw: max(t, u(sq)); B mixes by its belief p = 0.25.
    w = walk_away_values(prefs.termination, u_sq, threatener=0, beliefs=np.array([np.nan, 0.25]))
    assert w[0] == pytest.approx(max(0.1, u_sq[0]))
    assert w[1] == pytest.approx(0.25 * 0.2 + 0.75 * u_sq[1])
    # A credible threat: termination above the status quo.
    w = walk_away_values(np.array([0.9, 0.2]), u_sq, 0, np.array([0.0, 1.0]))
    assert w.tolist() == pytest.approx([0.9, 0.2])


def test_replace_keeps_only_what_the_unchanged_fields_give():
    """``replace`` carries ``reach``, ``linear`` and ``fingerprint`` over from the fields it leaves as they are (a
    shock to a termination value keeps them all) and derives afresh what the changed fields give."""
    prefs = two_by_two()
    derived = {name: getattr(prefs, name) for name in ("reach", "linear", "fingerprint")}
    kept = prefs.replace(termination=np.array([0.5, 0.2]))
    assert all(kept.__dict__[name] is value for name, value in derived.items())
    assert kept.termination.tolist() == [0.5, 0.2] and prefs.termination.tolist() == [0.1, 0.2]
    moved = prefs.replace(ideal=np.array([[0.5, 1.0], [0.0, 0.0]]), hi=np.array([[1.0, 1.0], [0.4, 1.0]]))
    assert "reach" not in moved.__dict__ and "fingerprint" not in moved.__dict__
    assert moved.linear is True and moved.reach.tolist() == [[0.5, 1.0], [1.0, 1.0]]
    fresh = Preferences(**{f: getattr(moved, f) for f in ("countries", "ideal", "weights", "exponent", "lo", "hi",
                                                            "termination")})
    assert moved.fingerprint == fresh.fingerprint != prefs.fingerprint


@given(arrays(float, (2, 3, 2), elements=st.floats(0, 1)))
def test_utility_of_packages_of_any_shape_is_each_packages_to_the_bit(xs):
    """``utility`` aligns reach and weights with the packages' shape (``aligned``, numpy's fast path for one shape):
    the same bits for a package alone, a row of them and a grid of them."""
    prefs = two_by_two(exponent=(1.0, 2.0))
    each = np.array([[prefs.utility(x) for x in row] for row in xs])
    np.testing.assert_array_equal(prefs.utility(xs), each)
    np.testing.assert_array_equal(prefs.utility(xs[0]), each[0])
    np.testing.assert_array_equal(prefs.utility(xs[:1, :1]), each[:1, :1])


def test_replace_aligns_new_weights_and_ideals():
    """The aligned reach and weights ``replace`` carries over are those of the fields it leaves as they are."""
    prefs = two_by_two()
    x = np.array([[0.25, 0.5]])
    prefs.utility(x)
    assert prefs.replace(termination=np.array([0.5, 0.2])).__dict__["_aligned"] is prefs.__dict__["_aligned"]
    for change in ({"weights": np.array([[0.5, 0.5], [0.5, 0.5]])}, {"ideal": np.array([[0.5, 1.0], [0.0, 0.0]])}):
        moved = prefs.replace(**change)
        fresh = Preferences(**{f: getattr(moved, f) for f in ("countries", "ideal", "weights", "exponent", "lo", "hi",
                                                                "termination")})
        np.testing.assert_array_equal(moved.utility(x), fresh.utility(x))
        assert not np.array_equal(moved.utility(x), prefs.utility(x))
