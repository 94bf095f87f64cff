"""Items seen for the first time, stored set-wise: the common case of an intake batch under a flood.

One comment at a time costs a handful of round trips (its lock, the lookup, the tombstone, the copies of its
text, the insert, its card); a run of new comments costs the same handful for the whole run. The statements
here are the set-wise forms of those in `bot.moderation.intake._seen`, and keep its meaning: the items are
locked (in one order, so two batches never deadlock on each other), whatever is already known — an item, or a
tombstone of one deleted before we saw it — goes back to the one-at-a-time path, and the copies of a text that
the spam-wave check counts include the run's own earlier copies.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import asyncpg

Key = tuple[str, int, str, str]  # network, account, kind, the network's id
Print = tuple[str, int, str]  # network, account, fingerprint


def lock_name(key: Key) -> str:
    """What an item's advisory lock is taken on (the one-at-a-time path takes the same)."""
    return "|".join(map(str, key))


async def lock(conn: asyncpg.Connection, keys: Sequence[Key]) -> None:
    """Takes the items' transaction locks in one statement, in hash order."""
    await conn.execute(
        "SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($1::text[]) k"
        " ORDER BY h) AS ordered", [lock_name(k) for k in keys])


async def known(conn: asyncpg.Connection, keys: Sequence[Key]) -> set[Key]:
    """The keys that already have an item or a tombstone."""
    rows = await conn.fetch(
        "SELECT k.network, k.account_id, k.kind, k.ext_id"
        " FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS k(network, account_id, kind, ext_id)"
        " WHERE EXISTS (SELECT 1 FROM items i WHERE i.network = k.network AND i.account_id = k.account_id"
        " AND i.kind = k.kind AND i.ext_id = k.ext_id)"
        " OR EXISTS (SELECT 1 FROM tombstones t WHERE t.network = k.network AND t.account_id = k.account_id"
        " AND t.kind = k.kind AND t.ext_id = k.ext_id)",
        *_columns(keys, 4))
    return {(r["network"], r["account_id"], r["kind"], r["ext_id"]) for r in rows}


async def recent_authors(conn: asyncpg.Connection, prints: Sequence[Print], *, window: timedelta,
                         sample: int) -> dict[Print, list[int]]:
    """For each text, the authors of its `sample` most recent copies in `window`, newest first."""
    if not prints:
        return {}
    rows = await conn.fetch(
        "SELECT p.network, p.account_id, p.print, ARRAY(SELECT author_id FROM items WHERE network = p.network"
        " AND account_id = p.account_id AND fingerprint = p.print AND first_seen_at > now() - $4::interval"
        " ORDER BY first_seen_at DESC LIMIT $5) AS authors"
        " FROM unnest($1::text[], $2::bigint[], $3::text[]) AS p(network, account_id, print)",
        *_columns(prints, 3), window, sample)
    return {(r["network"], r["account_id"], r["print"]): list(r["authors"]) for r in rows}


def repeated_by(earlier: list[int], stored: list[int], author_id: int, sample: int) -> int:
    """Accounts other than the author among the `sample` most recent copies: the run's own earlier copies
    (`earlier`, oldest first) are newer than every stored one."""
    recent = (list(reversed(earlier)) + stored)[:sample]
    return len(set(recent) - {author_id})


async def post_words(conn: asyncpg.Connection,
                     posts: Sequence[tuple[str, int, str]]) -> dict[tuple[str, int, str], str]:
    """The text of each post we published ourselves (what `context.placed` looks up one comment at a time)."""
    if not posts:
        return {}
    rows = await conn.fetch(
        "SELECT q.network, q.account_id, q.post_id, (SELECT v.text FROM publications p JOIN draft_versions v"
        " ON v.draft_id = p.draft_id AND v.version = p.version WHERE p.network = q.network"
        " AND p.account_id = q.account_id AND p.post_id = q.post_id ORDER BY p.id DESC LIMIT 1) AS text"
        " FROM unnest($1::text[], $2::bigint[], $3::text[]) AS q(network, account_id, post_id)",
        *_columns(posts, 3))
    return {(r["network"], r["account_id"], r["post_id"]): r["text"] for r in rows if r["text"]}


ITEM_COLUMNS = ("network", "account_id", "kind", "ext_id", "author_id", "author_name", "text", "attachments",
                "created_at", "url", "ref", "fingerprint", "verdict", "edited", "last_event_id")
_TYPES = ("text", "bigint", "text", "text", "bigint", "text", "text", "text", "timestamptz", "text", "jsonb",
          "text", "jsonb", "boolean", "bigint")


async def insert(conn: asyncpg.Connection, rows: Sequence[dict[str, Any]]) -> dict[Key, int]:
    """Stores new, open items (each row holds `ITEM_COLUMNS`; attachments as a list); returns their ids.

    The attachments travel as JSON text: a list of lists would be taken for a two-dimensional array."""
    arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(_TYPES, start=1))
    stored = await conn.fetch(
        "INSERT INTO items (network, account_id, kind, ext_id, author_id, author_name, text, original_text,"
        " attachments, created_at, url, ref, fingerprint, verdict, edited, last_event_id, status)"
        " SELECT network, account_id, kind, ext_id, author_id, author_name, text, text,"
        " ARRAY(SELECT jsonb_array_elements_text(attachments::jsonb)), created_at, url, ref, fingerprint,"
        " verdict, edited, last_event_id, 'open'"
        f" FROM unnest({arrays}) AS r({', '.join(ITEM_COLUMNS)}) RETURNING id, network, account_id, kind, ext_id",
        *([json.dumps(row[c]) if c == "attachments" else row[c] for row in rows] for c in ITEM_COLUMNS))
    return {(r["network"], r["account_id"], r["kind"], r["ext_id"]): r["id"] for r in stored}


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(width)]
