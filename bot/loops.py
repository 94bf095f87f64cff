"""The shape every background worker shares: drain what is due, then sleep until woken or idle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from bot.db import DatabaseUnavailable

log = logging.getLogger(__name__)


async def drain_forever(name: str, step: Callable[[], Awaitable[object]], wake: asyncio.Event, *,
                        idle: float, after: Callable[[], Awaitable[object]] | None = None) -> None:
    """Calls `step` until it reports nothing done (a falsy result), then waits for `wake` or `idle` seconds.

    The event is cleared before draining, so a wake-up that arrives during the drain is not lost.
    Errors never end the loop: a database outage is logged and retried after `idle`.
    """
    while True:
        wake.clear()
        try:
            while await step():
                pass
            if after is not None:
                await after()
        except DatabaseUnavailable as exc:
            log.error("%s: database unavailable: %s", name, exc)
        except Exception:
            log.exception("%s: unexpected error", name)
        try:
            await asyncio.wait_for(wake.wait(), idle)
        except TimeoutError:
            pass
