"""Where a queued action is carried out: a decision (a press, the policy, a reply) becomes a row of the
`actions` queue in the transaction that made it; this loop claims due rows and hands each to its
subject's `perform`, which calls the network and records the outcome.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import asyncpg

from bot.loops import drain_forever
from bot.queue import Queue

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

ACTIONS = Queue("actions", due="status = 'pending'", lease=timedelta(minutes=2), channel="gospablik_actions")


async def enqueue(conn: asyncpg.Connection, *, subject_kind: str, subject_id: int, action: str, actor: str,
                  actor_name: str, params: dict[str, Any] | None = None) -> int:
    """Queues an action; call inside the transaction that decided it."""
    action_id = await conn.fetchval(
        "INSERT INTO actions (subject_kind, subject_id, action, actor, actor_name, params)"
        " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        subject_kind, subject_id, action, actor, actor_name, params or {})
    await ACTIONS.wake(conn)
    return action_id


async def run_one(services: Services) -> bool:
    """Carries out one due action; returns False when there was none."""
    row = await ACTIONS.take(services.db)
    if row is None:
        return False
    subject = services.subjects.get(row["subject_kind"])
    if subject is None:
        log.error("action %s: no subject type %r is registered", row["id"], row["subject_kind"])
        await services.db.execute("UPDATE actions SET status = 'failed', error = 'unknown subject' WHERE id = $1",
                                  row["id"])
        return True
    await subject.perform(row)
    services.cards_ready.set()
    return True


async def executor_loop(services: Services, *, idle: float = 1.0) -> None:
    """Runs due actions as they come; wakes on a new action or every `idle` seconds for retries."""
    await drain_forever("actions", lambda: run_one(services), services.actions_ready, idle=idle)
