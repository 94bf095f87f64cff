"""Publishing on time, exactly once per page: the publications queue and what one try of it does.

A publication is a row per approved draft and page. The leader claims a due row (`bot.queue`), marks
`started_at` and commits, calls the network, and records the outcome. Exactly once, across restarts
and replicas:
- the claim's lease keeps two workers off one row;
- the network's own idempotency key goes with the call where it has one;
- a row claimed with `started_at` still set was being published by a worker that died: the network is
  asked first (`find_published`) and the post is recorded if it is there; a network that cannot tell
  (a Telegram channel) makes the row "uncertain", for a person to check, instead of posting twice.
A post missed while the service was down goes out on start if it is late by less than the grace period;
later than that, a coordinator decides. Permanent failures put an alert card in the work chat.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import asyncpg

from bot import audit
from bot.platform import Photo, PlatformError, Post, Published
from bot.publishing import drafts, model
from bot.publishing.model import Publication, PublicationStatus
from bot.queue import Queue, backoff
from bot.workchat import outbox

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

SUBJECT = "publication"  # the alert card of a publication that needs a person
PUBLICATIONS = Queue("publications", due="status = 'scheduled' AND due_at <= now()", lease=timedelta(minutes=5),
                     channel="gospablik_publications")
MAX_ATTEMPTS = 6
SYSTEM = "Публикатор"


async def post_of(conn: asyncpg.Connection, pub: Publication) -> Post:
    draft = await model.load(conn, pub.draft_id, version=pub.version)
    assert draft is not None
    version = draft.version
    rows = await conn.fetch("SELECT id, bytes, content_type, file_id FROM media WHERE id = ANY($1)",
                            list(version.photos))
    by_id = {r["id"]: r for r in rows}
    photos = tuple(Photo(m, bytes(by_id[m]["bytes"]), by_id[m]["content_type"], by_id[m]["file_id"])
                   for m in version.photos if m in by_id)
    return Post(version.text, photos, version.poll, version.link, key=f"gospablik-pub-{pub.id}")


async def publish_one(services: Services) -> bool:
    """One try of one due publication; False when none is due."""
    row = await PUBLICATIONS.take(services.db)
    if row is None:
        return False
    pub = model.publication_from_row(row)
    account = services.account(pub.target.network, pub.target.account_id)
    platform = services.platforms.get(pub.target.network)
    grace = services.config.publishing_grace
    if account is None or platform is None:
        await _stop(services, pub, PublicationStatus.FAILED, "эта страница больше не настроена в Госпаблике")
        return True
    if pub.started_at is None and pub.due_at < datetime.now(UTC) - grace and pub.attempts <= 1:
        await _stop(services, pub, PublicationStatus.MISSED, None)
        return True
    async with services.db.connection() as conn:
        post = await post_of(conn, pub)
    try:
        published: Published | None = None
        if pub.started_at is not None:
            published = await platform.find_published(account, post, pub.started_at.timestamp())
            if published is not None:
                log.info("publication %s: found on %s after an interrupted try", pub.id, pub.target)
        if published is None:
            await services.db.execute("UPDATE publications SET started_at = now() WHERE id = $1", pub.id)
            published = await platform.publish(account, post)
    except PlatformError as exc:
        await _failed(services, pub, exc)
        return True
    await _done(services, pub, published)
    return True


async def _done(services: Services, pub: Publication, published: Published) -> None:
    async with services.db.transaction() as conn:
        await conn.execute(
            "UPDATE publications SET status = 'published', post_id = $2, url = $3, published_at = now(),"
            " started_at = NULL, error = NULL, decision_seq = decision_seq + 1 WHERE id = $1",
            pub.id, published.post_id, published.url)
        await audit.record(conn, actor="system:publisher", actor_name=SYSTEM, action="published", result="ok",
                           network=pub.target.network, account_id=pub.target.account_id,
                           detail={"draft_id": pub.draft_id, "publication_id": pub.id, "post_id": published.post_id,
                                   "url": published.url})
        finished = await settle(conn, pub.draft_id)
        await outbox.touch(conn, SUBJECT, [pub.id])
    log.info("publication %s (draft %s) published on %s: %s", pub.id, pub.draft_id, pub.target, published.url)
    if finished:
        await _tell_published(services, pub.draft_id)


async def _tell_published(services: Services, draft_id: int) -> None:
    from bot.publishing.notify import tell_author

    async with services.db.connection() as conn:
        draft = await model.load(conn, draft_id)
        links = [p.url for p in await model.publications(conn, draft_id) if p.url]
    if draft is not None:
        await tell_author(services, draft.author_id, f"Публикация №{draft_id} вышла:\n" + "\n".join(links),
                          draft_id=draft_id)


async def settle(conn: asyncpg.Connection, draft_id: int) -> bool:
    """The draft is published once none of its pages waits any more and at least one has it; True when it
    became published just now."""
    statuses = [r["status"] for r in await conn.fetch("SELECT status FROM publications WHERE draft_id = $1",
                                                      draft_id)]
    if "published" in statuses and not {"scheduled", "failed", "missed", "uncertain"} & set(statuses):
        return await drafts.move(conn, draft_id, "published") is not None
    await outbox.touch(conn, drafts.SUBJECT, [draft_id])
    return False


async def _failed(services: Services, pub: Publication, exc: PlatformError) -> None:
    if exc.transient and not exc.uncertain and pub.attempts < MAX_ATTEMPTS:
        delay = backoff(pub.attempts)
        async with services.db.connection() as conn:
            await PUBLICATIONS.retry_later(conn, pub.id, delay, started_at=None, error=exc.for_card())
        log.warning("publication %s on %s: %s; retry in %.0fs", pub.id, pub.target, exc.for_card(), delay)
        return
    status = PublicationStatus.UNCERTAIN if exc.uncertain else PublicationStatus.FAILED
    await _stop(services, pub, status, exc.for_card())


async def _stop(services: Services, pub: Publication, status: PublicationStatus, error: str | None) -> None:
    """The publication waits for a person: its alert card goes to the work chat."""
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE publications SET status = $2, error = $3, started_at = NULL,"
                           " decision_seq = decision_seq + 1 WHERE id = $1", pub.id, status.value, error)
        await audit.record(conn, actor="system:publisher", actor_name=SYSTEM, action="publish", result=status.value,
                           network=pub.target.network, account_id=pub.target.account_id,
                           detail={"draft_id": pub.draft_id, "publication_id": pub.id, "error": error})
        await outbox.open_card(conn, SUBJECT, pub.id, chat_id=services.workchat.chat_id)
        await outbox.touch(conn, SUBJECT, [pub.id])
        await outbox.touch(conn, drafts.SUBJECT, [pub.draft_id])
    log.error("publication %s (draft %s) on %s: %s — %s", pub.id, pub.draft_id, pub.target, status.value, error)


async def next_due(services: Services) -> datetime | None:
    return await services.db.fetchval("SELECT min(due_at) FROM publications WHERE status = 'scheduled'")
