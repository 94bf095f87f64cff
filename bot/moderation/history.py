"""The author's record with the administration's pages on one network, read from our own tables for every card:
how often they wrote before, how much of it was deleted lately, and their bans (the current one, or the last
one and how it ended). One indexed query: cheap enough to run for every card drawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from bot.domain import Item

RECENT_DAYS = 30

# One round trip for every card drawn. Bans we set come from the audit: an item's decision is cleared by
# «Разбанить», its record of the ban is not.
_QUERY = """
SELECT mine.earlier, mine.deleted, ours.bans, ours.for_good_once, ours.last_ban_end, now_.for_good, now_.until
FROM (SELECT count(*) AS earlier,
             count(*) FILTER (WHERE status IN ('deleted', 'banned')
                              AND decided_at > now() - make_interval(days => $4)) AS deleted
      FROM items WHERE network = $1 AND author_id = $2 AND id < $3) AS mine,
     (SELECT count(*) AS bans,
             bool_or(a.detail #> '{params,days}' IS NULL OR a.detail #> '{params,days}' = 'null') AS for_good_once,
             max(a.at + make_interval(days => (a.detail #>> '{params,days}')::int)) AS last_ban_end
      FROM items i JOIN audit a ON a.item_id = i.id AND a.action = 'ban' AND a.result = 'ok'
      WHERE i.network = $1 AND i.author_id = $2) AS ours,
     (SELECT bool_or(until IS NULL) AS for_good, max(until) AS until FROM bans
      WHERE network = $1 AND user_id = $2 AND (until IS NULL OR until > now())) AS now_
"""

@dataclass(frozen=True)
class History:
    earlier: int  # items before this one, on every page of the network
    deleted: int  # of them, deleted or banned by us in the last RECENT_DAYS days
    banned_now: bool  # a ban in force on one of the pages
    banned_until: datetime | None  # its end; None with banned_now means for good
    last_ban_end: datetime | None  # the end of the last timed ban we set, when none is in force now
    lifted_for_good: bool = False  # a ban for good we set once, no longer in force


async def of_author(conn: asyncpg.Connection, item: Item) -> History | None:
    """None for authors who are not people (a community writing as itself)."""
    if item.author.id <= 0:
        return None
    row = await conn.fetchrow(_QUERY, item.network, item.author.id, item.id, RECENT_DAYS)
    banned_now = bool(row["for_good"]) or row["until"] is not None
    return History(row["earlier"], row["deleted"], banned_now,
                   None if row["for_good"] else row["until"],
                   None if banned_now or not row["bans"] else row["last_ban_end"],
                   not banned_now and bool(row["for_good_once"]))
