"""Sliding-window request counters, shared by the VK and Telegram emulators.

Both services limit "N requests per window" per key (a token, a chat). A sliding window is the strictest
reading of such a limit: any window of that length may hold at most N accepted requests.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Hashable


class SlidingWindow:
    """At most `limit` hits per `window` seconds for each key."""

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._hits: dict[Hashable, deque[float]] = {}

    def _prune(self, key: Hashable, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: Hashable) -> float:
        """Seconds until `key` may be hit again; 0 when a hit is allowed now."""
        now = self._clock()
        hits = self._prune(key, now)
        if len(hits) < self.limit:
            return 0.0
        return max(0.0, hits[len(hits) - self.limit] + self.window - now)

    def hit(self, key: Hashable) -> float:
        """Records a hit and returns 0, or returns the wait (> 0) and records nothing when over the limit."""
        wait = self.retry_after(key)
        if wait > 0:
            return wait
        self._hits[key].append(self._clock())
        return 0.0
