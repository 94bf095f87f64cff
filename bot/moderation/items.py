"""Reading items back from storage into domain objects."""

from __future__ import annotations

import asyncpg

from bot.domain import Author, Item, ItemStatus, Note


def item_from_row(row: asyncpg.Record) -> Item:
    return Item(
        id=row["id"],
        network=row["network"],
        account_id=row["account_id"],
        kind=row["kind"],
        ext_id=row["ext_id"],
        author=Author(row["author_id"], row["author_name"]),
        text=row["text"],
        created_at=row["created_at"],
        url=row["url"],
        ref=row["ref"],
        attachments=tuple(row["attachments"]),
        status=ItemStatus(row["status"]),
        verdict=row["verdict"],
        decision=row["decision"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        ban_days=row["ban_days"],
        removed_by=row["removed_by"],
        removed_by_name=row["removed_by_name"],
        note=Note(row["note_code"], row["note_params"] or {}) if row["note_code"] else None,
        edited=row["edited"],
        busy=row["busy"],
        menu=row["menu"],
        decision_seq=row["decision_seq"],
    )


async def load(conn: asyncpg.Connection, item_id: int) -> Item | None:
    row = await conn.fetchrow("SELECT * FROM items WHERE id = $1", item_id)
    return item_from_row(row) if row else None
