"""Labelled examples from the specialist's decisions, for measuring the classifier on real comments.

Each decision on a comment stores the text, what the classifier predicted and what the person
decided (kept or deleted). `export_jsonl` writes them out in the classifier's own input format, and
`gospablik train` learns from them. A «Оставить» on a flagged item asks the specialist nothing more: the
stored labels already make it a correction ("the classifier was wrong here"), which training weighs higher.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO

import asyncpg

from bot.db import Database
from bot.domain import Item

KEPT = ("approve", "restore")
REMOVED = ("delete", "ban")


def is_correction(decision: str, predicted: tuple[str, ...] | list[str]) -> bool:
    """Kept although the classifier flagged it: the desk says the flag was wrong."""
    return decision in KEPT and bool(predicted)


async def remember(conn: asyncpg.Connection, item: Item, *, decision: str, actor: str, conversation: bool) -> None:
    if conversation and decision != "ban":
        return
    await conn.execute(
        "INSERT INTO feedback (item_id, text, predicted, decision, actor) VALUES ($1, $2, $3, $4, $5)",
        item.id, item.text, list(item.labels), decision, actor,
    )


async def export_jsonl(db: Database, out: TextIO, since: datetime | None = None) -> int:
    rows = await db.fetch(
        "SELECT f.*, i.network, i.account_id, i.kind FROM feedback f JOIN items i ON i.id = f.item_id"
        " WHERE f.at >= coalesce($1::timestamptz, '-infinity') ORDER BY f.id", since)
    for row in rows:
        out.write(json.dumps({
            "id": f"{row['network']}:{row['account_id']}:{row['item_id']}:{row['id']}",
            "text": row["text"],
            "predicted": list(row["predicted"]),
            "decision": row["decision"],
            "kept": row["decision"] in KEPT,
            "correction": is_correction(row["decision"], list(row["predicted"])),
            "kind": row["kind"],
            "at": row["at"].isoformat(),
        }, ensure_ascii=False) + "\n")
    return len(rows)
