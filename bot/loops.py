"""The shape every background worker shares: drain what is due, then sleep until woken or idle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from bot.db import DatabaseUnavailable

log = logging.getLogger(__name__)
T = TypeVar("T")
_held: set[asyncio.Task[Any]] = set()


async def to_the_end(work: Coroutine[Any, Any, T]) -> T:
    """Runs `work` to its end even if the caller is cancelled: for writing down what already happened on a
    network (a deletion done, a card sent). The leader's duties are cancelled when the database goes away and
    leadership with it, which is exactly when such an outcome is waiting to be written; dropping it would leave
    the row to its lease and the action to be done again."""
    task = asyncio.ensure_future(work)
    _held.add(task)
    task.add_done_callback(_held.discard)
    return await asyncio.shield(task)


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


async def until_database_answers(work: Callable[[], Awaitable[T]], *, patience: float, what: str) -> T:
    """Runs `work` until the database answers, with a capped backoff, for at most `patience` seconds (then the
    last DatabaseUnavailable goes up): for writing down what has already happened elsewhere, which must not be
    dropped for a database that is away for a moment."""
    waited, pause = 0.0, 0.5
    while True:
        try:
            return await work()
        except DatabaseUnavailable as exc:
            if waited >= patience:
                raise
            log.warning("%s; the database is away (%s): trying again in %.1fs", what, exc, pause)
            await asyncio.sleep(pause)
            waited += pause
            pause = min(pause * 2, 5.0)
