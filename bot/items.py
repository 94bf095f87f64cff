"""Reading items back from storage into domain objects."""

from __future__ import annotations

import asyncpg

from bot.domain import Author, Item, ItemKind, ItemStatus


def item_from_row(row: asyncpg.Record) -> Item:
    return Item(
        id=row["id"],
        network=row["network"],
        community_id=row["community_id"],
        kind=ItemKind(row["kind"]),
        ext_id=row["ext_id"],
        author=Author(row["author_id"], row["author_name"]),
        text=row["text"],
        created_at=row["created_at"],
        url=row["url"],
        ref=row["ref"],
        attachments=tuple(row["attachments"]),
        status=ItemStatus(row["status"]),
        verdict=row["verdict"],
        revision=row["revision"],
        decided_by=row["decided_by"],
        decided_at=row["decided_at"],
        decision=row["decision"],
        note=row["note"],
        edited=row["edited"],
    )


async def load(conn: asyncpg.Connection, item_id: int) -> Item | None:
    row = await conn.fetchrow("SELECT * FROM items WHERE id = $1", item_id)
    return item_from_row(row) if row else None
