"""One cache policy for everything the package computes once and reuses: bounded, least recently used first out.

Keys are fingerprints of what a value depends on (``fingerprint``), never object identities, so equal inputs
share one entry whichever object holds them.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np


def fingerprint(*parts: np.ndarray | float | int | str | bytes | None) -> bytes:
    """A short digest of arrays and scalars (shape and dtype included), usable as a cache key."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(_encoded(part))
    return h.digest()


def fingerprints(before: tuple, varying: np.ndarray, after: tuple) -> list[bytes]:
    """``fingerprint(*before, v, *after)`` for each v in ``varying`` (E, ...), hashing ``before`` once."""
    head = hashlib.blake2b(digest_size=16)
    for part in before:
        head.update(_encoded(part))
    tail = b"".join(map(_encoded, after))
    label = f"{varying.dtype.str}{varying.shape[1:]}".encode()
    data = np.ascontiguousarray(varying).tobytes()
    size = len(data) // len(varying) if len(varying) else 0
    out = []
    for e in range(len(varying)):
        h = head.copy()
        h.update(label + data[e * size:(e + 1) * size] + b"|" + tail)
        out.append(h.digest())
    return out


def _encoded(part: np.ndarray | float | int | str | bytes | None) -> bytes:
    """What ``fingerprint`` hashes of one part: an array's dtype, shape and bytes, or a scalar's repr."""
    if isinstance(part, np.ndarray):
        return f"{part.dtype.str}{part.shape}".encode() + np.ascontiguousarray(part).tobytes() + b"|"
    return repr(part).encode() + b"|"


class Cache[V]:
    """A bounded mapping: ``get(key, make)`` returns the value for ``key``, making it on a miss; when full,
    the least recently used entry goes.

    Args:
        size: Most entries kept.
    """

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        try:
            self._entries.move_to_end(key)
            return self._entries[key]
        except KeyError:
            value = self._entries[key] = make()
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
            return value

    def get_many(self, keys: list[Hashable], make: Callable[[list[int]], list[V]]) -> list[V]:
        """``get`` of many keys, the missing ones made in one call: ``make(indices)`` returns the values of the keys
        at those indices (the first of each missing key)."""
        found: dict[Hashable, V] = {}
        missing: dict[Hashable, int] = {}
        for i, key in enumerate(keys):
            if key in found or key in missing:
                continue
            if key in self._entries:
                self._entries.move_to_end(key)
                found[key] = self._entries[key]
            else:
                missing[key] = i
        if missing:
            found.update(zip(missing, make(list(missing.values())), strict=True))
            self._entries.update((key, found[key]) for key in missing)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return [found[key] for key in keys]

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
