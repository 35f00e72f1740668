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
        if isinstance(part, np.ndarray):
            h.update(f"{part.dtype}{part.shape}".encode())
            h.update(np.ascontiguousarray(part).tobytes())
        else:
            h.update(repr(part).encode())
        h.update(b"|")
    return h.digest()


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

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()
