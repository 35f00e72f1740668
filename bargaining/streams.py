"""Counter-based random numbers for runs batched as arrays: every number is a pure function of
(seed, round, country, purpose).

Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11) maps a
128-bit counter and a 64-bit key to 128 random bits with no state. The key is the run's seed, the counter is
(round, country, purpose, 0), so replication ``r`` of a batch of seeds draws exactly what a run with seed ``s_r``
alone draws, whatever else is in the batch and in whatever order numbers are drawn.

32-bit words are held in ``uint64`` arrays: a 32 x 32 -> 64-bit product is exact there, so one multiply gives a
Philox round's high and low halves.

Purposes name what a number is for. A new use of random numbers gets a new purpose number; a number once used is
never reused or renumbered (that would silently change every stream drawn under it).
"""

from __future__ import annotations

import functools
import math
import numbers

import numpy as np
from scipy.special import ndtri

from .per_replication import PerReplication

BELIEF = 0  # noise on a country's belief in the threat
ASPIRATION = 1  # noise on an aspiration
ORDER = 2  # order of proposers in a round
NEGMAS = 3  # seed of a seated NegMAS negotiator's own generators (bargaining.negmas.seat)

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)  # round multipliers (Salmon et al. 2011; Random123's philox.h)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)  # Weyl key increments: golden ratio, sqrt(3) - 1
_MASK = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)
_ZERO = np.uint64(0)


def philox(counter, key) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Philox4x32-10 block function (Random123's ``philox4x32``, 10 rounds), elementwise with broadcasting.

    Args:
        counter: Four 32-bit words (ints or integer arrays).
        key: Two 32-bit words (ints or integer arrays).

    Returns:
        The four 32-bit output words as ``uint64`` arrays of the broadcast shape.
    """
    c0, c1, c2, c3 = (_words(c, "counter") for c in counter)
    k0, k1 = (_words(k, "key") for k in key)
    for i in range(10):
        if i:  # the key is bumped before every round but the first
            k0, k1 = (k0 + _W0) & _MASK, (k1 + _W1) & _MASK
        p0, p1 = _M0 * c0, _M1 * c2
        c0, c1, c2, c3 = (p1 >> _32) ^ c1 ^ k0, p1 & _MASK, (p0 >> _32) ^ c3 ^ k1, p0 & _MASK
    return tuple(np.asarray(c) for c in np.broadcast_arrays(c0, c1, c2, c3))


def uniform(seeds, round_: int, country, purpose: int) -> np.ndarray:
    """One uniform number in (0, 1) per seed, for a round, country (int or array broadcasting with ``seeds``)
    and purpose.

    Key: (low, high) 32 bits of the seed; counter: (round_, country, purpose, 0). The number is the midpoint
    ``(k + 0.5) / 2**52`` of one of 2**52 equal cells, ``k`` the top 52 bits of the first two output words: exact
    in float64, never 0 or 1, and symmetric (``1 - u`` is a value too, so normals are symmetric). With 53 bits the
    half would need a 54th bit of mantissa: the top cell's midpoint would round to 1.0.
    """
    seeds = _seeds(seeds)
    round_, purpose, country = _word(round_, "round_"), _word(purpose, "purpose"), _words(country, "country")
    return _uniform(seeds, round_, country, purpose)


def _uniform(seeds: np.ndarray, round_, country, purpose) -> np.ndarray:
    """:func:`uniform` of checked words (``round_`` and ``purpose`` may be arrays too, broadcast with the rest)."""
    shape = np.broadcast(seeds, round_, country, purpose).shape
    if math.prod(shape) <= SMALL:
        return _uniform_small(seeds, round_, country, purpose, shape)
    x0, x1, _, _ = philox((round_, country, purpose, 0), (seeds & _MASK, seeds >> _32))
    k = (x0 << np.uint64(20)) ^ (x1 >> np.uint64(12))
    return (k.astype(np.float64) + 0.5) * 2.0**-52


SMALL = 64  # up to this many numbers, Philox runs on Python integers (numpy's per-call cost dominates)


class Rounds(PerReplication):
    """A batch's numbers for every country and some purposes, round by round: ``uniform(seeds, round, country,
    purpose)`` for countries 0..n-1 (the same bits), drawn for several rounds at once while the batch is small (a
    single run: one call every ``ahead`` rounds instead of one per round and purpose), and so are their normals and
    permutations (elementwise, and row by row: the same numbers as one round's alone).

    Args:
        seeds: (R,) the batch's seeds.
        n: Countries.
        purposes: The purposes drawn.
    """

    per_replication = ("seeds", "_block")

    def __init__(self, seeds: np.ndarray, n: int, purposes: tuple[int, ...]):
        self.seeds, self.n, self.purposes = _seeds(seeds), n, purposes
        self.ahead = max(1, SMALL // (len(self.seeds) * n * max(len(purposes), 1)))
        self._first, self._block = 0, None  # (R, ahead, P, n) from round _first on
        self._made: dict[tuple[str, int], np.ndarray] = {}  # (kind, purpose) -> (R, ahead, n) of the block

    def keep(self, rows: np.ndarray) -> None:
        super().keep(rows)
        self._made = {}  # made again from the rows kept

    def _of(self, kind: str, round_: int, purpose: int) -> np.ndarray:
        """(R, n) a round's numbers of a kind (uniform, normal, permutation) for a purpose."""
        if self._block is None or not self._first <= round_ < self._first + self.ahead:
            rounds = np.arange(round_, round_ + self.ahead, dtype=np.uint64)[None, :, None, None]
            purposes = np.array(self.purposes, dtype=np.uint64)[None, None, :, None]
            self._first, self._made = round_, {}
            self._block = _uniform(self.seeds[:, None, None, None], rounds, np.arange(self.n, dtype=np.uint64),
                                   purposes)
        made = self._made.get((kind, purpose))
        if made is None:
            u = self._block[:, :, self.purposes.index(purpose)]
            made = self._made[kind, purpose] = u if kind == "uniform" else ndtri(u) if kind == "normal" else \
                np.argsort(u, axis=-1, kind="stable")
        return made[:, round_ - self._first]

    def uniform(self, round_: int, purpose: int) -> np.ndarray:
        """(R, n) every country's uniform in a round for a purpose."""
        return self._of("uniform", round_, purpose)

    def normal(self, round_: int, purpose: int) -> np.ndarray:
        """(R, n) :func:`normal`'s numbers."""
        return self._of("normal", round_, purpose)

    def permutation(self, round_: int, purpose: int) -> np.ndarray:
        """(R, n) :func:`permutation`'s permutations."""
        return self._of("permutation", round_, purpose)


def _uniform_small(seeds: np.ndarray, round_, country, purpose, shape: tuple[int, ...] | None = None) -> np.ndarray:
    """:func:`uniform` computed on Python integers: the same bits (a test holds it to the vectorised form; k < 2**52,
    so ``k + 0.5`` and the scaling by a power of two are exact in both, as is ``(2k + 1) * 2**-53``, their value),
    faster for a few dozen numbers (a single run). ``shape``: the words' broadcast shape, if known.

    The numbers are computed at once, as lanes 64 bits apart of one Python integer per word: a lane holds a 32-bit
    word, a 32 x 32-bit product stays inside its lane, so one multiply gives every lane's product, and a shift and
    a mask every lane's high or low half. Words go in and out of the lanes as little-endian bytes."""
    if shape is None:
        shape = np.broadcast(seeds, round_, country, purpose).shape
    size = math.prod(shape)
    if size == 0:
        return np.zeros(shape)
    ones = _ones(size)
    x0, x1, x2 = (_lanes(word, shape, ones) for word in (round_, country, purpose))
    x3, mask, m0, m1 = 0, ones * 0xFFFFFFFF, int(_M0), int(_M1)
    lanes = (int(seeds.flat[0]),) * size if seeds.size == 1 else tuple(_filled(seeds, shape).ravel().tolist())
    for k0, k1 in _lane_keys(lanes):
        p0, p1 = m0 * x0, m1 * x2
        x0, x1, x2, x3 = ((p1 >> 32) & mask) ^ x1 ^ k0, p1 & mask, ((p0 >> 32) & mask) ^ x3 ^ k1, p0 & mask
    k = (x0 << 20) ^ ((x1 >> 12) & ones * 0xFFFFF)  # every lane's top 52 bits: x0's 32 above x1's top 20
    odd = np.frombuffer(((k << 1) | ones).to_bytes(8 * size, "little"), dtype="<u8")  # 2k + 1 < 2**53
    return (odd.astype(np.float64) * 2.0**-53).reshape(shape)


def _filled(word, shape: tuple[int, ...]) -> np.ndarray:
    """``word`` (an int or an array) broadcast to ``shape``, as a new little-endian ``uint64`` array."""
    out = np.empty(shape, dtype="<u8")
    out[...] = word
    return out


def _lanes(word, shape: tuple[int, ...], ones: int) -> int:
    """``word`` broadcast to ``shape`` as one Python integer, an element a lane, 64 bits apart (``_uniform_small``)."""
    if getattr(word, "ndim", 0) == 0:  # one word in every lane (an int, or a numpy integer)
        return int(word) * ones
    return int.from_bytes(_filled(word, shape).tobytes(), "little")


@functools.lru_cache(maxsize=64)
def _ones(lanes: int) -> int:
    """1 in each of ``lanes`` lanes 64 bits apart."""
    return sum(1 << 64 * i for i in range(lanes))


@functools.lru_cache(maxsize=1024)
def _lane_keys(seeds: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """The keys of Philox's 10 rounds for seeds in lanes 64 bits apart (``_uniform_small``)."""
    if len(set(seeds)) == 1:  # one seed in every lane (a single run): its keys times the lanes' ones
        ones = _ones(len(seeds))
        return tuple((k0 * ones, k1 * ones) for k0, k1 in _keys(seeds[0]))
    keys = [_keys(s) for s in seeds]
    return tuple(tuple(sum(k[r][word] << 64 * i for i, k in enumerate(keys)) for word in (0, 1)) for r in range(10))


@functools.lru_cache(maxsize=1024)
def _keys(seed: int) -> tuple[tuple[int, int], ...]:
    """The keys of Philox's 10 rounds for a seed: (low, high) 32 bits, bumped by the Weyl increments before every
    round but the first."""
    k0, k1, w0, w1, mask = seed & 0xFFFFFFFF, seed >> 32, int(_W0), int(_W1), 0xFFFFFFFF
    return tuple(((k0 + i * w0) & mask, (k1 + i * w1) & mask) for i in range(10))


def normal(seeds, round_: int, country, purpose: int) -> np.ndarray:
    """One standard normal number per seed: the inverse normal CDF (``scipy.special.ndtri``) of :func:`uniform`."""
    return ndtri(uniform(seeds, round_, country, purpose))


def permutation(seeds, round_: int, n: int, purpose: int) -> np.ndarray:
    """A random permutation of ``range(n)`` per seed, shape (R, n): the stable argsort of n uniforms drawn with
    country = 0..n-1."""
    n = _word(n, "n")
    u = uniform(_seeds(seeds)[:, None], round_, np.arange(n), purpose)
    return np.argsort(u, axis=1, kind="stable")


def _word(x, name: str) -> int:
    """A Python int in [0, 2**32), else ValueError naming ``name``."""
    if type(x) is int and 0 <= x < 2**32:
        return x
    if isinstance(x, bool) or not isinstance(x, numbers.Integral) or not 0 <= x < 2**32:
        raise ValueError(f"{name}: expected an integer in [0, 2**32), found {x!r:.80}")
    return int(x)


def _words(x, name: str) -> np.ndarray:
    """Integers in [0, 2**32) (an int or an integer array) as ``uint64``, else ValueError naming ``name``."""
    if type(x) is int or isinstance(x, numbers.Integral) and not isinstance(x, bool):
        return np.uint64(_word(x, name))
    a = np.asarray(x)
    if a.dtype.kind == "u" and a.dtype.itemsize <= 4:  # in range by its type
        return a.astype(np.uint64)
    if a.dtype.kind not in "ui" or (a.size and (a.min() < 0 or a.max() >= 2**32)):
        raise ValueError(f"{name}: expected integers in [0, 2**32), found {a!r:.80}")
    return a.astype(np.uint64)


def _seeds(seeds) -> np.ndarray:
    """Seeds as ``uint64``: integers in [0, 2**64) (numpy integer arrays, or Python ints of any size), else
    ValueError."""
    if isinstance(seeds, np.ndarray) and seeds.dtype == np.uint64:  # a model's seeds: in range by their type
        return seeds
    a = np.asarray(seeds)
    if a.dtype.kind not in "ui":  # Python ints above 2**63 make numpy guess float64 or object: read them one by one
        a = np.asarray(seeds, dtype=object)
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in a.flat):
            raise ValueError(f"seeds: expected integers in [0, 2**64), found {a!r:.80}")
    if a.size and (a.min() < 0 or a.max() >= 2**64):
        raise ValueError(f"seeds: expected integers in [0, 2**64), found {a!r:.80}")
    return np.array(a.tolist(), dtype=np.uint64) if a.dtype == object else a.astype(np.uint64)
