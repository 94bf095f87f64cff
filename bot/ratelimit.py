"""A sliding-window limiter: at most `limit` acquisitions in any `period` seconds.

Used where a remote service counts requests in a window (Telegram: ~20 messages a minute in one
group; a social network's 3 or 20 requests a second per token). Unlike a leaky bucket it never lets a burst of
twice the limit through at the edge of a window.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    def __init__(self, limit: int, period: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0

    def _trim(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.period:
            self._stamps.popleft()

    def delay(self) -> float:
        """Seconds until one more acquisition would be allowed (0 if now)."""
        now = self._clock()
        self._trim(now)
        wait = max(0.0, self._paused_until - now)
        if len(self._stamps) >= self.limit:
            wait = max(wait, self._stamps[0] + self.period - now)
        return wait

    def pause(self, seconds: float) -> None:
        """Holds everyone back, e.g. after the remote side answered 'retry after N'."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            while (wait := self.delay()) > 0:
                await asyncio.sleep(wait)
            self._stamps.append(self._clock())
