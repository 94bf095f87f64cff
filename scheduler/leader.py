"""One leader among replicas, by a PostgreSQL advisory lock held on a dedicated connection.

Work that must happen once per deployment (writing to the work chat under its rate limit, polling
Telegram, periodic jobs) runs only while this replica holds the lock. If the leader dies, its
connection closes, the lock is released, and another replica takes over within `retry` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

import asyncpg

from bot import metrics
from bot.leadership import LEADER_LOCK

log = logging.getLogger(__name__)
KEEPALIVES = {"tcp_keepalives_idle": "10", "tcp_keepalives_interval": "5", "tcp_keepalives_count": "3"}


async def lead(url: str, duties: Callable[[], Coroutine[Any, Any, None]], *, retry: float = 5.0) -> None:
    """Runs `duties` whenever this replica is the leader; never returns unless cancelled."""
    while True:
        conn = None
        try:
            # Keepalives let the server notice a silently dead leader and free its lock in seconds, not hours.
            conn = await asyncpg.connect(url, timeout=10, server_settings=KEEPALIVES)
            while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK):
                await asyncio.sleep(retry)
            log.info("this replica is the leader")
            metrics.LEADER.set(1)
            task = asyncio.create_task(duties())
            try:
                while not task.done():
                    await asyncio.sleep(retry)
                    # Notice a lost (or half-open) connection, and with it the lock, within `retry` seconds.
                    await conn.fetchval("SELECT 1", timeout=retry)
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("leadership lost or not reachable: %s", exc)
        finally:
            metrics.LEADER.set(0)
            if conn is not None and not conn.is_closed():
                conn.terminate()  # close() may wait on a half-open connection; we are giving the lock up anyway
        await asyncio.sleep(retry)
