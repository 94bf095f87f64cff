"""The append-only record of every event handled and every action: who, what, on what, the result.

`record` takes a connection so that an audit entry commits together with the change it describes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from bot.db import Database

SYSTEM = "system"
EXPORT_COLUMNS = ("id", "at", "actor", "actor_name", "action", "network", "account_id", "item_id",
                  "event_id", "original_text", "result", "detail")


async def record(conn: asyncpg.Connection, *, actor: str, action: str, result: str,
                 actor_name: str | None = None, network: str | None = None, account_id: int | None = None,
                 item_id: int | None = None, event_id: str | None = None, original_text: str | None = None,
                 detail: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """`at`: when it happened, where that was before this record (a network call whose recording had to wait)."""
    await conn.execute(
        "INSERT INTO audit (actor, actor_name, action, network, account_id, item_id, event_id,"
        " original_text, result, detail, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, coalesce($11, now()))",
        actor, actor_name, action, network, account_id, item_id, event_id, original_text, result,
        detail or {}, at,
    )


@dataclass(frozen=True)
class Entry:
    """One audit record, for writing many at once."""
    actor: str
    action: str
    result: str
    actor_name: str | None = None
    network: str | None = None
    account_id: int | None = None
    item_id: int | None = None
    event_id: str | None = None
    original_text: str | None = None
    detail: dict[str, Any] | None = None
    at: datetime | None = None


async def record_many(conn: asyncpg.Connection, entries: Sequence[Entry]) -> None:
    """Like `record` for each entry, in one statement (a worker's batch audits itself in one round trip)."""
    if not entries:
        return
    columns = ("actor", "actor_name", "action", "network", "account_id", "item_id", "event_id", "original_text",
               "result", "detail", "at")
    await conn.execute(
        f"INSERT INTO audit ({', '.join(columns)}) SELECT actor, actor_name, action, network, account_id, item_id,"
        " event_id, original_text, result, detail, coalesce(at, now()) FROM unnest($1::text[], $2::text[],"
        " $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::jsonb[],"
        f" $11::timestamptz[]) AS e({', '.join(columns)})",
        *([getattr(e, c) if c != "detail" else (e.detail or {}) for e in entries] for c in columns))


async def entries(db: Database, since: datetime | None = None) -> AsyncIterator[asyncpg.Record]:
    async with db.transaction() as conn:
        async for row in conn.cursor(
            f"SELECT {', '.join(EXPORT_COLUMNS)} FROM audit"
            " WHERE at >= coalesce($1::timestamptz, '-infinity') ORDER BY id",
            since,
        ):
            yield row


def _cell(value: object) -> object:
    """Citizen text that starts like a formula must not run as one in a spreadsheet."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def export_csv(db: Database, out: io.TextIOBase, since: datetime | None = None) -> int:
    import json

    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    async for row in entries(db, since):
        values = [row[c] for c in EXPORT_COLUMNS]
        values[1] = row["at"].isoformat()
        values[-1] = json.dumps(row["detail"], ensure_ascii=False)
        writer.writerow([_cell(v) for v in values])
        count += 1
    return count
