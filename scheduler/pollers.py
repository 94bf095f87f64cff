"""Polling networks that do not push (OK's group comments), on the leader only.

Each (network, page) that a platform polls has a row in `polls`, claimed through the durable queue,
so a poll is never run twice at once, even across replicas, and a leader that died mid-poll leaves it
to be taken again once the lease runs out. A poll is a series of steps; each step's events go into
the same inbox as pushed events, committed together with the step's cursor, so a restart neither
loses nor repeats anything (the inbox deduplicates by event id besides). Transient errors back off.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot import metrics
from bot.db import DatabaseUnavailable
from bot.loops import drain_forever
from bot.moderation import inbox
from bot.platform import PlatformError
from bot.queue import Queue, backoff
from bot.services import Services

log = logging.getLogger(__name__)

POLLS = Queue("polls", due="true", lease=timedelta(minutes=5))
PERMANENT_ERROR_PAUSE = 600.0  # a configuration problem will not mend itself in a minute


async def register(services: Services) -> int:
    """A `polls` row for every configured page whose platform polls; due at once."""
    count = 0
    async with services.db.transaction() as conn:
        for account in services.config.accounts:
            platform = services.platform(account.network)
            if platform.poll_interval is None:
                continue
            await conn.execute("INSERT INTO polls (network, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                               account.network, account.id)
            count += 1
    return count


async def _cursors(services: Services, network: str, account_id: int) -> dict[str, Any]:
    rows = await services.db.fetch("SELECT scope, cursor FROM poll_cursors WHERE network = $1 AND account_id = $2",
                                   network, account_id)
    return {r["scope"]: r["cursor"] for r in rows}


async def poll_one(services: Services) -> bool:
    """Runs one due poll; returns False when none is due."""
    row = await POLLS.take(services.db)
    if row is None:
        return False
    network, account_id = row["network"], row["account_id"]
    platform = services.platforms.get(network)
    account = services.account(network, account_id)
    if platform is None or account is None or platform.poll_interval is None:
        await services.db.execute("DELETE FROM polls WHERE id = $1", row["id"])  # no longer configured
        return True
    stored = 0
    try:
        steps = platform.poll(account, await _cursors(services, network, account_id))
        assert steps is not None
        async for step in steps:
            fresh = 0
            async with services.db.transaction() as conn:
                for event in step.events:
                    accepted = await inbox.store(conn, network=network, account_id=account_id,
                                                 event_id=event.event_id, event_type=event.event_type,
                                                 payload=event.payload)
                    fresh += not accepted.duplicate
                await conn.execute(
                    "INSERT INTO poll_cursors (network, account_id, scope, cursor) VALUES ($1, $2, $3, $4)"
                    " ON CONFLICT (network, account_id, scope) DO UPDATE SET cursor = $4, updated_at = now()",
                    network, account_id, step.scope, step.cursor)
            stored += fresh
            metrics.EVENTS.labels(network, "stored", "polled").inc(fresh)
            metrics.EVENTS.labels(network, "duplicate", "polled").inc(len(step.events) - fresh)
            if step.events:
                services.events_ready.set()
    except PlatformError as exc:
        delay = backoff(row["attempts"], cap=600) if exc.transient else PERMANENT_ERROR_PAUSE
        log.warning("poll of %s %s failed (%s), next try in %.0fs", network, account_id, exc.for_card(), delay)
        async with services.db.connection() as conn:
            await POLLS.retry_later(conn, row["id"], delay, last_error=exc.for_card()[:500])
        return True
    except DatabaseUnavailable:
        raise
    except Exception as exc:  # a bug in one poll must not stop the others
        log.exception("poll of %s %s: unexpected error", network, account_id)
        async with services.db.connection() as conn:
            await POLLS.retry_later(conn, row["id"], PERMANENT_ERROR_PAUSE, last_error=repr(exc)[:500])
        return True
    async with services.db.connection() as conn:
        await POLLS.retry_later(conn, row["id"], platform.poll_interval, attempts=0, last_error=None)
        await conn.execute("UPDATE polls SET polled_at = now() WHERE id = $1", row["id"])
    if stored:
        log.info("poll of %s %s: %s new events", network, account_id, stored)
    return True


async def poll_loop(services: Services, *, idle: float = 1.0) -> None:
    """Polls every page when its turn comes; registered pages are polled at once on start."""
    await register(services)
    await drain_forever("pollers", lambda: poll_one(services), services.polls_ready, idle=idle)
