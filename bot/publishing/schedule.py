"""The content plan's schedule: an approved draft becomes one publication per page, which can be moved,
cancelled, retried after a failure, or taken down after it went out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from bot.publishing import drafts
from bot.publishing.model import Draft, PublicationStatus
from bot.publishing.publisher import PUBLICATIONS, SUBJECT, settle
from bot.workchat import outbox


async def approve(conn: asyncpg.Connection, draft: Draft, *, at: datetime | None, by: str, seq: int
                  ) -> asyncpg.Record | None:
    """Approves the draft's current version for `at` (None: the author's wish, or now) on every chosen page."""
    when = at or draft.wish_at or datetime.now(UTC)
    row = await drafts.move(conn, draft.id, "approve", seq=seq,
                            fields={"decided_by": by, "decided_at": datetime.now(UTC), "publish_at": when})
    if row is None:
        return None
    for target in draft.targets:
        await conn.execute(
            "INSERT INTO publications (draft_id, version, network, account_id, due_at) VALUES ($1, $2, $3, $4, $5)"
            " ON CONFLICT (draft_id, network, account_id) DO UPDATE SET version = $2, due_at = $5,"
            " status = 'scheduled', attempts = 0, started_at = NULL, error = NULL, retry_at = now()",
            draft.id, draft.version.number, target.network, target.account_id, when)
    await PUBLICATIONS.wake(conn)
    return row


async def move(conn: asyncpg.Connection, draft_id: int, at: datetime) -> int:
    """Moves what is still scheduled; returns how many pages moved."""
    result = await conn.execute("UPDATE publications SET due_at = $2, retry_at = now(), decision_seq = decision_seq + 1"
                                " WHERE draft_id = $1 AND status = 'scheduled'", draft_id, at)
    await conn.execute("UPDATE drafts SET publish_at = $2, menu = NULL, decision_seq = decision_seq + 1"
                       " WHERE id = $1", draft_id, at)
    await outbox.touch(conn, drafts.SUBJECT, [draft_id])
    await PUBLICATIONS.wake(conn)
    return int(result.split()[-1])


async def cancel(conn: asyncpg.Connection, draft_id: int, *, by: str, seq: int) -> asyncpg.Record | None:
    """Cancels a scheduled post on every page where it has not gone out yet."""
    row = await drafts.move(conn, draft_id, "cancel", seq=seq,
                            fields={"decided_by": by, "decided_at": datetime.now(UTC)})
    if row is not None:
        await conn.execute("UPDATE publications SET status = 'cancelled', decision_seq = decision_seq + 1"
                           " WHERE draft_id = $1 AND status IN ('scheduled', 'failed', 'missed', 'uncertain')",
                           draft_id)
    return row


async def resolve(conn: asyncpg.Connection, publication_id: int, how: str, *, seq: int) -> asyncpg.Record | None:
    """A person's answer to an alert card: publish again now, it was published after all, or give up."""
    changes: dict[str, tuple[str, dict[str, Any]]] = {
        "retry": ("scheduled", {"due_at": datetime.now(UTC)}),
        "was_published": ("published", {"published_at": datetime.now(UTC)}),
        "give_up": ("cancelled", {}),
    }
    status, extra = changes[how]
    sets = ["status = $2", "decision_seq = decision_seq + 1", "started_at = NULL", "attempts = 0",
            "retry_at = now()"]
    args: list[Any] = [publication_id, status, seq]
    for column, value in extra.items():
        args.append(value)
        sets.append(f"{column} = ${len(args)}")
    row = await conn.fetchrow(
        f"UPDATE publications SET {', '.join(sets)} WHERE id = $1 AND decision_seq = $3"
        " AND status IN ('failed', 'missed', 'uncertain') RETURNING *", *args)
    if row is None:
        return None
    await outbox.touch(conn, SUBJECT, [publication_id])
    await settle(conn, row["draft_id"])
    if status == "scheduled":
        await PUBLICATIONS.wake(conn)
    return row


async def mark_deleted(conn: asyncpg.Connection, publication_id: int) -> None:
    await conn.execute("UPDATE publications SET status = $2, decision_seq = decision_seq + 1 WHERE id = $1",
                       publication_id, PublicationStatus.DELETED.value)
