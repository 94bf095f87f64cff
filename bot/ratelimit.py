"""A sliding-window limiter: at most `limit` acquisitions in any `period` seconds, optionally paced.

Used where a remote service counts requests in a window (Telegram: ~20 messages a minute in one
group; a social network's 3 or 20 requests a second per token). Unlike a leaky bucket it never lets a burst of
twice the limit through at the edge of a window.

With `burst`, the window's budget is also spread evenly: `burst` acquisitions may go at once after a quiet spell,
the rest one every `period / (limit - burst)` seconds (a token bucket inside the window). A plain window spends
its whole budget in a burst and then lets nothing through for most of the period — twenty cards at once, then
fifty seconds of silence while a flood waits; paced, a message leaves every few seconds and the longest wait
stays a few seconds. The bucket's rate is chosen so that the window itself is never the one that waits.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class SlidingWindow:
    def __init__(self, limit: int, period: float, *, burst: int | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self._clock = clock
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._paused_until = 0.0
        # Pacing: a bucket of `burst` tokens refilled at (limit - burst) per period; none when burst >= limit.
        self._burst = min(burst, limit) if burst is not None else limit
        self._rate = (limit - self._burst) / period
        self._tokens = float(self._burst)
        self._filled_at = clock()

    def _trim(self, now: float) -> None:
        while self._stamps and self._stamps[0] <= now - self.period:
            self._stamps.popleft()

    def _refill(self, now: float) -> None:
        self._tokens = min(float(self._burst), self._tokens + (now - self._filled_at) * self._rate)
        self._filled_at = now

    @property
    def spacing(self) -> float:
        """Seconds between acquisitions once the burst is spent (0: not paced)."""
        return 1 / self._rate if self._rate else 0.0

    def delay(self) -> float:
        """Seconds until one more acquisition would be allowed (0 if now)."""
        now = self._clock()
        self._trim(now)
        wait = max(0.0, self._paused_until - now)
        if len(self._stamps) >= self.limit:
            wait = max(wait, self._stamps[0] + self.period - now)
        if self._rate:
            self._refill(now)
            if self._tokens < 1 - 1e-9:  # float drift must not cost a sleep of a femtosecond
                wait = max(wait, (1 - self._tokens) / self._rate)
        return wait

    def pause(self, seconds: float) -> None:
        """Holds everyone back, e.g. after the remote side answered 'retry after N'."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self) -> None:
        async with self._lock:
            while (wait := self.delay()) > 0:
                await asyncio.sleep(wait)
            self.take()

    def take(self) -> None:
        """Counts one acquisition now (after `delay()` said 0)."""
        now = self._clock()
        self._stamps.append(now)
        if self._rate:
            self._refill(now)
            self._tokens -= 1
