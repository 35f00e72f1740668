"""Counter-based random streams (bargaining/streams.py): Philox4x32-10 against Random123's known answers, batch
independence, and the distributions drawn from it."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from bargaining import streams
from bargaining.streams import ASPIRATION, BELIEF, ORDER, normal, permutation, philox, uniform

# Random123 tests/kat_vectors, the three "philox4x32 10" lines (as cut and pasted into D. E. Shaw Research's
# Random123-Boost, libs/random/test/test_philox.cpp): counter (4 words), key (2 words), expected (4 words).
KAT = """
00000000 00000000 00000000 00000000 00000000 00000000   6627e8d5 e169c58d bc57ac4c 9b00dbd8
ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff   408f276d 41c83b0e a20bc7c6 6d5451fd
243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0   d16cfe09 94fdcceb 5001e420 24126ea1
"""
VECTORS = [[int(w, 16) for w in line.split()] for line in KAT.strip().splitlines()]
WORD = st.integers(0, 2**32 - 1)
SEEDS = st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=20)


@pytest.mark.parametrize("words", VECTORS)
def test_philox_known_answers(words):
    out = philox(words[:4], words[4:6])
    assert [int(w) for w in out] == words[6:]
    assert all(w.dtype == np.uint64 for w in out)


def test_philox_broadcasts_elementwise():
    counters = np.array([v[:4] for v in VECTORS]).T
    keys = np.array([v[4:6] for v in VECTORS]).T
    out = np.array(philox(tuple(counters), tuple(keys)))
    assert out.T.tolist() == [v[6:] for v in VECTORS]


def batch_seeds(n=1000):
    """Seeds across the whole range, with both 32-bit halves at their edges."""
    edges = [0, 1, 2**32 - 1, 2**32, 2**63, 2**64 - 1]
    rest = np.random.default_rng(0).integers(0, 2**64, n - len(edges), dtype=np.uint64, endpoint=False)
    return np.concatenate([np.array(edges, dtype=np.uint64), rest])


def bits(a):
    """The bit patterns of a float array (bit-for-bit comparison), an integer array as it is."""
    return a.view(np.uint64) if a.dtype == np.float64 else a


@pytest.mark.parametrize("draw", [
    lambda s: uniform(s, 3, 2, BELIEF),
    lambda s: normal(s, 7, 1, ASPIRATION),
    lambda s: permutation(s, 2, 6, ORDER),
])
def test_a_replication_draws_what_a_run_of_its_seed_alone_draws(draw):
    seeds = batch_seeds()
    batch = draw(seeds)
    alone = np.concatenate([draw(seeds[i:i + 1]) for i in range(len(seeds))])
    assert batch.dtype == alone.dtype and np.array_equal(bits(batch), bits(alone))
    assert np.array_equal(bits(draw(seeds[::-1])[::-1]), bits(batch))  # nor does the order of a batch


def test_seed_dtypes_give_the_same_numbers():
    ints = [0, 5, 2**40 + 3, 2**63 - 1]
    expected = uniform(np.array(ints, dtype=np.uint64), 1, 0, BELIEF)
    assert np.array_equal(uniform(np.array(ints, dtype=np.int64), 1, 0, BELIEF), expected)
    assert np.array_equal(uniform(ints, 1, 0, BELIEF), expected)
    big = [2**63, 2**64 - 1, 1]  # Python ints that numpy alone would turn into floats
    assert np.array_equal(uniform(big, 1, 0, BELIEF), uniform(np.array(big, dtype=np.uint64), 1, 0, BELIEF))


def test_country_dtypes_give_the_same_numbers():
    """Unsigned words of 32 bits or fewer are in range by their type (not checked): the numbers of the same ints."""
    countries = [0, 1, 2**32 - 1]
    expected = uniform(np.array([[3], [2**40]]), 1, np.array(countries, dtype=np.int64), BELIEF)
    for dtype in (np.uint32, np.uint64):
        assert np.array_equal(uniform(np.array([[3], [2**40]]), 1, np.array(countries, dtype=dtype), BELIEF), expected)
    assert np.array_equal(uniform([3], 1, np.array([0, 1, 255], dtype=np.uint8), BELIEF),
                          uniform([3], 1, np.array([0, 1, 255]), BELIEF))


@pytest.mark.parametrize("call", [
    lambda: uniform([-1], 0, 0, BELIEF),
    lambda: uniform([2**64], 0, 0, BELIEF),
    lambda: uniform([1.0], 0, 0, BELIEF),
    lambda: uniform(np.array([1.5]), 0, 0, BELIEF),
    lambda: uniform([0], -1, 0, BELIEF),
    lambda: uniform([0], 2**32, 0, BELIEF),
    lambda: uniform([0], 0, np.array([0, 2**32]), BELIEF),
    lambda: uniform([0], 0, 0, 1.0),
    lambda: permutation([0], 0, -1, ORDER),
])
def test_bad_arguments_are_rejected(call):
    with pytest.raises(ValueError):
        call()


def test_uniform_edges_stay_inside_the_unit_interval(monkeypatch):
    """The extreme 52-bit values map to 2**-53 and 1 - 2**-53 exactly (53 bits plus a half would round to 1)."""
    for word, expected in [(0, 2.0**-53), (2**32 - 1, 1 - 2.0**-53)]:
        monkeypatch.setattr(streams, "philox", lambda counter, key, w=word: (np.full(np.shape(key[0]), w,
                                                                                     dtype=np.uint64),) * 4)
        monkeypatch.setattr(streams, "SMALL", 0)  # the vectorised form, whatever the size
        u = streams.uniform([0, 1], 0, 0, BELIEF)
        assert u.tolist() == [expected, expected]
        assert 0 < u[0] < 1 and np.isfinite(streams.normal([0], 0, 0, BELIEF)).all()


@settings(max_examples=200, deadline=None)
@given(SEEDS, WORD, WORD, WORD)
def test_uniform_is_strictly_inside_the_unit_interval(seeds, round_, country, purpose):
    u = uniform(seeds, round_, country, purpose)
    assert u.shape == (len(seeds),) and u.dtype == np.float64
    assert ((u > 0) & (u < 1)).all()
    assert np.array_equal(uniform(seeds, round_, country, purpose), u)  # a pure function


@settings(max_examples=200, deadline=None)
@given(SEEDS, WORD, st.integers(0, 40), WORD)
def test_permutation_is_a_permutation(seeds, round_, n, purpose):
    p = permutation(seeds, round_, n, purpose)
    assert p.shape == (len(seeds), n)
    assert (np.sort(p, axis=1) == np.arange(n)).all()


N = 10**5


def test_normals_across_seeds_are_standard_normal():
    z = normal(np.arange(N), 4, 1, BELIEF)
    assert abs(z.mean()) < 5 / np.sqrt(N)
    assert abs(z.var() - 1) < 5 * np.sqrt(2 / N)
    assert stats.kstest(z, "norm").pvalue > 1e-4


def test_uniforms_along_each_counter_word_are_uniform():
    seeds = np.full(N, 12345, dtype=np.uint64)
    along = [uniform(np.arange(N), 0, 0, BELIEF),  # seeds
             np.array([uniform([7], r, 0, BELIEF)[0] for r in range(2000)]),  # rounds
             uniform(seeds, 0, np.arange(N), BELIEF),  # countries
             np.array([uniform([7], 0, 0, p)[0] for p in range(2000)])]  # purposes
    for u in along:
        assert stats.kstest(u, "uniform").pvalue > 1e-4


def test_streams_of_different_purposes_are_uncorrelated():
    seeds = np.arange(N)
    a, b = normal(seeds, 1, 0, BELIEF), normal(seeds, 1, 0, ASPIRATION)
    assert abs(np.corrcoef(a, b)[0, 1]) < 5 / np.sqrt(N)
    c = normal(seeds, 2, 0, BELIEF)  # the next round of the same purpose
    assert abs(np.corrcoef(a, c)[0, 1]) < 5 / np.sqrt(N)


def test_permutations_are_uniform():
    """Each of the 3! orders of three countries comes up about N/6 times (chi-square over 10^5 seeds)."""
    p = permutation(np.arange(N), 1, 3, ORDER)
    _, counts = np.unique(p @ [9, 3, 1], return_counts=True)
    assert len(counts) == 6 and stats.chisquare(counts).pvalue > 1e-4


def test_distinct_purposes_rounds_and_countries_give_distinct_streams():
    seeds = np.arange(100)
    draws = {(r, c, p): uniform(seeds, r, c, p) for r in (0, 1, 2**32 - 1) for c in (0, 1, 2) for p in (0, 1, 2, 3)}
    keys = list(draws)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            assert not np.isin(draws[a], draws[b]).any(), (a, b)


def test_purposes_are_distinct_numbers():
    assert len({BELIEF, ASPIRATION, ORDER}) == 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=40), WORD, WORD, WORD, st.booleans())
def test_a_few_numbers_on_python_integers_are_the_vectorised_numbers(seeds, round_, country, purpose, countries):
    """Up to ``SMALL`` numbers Philox runs on Python integers (a single run's draws); the bits are the same, for
    one country or several (broadcast against the seeds)."""
    seeds = np.array(seeds, dtype=np.uint64)
    if countries:  # (R, 1) seeds against (3,) countries, as the model's aspiration noise and proposer order
        seeds, country = seeds[:, None], (np.arange(3) + min(country, 2**32 - 3)).astype(np.uint64)
    small = streams._uniform_small(seeds, round_, country, purpose)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(streams, "SMALL", 0)  # the vectorised form, whatever the size
        big = streams.uniform(seeds, round_, country, purpose)
    assert small.shape == big.shape and small.tobytes() == big.tobytes()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=3), st.integers(0, 10**6), st.integers(1, 3),
       st.lists(st.integers(0, 3), min_size=1, max_size=2))
def test_rounds_draws_on_python_integers_are_the_vectorised_numbers(seeds, first, n, purposes):
    """``Rounds``' block, several rounds and purposes at once (arrays in every word of the counter), is the same on
    Python integers as vectorised, and each round's numbers are ``uniform``'s."""
    seeds = np.array(seeds, dtype=np.uint64)
    rounds = streams.Rounds(seeds, n, tuple(purposes))
    for round_ in range(first, first + 2 * rounds.ahead, 3):
        for purpose in purposes:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(streams, "SMALL", 0)
                alone = uniform(seeds[:, None], round_, np.arange(n), purpose)
            assert rounds.uniform(round_, purpose).tobytes() == alone.tobytes()
            # their normals and permutations, made for the whole block at once, are each round's own
            assert rounds.normal(round_, purpose).tobytes() == streams.normal(
                seeds[:, None], round_, np.arange(n), purpose).tobytes()
            assert rounds.permutation(round_, purpose).tobytes() == streams.permutation(
                seeds, round_, n, purpose).tobytes()
    if len(seeds) > 1:  # a batch that leaves replications out makes them from the rows it keeps
        rounds.keep(np.array([len(seeds) - 1]))
        for later, purpose in itertools.product((round_, round_ + rounds.ahead), purposes):  # this block, the next
            assert rounds.normal(later, purpose).tobytes() == streams.normal(
                seeds[-1:, None], later, np.arange(n), purpose).tobytes()
