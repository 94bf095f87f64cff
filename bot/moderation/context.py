"""Where a new item sits: the first words of the post it is under (asked of the network before the transaction,
else found among what we published) and of the comment it answers (when that comment came through us). The
platform names the post and the comment in neutral `ref` keys (`parent_post_id`, `reply_to_ext_id`); this module
knows no network."""

from __future__ import annotations

from typing import Any

import asyncpg

from bot.domain import ItemDraft

WORDS = 60  # characters of a quoted beginning; cut at a word's end


def first_words(text: str, limit: int = WORDS) -> str:
    """The beginning of a text on one line, cut at a word's end, with «…» when something was left."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut.rstrip(",.;:—-") + "…"


async def placed(conn: asyncpg.Connection, draft: ItemDraft) -> dict[str, Any]:
    """The draft's `ref` with the words of what it is under and what it answers, where we have them."""
    ref = dict(draft.ref)
    post = ref.get("parent_post_id")
    if isinstance(post, str) and post and not ref.get("parent_words"):  # the network said it, or we published it
        text = await conn.fetchval(
            "SELECT v.text FROM publications p JOIN draft_versions v ON v.draft_id = p.draft_id"
            " AND v.version = p.version WHERE p.network = $1 AND p.account_id = $2 AND p.post_id = $3"
            " ORDER BY p.id DESC LIMIT 1", draft.network, draft.account_id, post)
        if text and text.strip():
            ref["parent_words"] = first_words(text)
    answered = ref.get("reply_to_ext_id")
    if isinstance(answered, str) and answered:
        row = await conn.fetchrow(
            "SELECT author_id, author_name, text FROM items WHERE network = $1 AND account_id = $2 AND kind = $3"
            " AND ext_id = $4", draft.network, draft.account_id, draft.kind, answered)
        if row is not None:
            if row["text"].strip():
                ref["reply_to_words"] = first_words(row["text"])
            ref.setdefault("reply_to_user", row["author_id"])
            if row["author_name"]:
                ref.setdefault("reply_to_name", row["author_name"])
    return ref
