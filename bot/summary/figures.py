"""What happened in a period, counted from our own records: what came in, what was decided, what still waits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

DECISIONS = {"delete": "удалено", "ban": "заблокировано", "approve": "оставлено", "handled": "обработано",
             "reply": "отвечено"}
LABELS = ("spam", "obscene", "insult", "illegal")


@dataclass(frozen=True)
class Oldest:
    item_id: int
    first_seen_at: datetime
    text: str
    message_id: int | None


@dataclass
class Figures:
    received: int = 0
    flagged: int = 0
    decided: dict[str, int] = field(default_factory=dict)  # decision -> count (ours and the policy's)
    open_now: int = 0
    oldest: Oldest | None = None


async def period(conn: Any, start: datetime, end: datetime) -> Figures:
    row = await conn.fetchrow(
        "SELECT count(*) AS received, count(*) FILTER (WHERE jsonb_array_length(coalesce(verdict->'labels',"
        " '[]'::jsonb)) > 0) AS flagged FROM items WHERE first_seen_at >= $1 AND first_seen_at < $2", start, end)
    decided = {r["action"]: r["n"] for r in await conn.fetch(
        "SELECT action, count(*) AS n FROM audit WHERE at >= $1 AND at < $2 AND result = 'ok'"
        " AND action = ANY($3) GROUP BY action", start, end, list(DECISIONS))}
    figures = Figures(received=row["received"], flagged=row["flagged"], decided=decided)
    figures.open_now = await conn.fetchval("SELECT count(*) FROM items WHERE status = 'open'")
    oldest = await conn.fetchrow(
        "SELECT i.id, i.first_seen_at, i.text, c.message_id FROM items i LEFT JOIN cards c"
        " ON c.subject_kind = 'item' AND c.subject_id = i.id WHERE i.status = 'open'"
        " ORDER BY i.first_seen_at LIMIT 1")
    if oldest is not None:
        figures.oldest = Oldest(oldest["id"], oldest["first_seen_at"], oldest["text"], oldest["message_id"])
    return figures


async def by_day(conn: Any, start: datetime, end: datetime, tz: str) -> dict[date, dict[str, dict[str, int]]]:
    """Per local day: items by label ("clean" when none) and decisions by kind — what the week's chart draws."""
    days: dict[date, dict[str, dict[str, int]]] = {}
    for r in await conn.fetch(
            "SELECT (first_seen_at AT TIME ZONE $3)::date AS day, coalesce(verdict->'labels'->>0, 'clean') AS label,"
            " count(*) AS n FROM items WHERE first_seen_at >= $1 AND first_seen_at < $2 GROUP BY 1, 2",
            start, end, tz):
        days.setdefault(r["day"], {"labels": {}, "decisions": {}})["labels"][r["label"]] = r["n"]
    for r in await conn.fetch(
            "SELECT (at AT TIME ZONE $3)::date AS day, action, count(*) AS n FROM audit WHERE at >= $1 AND at < $2"
            " AND result = 'ok' AND action = ANY($4) GROUP BY 1, 2", start, end, tz, list(DECISIONS)):
        days.setdefault(r["day"], {"labels": {}, "decisions": {}})["decisions"][r["action"]] = r["n"]
    return days
