"""The inbox: the one place where a network event becomes durable, pushed or polled.

`accept` runs one transaction and returns only after the commit, so a webhook can acknowledge the
event knowing it is safe; `store` does the same inside a caller's transaction (a poller commits the
events it found together with its cursor). A repeat of an event (same page and event id) is
recognised and acknowledged again without a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import asyncpg

from bot import audit
from bot.db import Database
from bot.queue import Queue

EVENTS = Queue("events", due="status = 'new'", lease=timedelta(minutes=1), channel="gospablik_events")


@dataclass(frozen=True)
class Accepted:
    event_row_id: int
    duplicate: bool


async def store(conn: asyncpg.Connection, *, network: str, account_id: int, event_id: str, event_type: str,
                payload: dict[str, Any]) -> Accepted:
    """Stores the event in the caller's transaction unless it is already stored."""
    row = await conn.fetchrow(
        "INSERT INTO events (network, account_id, event_id, type, payload) VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (network, account_id, event_id) DO UPDATE SET deliveries = events.deliveries + 1"
        " RETURNING id, (xmax <> 0) AS duplicate",
        network, account_id, event_id, event_type, payload)
    assert row is not None
    if not row["duplicate"]:
        await audit.record(conn, actor=f"{network}:inbound", action="event_received", result="stored",
                           network=network, account_id=account_id, event_id=event_id, detail={"type": event_type})
        await EVENTS.wake(conn)
    return Accepted(row["id"], bool(row["duplicate"]))


async def accept(db: Database, *, network: str, account_id: int, event_id: str, event_type: str,
                 payload: dict[str, Any]) -> Accepted:
    """Stores the event and commits; raises DatabaseUnavailable when it cannot."""
    async with db.transaction() as conn:
        return await store(conn, network=network, account_id=account_id, event_id=event_id, event_type=event_type,
                           payload=payload)
