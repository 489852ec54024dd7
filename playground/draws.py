"""Base draws kept across simulations: the random numbers of a seed, drawn once and scaled on use.

Every random initializer is a base draw times a scale (``initializers.BASES``),
and the inputs and the read-out are standard-normal draws too. Changing the
activation, the std, the bias, batch norm or switching between LeCun, Xavier,
He and a fixed std therefore needs no new random numbers: the page asks this
cache for the base draws of (seed stream, kind, shape, precision) and scales
them. The arrays are read-only and shared, the cache is bounded in bytes
(least recently used first out), and a draw is the same whether it comes from
here or is drawn afresh, bit for bit, since it is made by the same function
from the same seed.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np

# The cache's bound, in MB (PLAYGROUND_DRAW_CACHE_MB in the environment; 0 turns it off).
DEFAULT_MB = 64


class DrawCache:
    """A thread-safe, byte-bounded LRU of read-only arrays."""

    def __init__(self, max_bytes: int):
        self.max_bytes = int(max_bytes)
        self._arrays: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, make: Callable[[], np.ndarray]) -> np.ndarray:
        """The array kept under ``key``, or ``make()``'s, kept if it fits (read-only either way)."""
        with self._lock:
            array = self._arrays.get(key)
            if array is not None:
                self._arrays.move_to_end(key)
                self.hits += 1
                return array
            self.misses += 1
        # Drawn outside the lock: two threads may draw the same key, and get equal arrays.
        array = make()
        array.flags.writeable = False
        if array.nbytes <= self.max_bytes // 4:
            with self._lock:
                if key not in self._arrays:
                    self._arrays[key] = array
                    self.bytes += array.nbytes
                while self.bytes > self.max_bytes:
                    _, dropped = self._arrays.popitem(last=False)
                    self.bytes -= dropped.nbytes
        return array

    def clear(self) -> None:
        with self._lock:
            self._arrays.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._arrays)


def _bound() -> int:
    try:
        return max(0, int(float(os.environ.get("PLAYGROUND_DRAW_CACHE_MB", DEFAULT_MB)) * 2**20))
    except ValueError:
        return DEFAULT_MB * 2**20


CACHE = DrawCache(_bound())


def seed_key(seq: np.random.SeedSequence) -> tuple:
    """What identifies a seed stream: its entropy and its place among the spawned streams."""
    return (seq.entropy, tuple(seq.spawn_key))
