"""The planner's picture of tables a flood grows from nothing.

PostgreSQL plans from statistics that autovacuum refreshes a minute or more after a table changed by a tenth.
On a fresh install a first flood outgrows them at once: the planner, believing `items` empty, looked comments up
by the wrong index (95 ms a batch of 50 instead of 0.3 ms) and the drain slowed down as it went. Whoever inserts
the rows counts them here, and the tables are analysed each time they have doubled since the statistics were
taken (and at least a thousand rows came) — a handful of times in a database's life, a few milliseconds each.
"""

from __future__ import annotations

import logging

from bot.db.database import Database, DatabaseUnavailable

log = logging.getLogger(__name__)

MIN_GROWTH = 1000


class Growth:
    def __init__(self, tables: tuple[str, ...], *, min_growth: int = MIN_GROWTH) -> None:
        """`tables`: each as `name (column, …)`, the first the one counted: the columns whose statistics choose
        the plans that matter (measuring a payload or text column would read every sampled document)."""
        self.tables = tables
        self.counted = tables[0].split(" ", 1)[0]
        self.min_growth = min_growth
        self.known: float | None = None  # rows in the first table when its statistics were taken
        self.added = 0

    async def grew(self, db: Database, rows: int) -> None:
        """Counts rows just committed to the first table; analyses the tables once it has doubled."""
        self.added += rows
        if self.added < max(self.known or 0.0, self.min_growth):
            return  # not doubled yet: no connection taken (this runs after every batch)
        try:
            async with db.connection() as conn:
                if self.known is None:
                    self.known = max(float(await conn.fetchval(
                        "SELECT reltuples FROM pg_class WHERE oid = $1::regclass", self.counted)), 0.0)
                if self.added < max(self.known, self.min_growth):
                    return
                await conn.execute(f"ANALYZE {', '.join(self.tables)}")
                self.known += self.added
                self.added = 0
                log.debug("statistics of %s refreshed (%.0f rows)", ", ".join(self.tables), self.known)
        except DatabaseUnavailable:
            pass  # autovacuum will do it in its own time
