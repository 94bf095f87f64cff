"""Finding new comments in an OK group, which OK does not push.

One poll: `group.getStatTopics` lists the group's topics with their comment counters; a topic whose
counter moved since the last poll is read with `discussions.getComments` FORWARD from the anchor stored
for it. A deletion and a new comment between two polls leave the counter as it was, so the few newest
topics are read on every poll, and every watched topic on every `SWEEP_EVERY`-th poll, whatever their
counters say. Each page of comments is one step: its comments go into the inbox together with the
topic's new anchor, in one transaction. A topic OK refuses to read (deleted since it was listed) is
skipped, not allowed to stop the others; trouble that may pass (flood control, OK unavailable) ends the
poll, to be tried again with backoff.

The first poll of a group starts from now (`backfill` reads the history instead): it stores each
topic's end anchor without reporting old comments. Topics that appear later are read from the start.

OK documents `anchor`/`direction` only by name; the model here (an anchor names a position, FORWARD
returns what follows it and the position after the last comment returned) is the one place to change
if the live API pages differently.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Mapping
from typing import Any

from bot.config import Account
from bot.platform import PlatformError, PollStep, Store
from platforms.ok.client import OkClient
from platforms.ok.config import OkGroup, OkSettings
from platforms.ok.parse import COMMENT

PAGE = 100
TOPIC_PAGES = 5  # at most 500 topics a poll
LOOKBACK_DAYS = 30  # topics published longer ago are no longer watched (OK lists topics by publication)
FIELDS = ("comment.ID,comment.AUTHOR_ID,comment.AUTHOR_NAME,comment.TEXT,comment.DATE,comment.REPLY_TO_COMMENT_ID,"
          "comment.REPLY_TO_ID,comment.REPLY_TO_NAME")
log = logging.getLogger(__name__)
STARTED = "group"  # the cursor that says the group's baseline was taken, and counts the polls
SWEEP_EVERY = 10  # every tenth poll reads every watched topic (with a 60 s interval: every 10 minutes)


async def _topics(client: OkClient, account: Account) -> list[dict[str, Any]]:
    group: OkGroup = account.settings
    since = int((time.time() - LOOKBACK_DAYS * 86400) * 1000)
    found: list[dict[str, Any]] = []
    anchor = None
    for _ in range(TOPIC_PAGES):
        answer = await client.rest(group.access_token, "group.getStatTopics", {
            "gid": account.id, "fields": "ID,COMMENTS", "count": PAGE, "start_time": since, "anchor": anchor})
        found += [t for t in answer.get("topics") or [] if isinstance(t, dict) and t.get("id")]
        anchor = answer.get("anchor")
        if not answer.get("has_more") or not anchor:
            break
    return found


async def poll_group(client: OkClient, settings: OkSettings, account: Account,
                     cursors: Mapping[str, Any]) -> AsyncIterator[PollStep]:
    group: OkGroup = account.settings
    state = cursors.get(STARTED)
    started = state is not None or settings.backfill
    polls = int((state or {}).get("polls", 0)) + 1
    sweep = polls % SWEEP_EVERY == 0
    topics = await _topics(client, account)
    for position, topic in enumerate(topics):  # newest first
        topic_id = str(topic["id"])
        scope = f"topic:{topic_id}"
        count = topic.get("comments")
        stored = cursors.get(scope)
        if stored and stored.get("comments") == count and position >= settings.always_read and not sweep:
            continue
        try:
            if stored is None and not started:
                answer = await client.rest(group.access_token, "discussions.getComments", {
                    "discussionId": topic_id, "discussionType": "GROUP_TOPIC", "anchor": "LAST",
                    "direction": "FORWARD", "count": 1})
                yield PollStep(scope, {"anchor": answer.get("anchor"), "comments": count}, [])
                continue
            async for step in _read_topic(client, group, topic_id, stored, count):
                yield step
        except PlatformError as exc:
            if exc.transient:
                raise
            log.warning("ok group %s: topic %s cannot be read (%s); skipped", account.id, topic_id, exc.for_card())
    yield PollStep(STARTED, {"started_at": (state or {}).get("started_at", int(time.time())), "polls": polls}, [])


async def _read_topic(client: OkClient, group: OkGroup, topic_id: str, stored: dict[str, Any] | None,
                      count: Any) -> AsyncIterator[PollStep]:
    """The topic's comments after its stored anchor, a page a step."""
    scope = f"topic:{topic_id}"
    anchor = stored.get("anchor") if stored else "FIRST"
    while True:
        answer = await client.rest(group.access_token, "discussions.getComments", {
            "discussionId": topic_id, "discussionType": "GROUP_TOPIC", "anchor": anchor or "FIRST",
            "direction": "FORWARD", "count": PAGE, "fields": FIELDS})
        comments = [c for c in answer.get("comments") or [] if isinstance(c, dict) and c.get("id")]
        moved = answer.get("anchor") and answer.get("anchor") != anchor
        anchor = answer.get("anchor") or anchor
        more = bool(answer.get("has_more")) and bool(comments) and bool(moved)  # never read one page forever
        events = [Store(f"comment:{c['id']}", COMMENT, {"topic_id": topic_id, "comment": c}) for c in comments]
        yield PollStep(scope, {"anchor": anchor, "comments": count if not more else None}, events)
        if not more:
            return
