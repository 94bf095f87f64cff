"""The one durable queue every worker shares: the inbox, the action queue, the pollers, the card outbox.

A queue is a table whose due rows are claimed with `FOR UPDATE SKIP LOCKED` under a lease: claiming
moves the row's lease column into the future, so a worker that dies mid-way leaves the row to be
claimed again once the lease runs out, and several replicas never take the same row. A failure
moves the row's `retry_at` by an exponential backoff; a wake-up travels by NOTIFY.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg


def backoff(attempts: int, *, base: float = 2.0, cap: float = 300.0) -> float:
    """Seconds to wait after the `attempts`-th failure: 2, 4, 8 … up to `cap`."""
    return min(base ** max(attempts, 1), cap)


@dataclass(frozen=True)
class Queue:
    table: str
    due: str  # SQL condition of a row that waits to be claimed (the lease check is added)
    lease: timedelta
    channel: str | None = None  # NOTIFY channel that wakes the workers
    lease_column: str = "retry_at"  # set to now() + lease by a claim
    counts_attempts: bool = True

    async def claim(self, conn: asyncpg.Connection, limit: int = 1, *, where: str = "", args: tuple[Any, ...] = (),
                    order: str = "id", walk: bool = False) -> list[asyncpg.Record]:
        """Takes up to `limit` due rows, leasing them; `where` narrows with `args` as $2, $3…

        Rows are chosen in `order`; several come back sorted by id (RETURNING keeps no order), which is
        the order of arrival for every queue here. `walk` is for a queue that a flood fills faster than
        the statistics follow: the claim walks its index in order and stops at `limit`. Otherwise the planner,
        believing a handful of rows due, may fetch every due row in a bitmap and sort them all (10 ms a claim
        at 15,000 waiting instead of 0.1 ms); two more round trips a batch are the price.
        """
        extra = f" AND ({where})" if where else ""
        attempts = "attempts = attempts + 1, " if self.counts_attempts else ""
        query = (f"WITH due AS (SELECT id FROM {self.table} WHERE ({self.due}){extra}"
                 f" AND ({self.lease_column} IS NULL OR {self.lease_column} <= now())"
                 f" ORDER BY {order} FOR UPDATE SKIP LOCKED LIMIT {int(limit)})"
                 f" UPDATE {self.table} t SET {attempts}{self.lease_column} = now() + $1::interval"
                 f" FROM due WHERE t.id = due.id RETURNING t.*")
        if walk:
            async with conn.transaction():
                await conn.execute("SET LOCAL enable_bitmapscan = off")
                rows = await conn.fetch(query, self.lease, *args)
        else:
            rows = await conn.fetch(query, self.lease, *args)
        return sorted(rows, key=lambda r: r["id"])

    async def take(self, db: Any) -> asyncpg.Record | None:
        """Claims one due row on a connection of its own (a `bot.db.Database`); None when none is due."""
        async with db.connection() as conn:
            claimed = await self.claim(conn)
        return claimed[0] if claimed else None

    async def retry_later(self, conn: asyncpg.Connection, row_id: int, delay: float, **fields: Any) -> None:
        """Releases a claimed row to be tried again after `delay` seconds, setting `fields` too."""
        sets, args = _assignments(fields, start=3)
        await conn.execute(
            f"UPDATE {self.table} SET retry_at = now() + $2 * interval '1 second'{sets} WHERE id = $1",
            row_id, float(delay), *args)

    async def wake(self, conn: asyncpg.Connection) -> None:
        """Wakes every replica's worker once the caller's transaction commits."""
        if self.channel:
            await conn.execute("SELECT pg_notify($1, '')", self.channel)


def _assignments(fields: dict[str, Any], *, start: int) -> tuple[str, list[Any]]:
    parts = [f", {name} = ${start + i}" for i, name in enumerate(fields)]
    return "".join(parts), list(fields.values())


class Cursor:
    """Where a worker's next claim of a busy queue starts: just past the last row it claimed.

    A claim walks its index from the lowest id, and every row handled since the last vacuum is still an entry
    there (a dead one); during a drain of tens of thousands of events each claim walked all those handled before
    it, and an idle worker's claim every second walked them again until autovacuum came (on a large table, after
    a fifth of it had changed). Starting past the last claimed row skips them. What the cursor passes by — a row
    another replica holds, or one waiting for its retry — is due later anyway, and is found by a claim from the
    start every `rescan` seconds (repeated while such claims come back full, after a replica died holding rows).
    """

    def __init__(self, rescan: float = 5.0) -> None:
        self.rescan = rescan
        self.low = 0
        self._scanned = time.monotonic()
        self._rescanning = False

    def start(self) -> int:
        """The id the next claim starts from (0: from the start)."""
        if self._rescanning or time.monotonic() - self._scanned >= self.rescan:
            self._rescanning = True
            self._scanned = time.monotonic()
            return 0
        return self.low

    def claimed(self, rows: list[asyncpg.Record], limit: int) -> None:
        """Moves past what a claim took (never back). A claim from the start that came back full of rows the cursor
        had passed by goes on from the start; one that reached the cursor's rows hands back to the cursor."""
        passed_by = self.low
        if rows:
            self.low = max(self.low, rows[-1]["id"] + 1)
        if self._rescanning:
            self._rescanning = len(rows) >= limit and rows[-1]["id"] < passed_by
