"""Where a draft changes: its versions, its photos, and its place in the approval, through one table.

An author edits their draft in place while writing it; once a coordinator has seen it, every change is
a new version (a correction by the coordinator, or the author's rework after «Вернуть на доработку»),
so the history of what was proposed and what was approved is kept. Status changes go through `move`,
one guarded UPDATE each, like moderation items' transitions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from bot.platform import Poll
from bot.publishing.model import DraftStatus, Target, poll_json
from bot.workchat import outbox

SUBJECT = "draft"
EDITING, SUBMITTED, RETURNED, APPROVED, REJECTED, PUBLISHED, CANCELLED = (
    DraftStatus.EDITING, DraftStatus.SUBMITTED, DraftStatus.RETURNED, DraftStatus.APPROVED, DraftStatus.REJECTED,
    DraftStatus.PUBLISHED, DraftStatus.CANCELLED)

# change -> (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[DraftStatus], DraftStatus]] = {
    "submit": (frozenset({EDITING, RETURNED}), SUBMITTED),
    "approve": (frozenset({SUBMITTED}), APPROVED),
    "return": (frozenset({SUBMITTED}), RETURNED),
    "reject": (frozenset({SUBMITTED}), REJECTED),
    "withdraw": (frozenset({EDITING, RETURNED, SUBMITTED}), CANCELLED),  # the author takes it back
    "cancel": (frozenset({APPROVED}), CANCELLED),  # a coordinator cancels a scheduled post
    "published": (frozenset({APPROVED}), PUBLISHED),
}
KEEP: Any = object()
MAX_PHOTOS = 10


async def put_media(conn: asyncpg.Connection, data: bytes, content_type: str, file_id: str | None = None) -> int:
    """Stores a photo once, by its content; returns its id."""
    digest = hashlib.sha256(data).hexdigest()
    found = await conn.fetchval(
        "INSERT INTO media (sha256, content_type, bytes, file_id) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (sha256) DO UPDATE SET file_id = coalesce(media.file_id, EXCLUDED.file_id) RETURNING id",
        digest, content_type, data, file_id)
    return int(found)


async def create(conn: asyncpg.Connection, *, author_id: int, author_name: str, unit: str | None,
                 actor: str) -> int:
    draft_id = await conn.fetchval(
        "INSERT INTO drafts (author_id, author_name, unit) VALUES ($1, $2, $3) RETURNING id",
        author_id, author_name, unit)
    await conn.execute(
        "INSERT INTO draft_versions (draft_id, version, edited_by, edited_by_name) VALUES ($1, 1, $2, $3)",
        draft_id, actor, author_name)
    return int(draft_id)


@dataclass(frozen=True)
class Change:
    """What an edit changes; KEEP leaves a part as it is."""

    text: Any = KEEP
    add_photos: tuple[int, ...] = ()
    clear_photos: bool = False
    poll: Any = KEEP  # Poll | None
    link: Any = KEEP  # str | None


async def edit(conn: asyncpg.Connection, draft_id: int, change: Change, *, by: str, by_name: str,
               new_version: bool) -> int:
    """Applies `change` to the current version, or to a new one copied from it; returns the version number.

    Photos beyond ten are not added (the networks take ten at most); the caller says so.
    """
    row = await conn.fetchrow("SELECT version FROM drafts WHERE id = $1 FOR UPDATE", draft_id)
    assert row is not None
    number = row["version"]
    current = await conn.fetchrow("SELECT * FROM draft_versions WHERE draft_id = $1 AND version = $2",
                                  draft_id, number)
    assert current is not None
    photos = [] if change.clear_photos else list(current["photos"])
    photos += [p for p in change.add_photos if p not in photos]
    values = {
        "text": current["text"] if change.text is KEEP else change.text,
        "photos": photos[:MAX_PHOTOS],
        "poll": current["poll"] if change.poll is KEEP else poll_json(change.poll),
        "link": current["link"] if change.link is KEEP else change.link,
    }
    if new_version:
        number += 1
        await conn.execute(
            "INSERT INTO draft_versions (draft_id, version, text, photos, poll, link, edited_by, edited_by_name)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            draft_id, number, values["text"], values["photos"], values["poll"], values["link"], by, by_name)
        await conn.execute("UPDATE drafts SET version = $2, updated_at = now() WHERE id = $1", draft_id, number)
    else:
        await conn.execute(
            "UPDATE draft_versions SET text = $3, photos = $4, poll = $5, link = $6, edited_by = $7,"
            " edited_by_name = $8, created_at = now() WHERE draft_id = $1 AND version = $2",
            draft_id, number, values["text"], values["photos"], values["poll"], values["link"], by, by_name)
        await conn.execute("UPDATE drafts SET updated_at = now() WHERE id = $1", draft_id)
    await outbox.touch(conn, SUBJECT, [draft_id])
    return number


async def set_targets(conn: asyncpg.Connection, draft_id: int, targets: list[Target]) -> None:
    await conn.execute("UPDATE drafts SET targets = $2, updated_at = now() WHERE id = $1", draft_id,
                       [str(t) for t in targets])


async def set_wish(conn: asyncpg.Connection, draft_id: int, when: datetime | None) -> None:
    await conn.execute("UPDATE drafts SET wish_at = $2, updated_at = now() WHERE id = $1", draft_id, when)


async def move(conn: asyncpg.Connection, draft_id: int, change: str, *, seq: int | None = None,
               fields: dict[str, Any] | None = None) -> asyncpg.Record | None:
    """Applies a status change if the draft's status allows it (and, with `seq`, if nobody changed it since
    the button was drawn); returns the new row, or None."""
    sources, target = TRANSITIONS[change]
    sets = ["status = $2", "decision_seq = decision_seq + 1", "menu = NULL", "updated_at = now()"]
    args: list[Any] = [draft_id, target.value, [s.value for s in sources]]
    for column, value in (fields or {}).items():
        args.append(value)
        sets.append(f"{column} = ${len(args)}")
    guard = "status = ANY($3)"
    if seq is not None:
        args.append(seq)
        guard += f" AND decision_seq = ${len(args)}"
    row = await conn.fetchrow(f"UPDATE drafts SET {', '.join(sets)} WHERE id = $1 AND {guard} RETURNING *", *args)
    if row is not None:
        await outbox.touch(conn, SUBJECT, [draft_id])
    return row


async def claim(conn: asyncpg.Connection, draft_id: int, seq: int, *, menu: str | None) -> asyncpg.Record | None:
    """A press wins the card without changing the draft's status: a menu opened or closed."""
    row = await conn.fetchrow("UPDATE drafts SET menu = $3, decision_seq = decision_seq + 1 WHERE id = $1"
                              " AND decision_seq = $2 RETURNING *", draft_id, seq, menu)
    if row is not None:
        await outbox.touch(conn, SUBJECT, [draft_id])
    return row


def placeholder_poll(question: str, options: list[str]) -> Poll:
    return Poll(question.strip(), tuple(o.strip() for o in options if o.strip()))
