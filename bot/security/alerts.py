"""Security alerts: one open alert per problem, each with its card; the next check closes what got fixed.

An alert is kept by its key (a credential, an expiry date, an administrator in a role), so a problem that
persists for days is one card, not one a day, and one that is fixed says so on its card.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg

from bot.workchat.outbox import open_card, touch

KIND = "security_alert"


class AlertKind(enum.StrEnum):
    CREDENTIAL = "credential"
    EXPIRY = "expiry"
    ROSTER = "roster"


@dataclass(frozen=True)
class Alert:
    id: int
    key: str
    kind: AlertKind
    title: str
    problem: str
    advice: str | None
    details: dict[str, Any] = field(default_factory=dict)
    open: bool = True
    acknowledged_by: str | None = None
    resolved_how: str | None = None
    resolved_by: str | None = None
    opened_at: datetime | None = None
    resolved_at: datetime | None = None
    decision_seq: int = 1


def _alert(row: asyncpg.Record) -> Alert:
    return Alert(id=row["id"], key=row["key"], kind=AlertKind(row["kind"]), title=row["title"], problem=row["problem"],
                 advice=row["advice"], details=row["details"] or {}, open=row["status"] == "open",
                 acknowledged_by=row["acknowledged_by"], resolved_how=row["resolved_how"],
                 resolved_by=row["resolved_by"], opened_at=row["opened_at"], resolved_at=row["resolved_at"],
                 decision_seq=row["decision_seq"])


async def load(conn: asyncpg.Connection, alert_id: int, *, lock: bool = False) -> Alert | None:
    row = await conn.fetchrow("SELECT * FROM security_alerts WHERE id = $1" + (" FOR UPDATE" if lock else ""),
                              alert_id)
    return _alert(row) if row else None


async def raise_alert(conn: asyncpg.Connection, *, key: str, kind: AlertKind, title: str, problem: str,
                      advice: str | None, details: dict[str, Any] | None = None, chat_id: int) -> int | None:
    """Opens an alert with its card; an alert already open for the key gets the newer wording, no new card."""
    alert_id = await conn.fetchval(
        "INSERT INTO security_alerts (key, kind, title, problem, advice, details) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (key) WHERE status = 'open' DO NOTHING RETURNING id",
        key, kind.value, title, problem, advice, details or {})
    if alert_id is not None:
        await open_card(conn, KIND, alert_id, chat_id=chat_id)
        return int(alert_id)
    changed = await conn.fetchval(
        "UPDATE security_alerts SET problem = $2, advice = $3, details = $4 WHERE key = $1 AND status = 'open'"
        " AND (problem, coalesce(advice, ''), details) IS DISTINCT FROM ($2, coalesce($3, ''), $4) RETURNING id",
        key, problem, advice, details or {})
    if changed is not None:
        await touch(conn, KIND, [changed])
    return None


async def resolve(conn: asyncpg.Connection, alert_id: int, *, how: str, by: str | None = None) -> None:
    await conn.execute("UPDATE security_alerts SET status = 'resolved', resolved_how = $2, resolved_by = $3,"
                       " resolved_at = now(), decision_seq = decision_seq + 1 WHERE id = $1 AND status = 'open'",
                       alert_id, how, by)
    await touch(conn, KIND, [alert_id])


async def resolve_fixed(conn: asyncpg.Connection, *, prefix: str, still: set[str]) -> list[int]:
    """Closes the open alerts under `prefix` whose problem the latest check no longer found."""
    rows = await conn.fetch("SELECT id, key FROM security_alerts WHERE status = 'open' AND key LIKE $1 || '%'",
                            prefix)
    fixed = [row["id"] for row in rows if row["key"] not in still]
    for alert_id in fixed:
        await resolve(conn, alert_id, how="fixed")
    return fixed


async def resolve_key(conn: asyncpg.Connection, key: str, *, how: str = "fixed") -> int:
    """Closes the open alert with exactly this key, if any; returns how many were closed."""
    alert_id = await conn.fetchval("SELECT id FROM security_alerts WHERE status = 'open' AND key = $1", key)
    if alert_id is None:
        return 0
    await resolve(conn, alert_id, how=how)
    return 1


async def acknowledge(conn: asyncpg.Connection, alert: Alert, *, by: str) -> None:
    await conn.execute("UPDATE security_alerts SET acknowledged_by = $2, decision_seq = decision_seq + 1 WHERE id = $1",
                       alert.id, by)
    await touch(conn, KIND, [alert.id])


async def open_alerts(conn: Any) -> list[Alert]:
    return [_alert(r) for r in await conn.fetch("SELECT * FROM security_alerts WHERE status = 'open' ORDER BY id")]
