"""The inbox: the one place where a network event becomes durable.

`accept` runs one transaction and returns only after the commit, so the webhook can acknowledge the
event knowing it is safe; a retry of the same event (same community and event id) is recognised and
acknowledged again without a second copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import audit
from bot.db import Database

WAKE_CHANNEL = "gospablik_events"


@dataclass(frozen=True)
class Accepted:
    event_row_id: int
    duplicate: bool


async def accept(db: Database, *, network: str, community_id: int, event_id: str, event_type: str,
                 payload: dict[str, Any]) -> Accepted:
    """Stores the event (without its secret) unless it is already stored; raises DatabaseUnavailable."""
    stored = {k: v for k, v in payload.items() if k != "secret"}
    async with db.transaction() as conn:
        row = await conn.fetchrow(
            "INSERT INTO events (network, community_id, event_id, type, payload)"
            " VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (network, community_id, event_id)"
            " DO UPDATE SET deliveries = events.deliveries + 1"
            " RETURNING id, (xmax <> 0) AS duplicate",
            network, community_id, event_id, event_type, stored,
        )
        assert row is not None
        if not row["duplicate"]:
            await audit.record(conn, actor=f"{network}:callback", action="event_received", result="stored",
                               network=network, community_id=community_id, event_id=event_id,
                               detail={"type": event_type})
            await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return Accepted(row["id"], bool(row["duplicate"]))
