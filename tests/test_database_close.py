"""Stopping never hangs on the database: a connection a stuck task still holds is terminated after the pool's
patience instead of holding the service's stop (and a test's teardown) forever."""

from __future__ import annotations

import asyncio
import time

from bot.db import Database


async def test_closing_the_pool_does_not_wait_forever_for_a_held_connection(database_url: str) -> None:
    database = await Database.connect(database_url, max_size=2)
    held = asyncio.Event()

    async def stuck() -> None:
        async with database.connection() as conn:
            await conn.execute("BEGIN")
            held.set()
            await asyncio.Event().wait()  # never releases: a task the shutdown did not end

    task = asyncio.create_task(stuck())
    await held.wait()
    began = time.monotonic()
    await database.close(patience=0.5)
    assert time.monotonic() - began < 10, "closed after its patience, not when the holder let go"
    assert database.pool.is_closing()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
