"""Where a moderation decision is carried out on the network.

A decision (a press, the policy, a reply) marks the item busy and queues an action in the same
transaction (`enqueue`); the executor (`bot.executor`) claims it and calls `perform`, which asks the
item's platform to act and records the outcome through `bot.moderation.transitions`: the item's new
status, an audit entry, a labelled example, and a card update. Transient network errors are retried
with backoff; permanent ones are shown on the card in plain Russian.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import asyncpg

from bot import audit, executor, metrics
from bot.db import DatabaseUnavailable
from bot.domain import Action, Capability, Item, ItemStatus, Note
from bot.loops import to_the_end, until_database_answers
from bot.moderation import feedback, items, transitions
from bot.moderation.transitions import Decision
from bot.platform import PlatformError
from bot.queue import backoff

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

SUBJECT = "item"
BAN_COMMENT = "Нарушение правил сообщества"
RETRY_CAP = 300.0  # seconds: the longest wait between two tries while a network is down
RECORD_PATIENCE = 60.0  # seconds an outcome waits for the database before the lease takes over


async def enqueue(conn: asyncpg.Connection, *, item_id: int, action: Action, actor: str, actor_name: str,
                  params: dict[str, Any] | None = None, claimed: bool = False) -> int:
    """Marks the item busy and queues the action; call inside the transaction that decided it.

    `claimed`: the caller already won the item (and turned it busy) with `transitions.claim`.
    """
    if not claimed:
        await transitions.mark_busy(conn, item_id, Note("working", {"actor": actor_name, "action": action.value}))
    return await executor.enqueue(conn, subject_kind=SUBJECT, subject_id=item_id, action=action.value, actor=actor,
                                  actor_name=actor_name, params=params)


async def _carry_out(services: Services, item: Item, action: Action, params: dict[str, Any]) -> None:
    platform = services.platform(item.network)
    if action is Action.DELETE:
        await platform.delete(item, reason=params.get("reason"))
    elif action is Action.RESTORE:
        await platform.restore(item)
    elif action is Action.BAN:
        await platform.ban(item, days=params.get("days"), reason=params.get("reason"),
                           comment=params.get("comment") or BAN_COMMENT)
    elif action is Action.UNBAN:
        await platform.unban(item)
    elif action is Action.REPLY:
        await platform.reply(item, params["text"], key=params["key"])
    else:
        raise ValueError(f"{action} is not a network action")


def _params(raw: dict[str, Any]) -> dict[str, Any]:
    """Tolerates actions queued by an older version (a note as plain text)."""
    params = dict(raw)
    if isinstance(params.get("note"), str):
        params["note"] = {"code": "legacy", "params": {"text": params["note"]}}
    return params


async def perform(services: Services, row: asyncpg.Record) -> None:
    """Carries out one claimed action on its item and records what happened; never leaves the item busy."""
    action = Action(row["action"])
    params = _params(row["params"])
    try:
        async with services.db.connection() as conn:
            item = await items.load(conn, row["subject_id"])
    except DatabaseUnavailable:
        await to_the_end(_release_when_back(services, row))
        return
    assert item is not None
    platform = services.platforms.get(item.network)
    try:
        if platform is None:
            raise PlatformError("Эта сеть больше не настроена в Госпаблике")
        if not platform.kind(item.kind).allows(_capability(action)):
            raise PlatformError(f"Это нельзя сделать через API {platform.words.short}")
        if row["started_at"] is not None and not platform.safe_to_repeat(action.value, item):
            # A worker died between the call and its record: it may have been done. Asking again could do it
            # twice (a second reply), so a person checks instead.
            raise PlatformError("прошлая попытка прервалась, и неизвестно, дошла ли она до сети", uncertain=True)
        started = await services.db.fetchval(
            "UPDATE actions SET started_at = now() WHERE id = $1 AND status = 'pending' RETURNING id", row["id"])
        if started is None:
            return  # cancelled by a person while it waited for its turn
        await _carry_out(services, item, action, params)
        done_at = datetime.now(UTC)
    except PlatformError as exc:
        await _failed(services, row, item, action, exc)
    except DatabaseUnavailable:
        await to_the_end(_release_when_back(services, row))  # nothing was sent
        return
    except Exception as exc:  # a bug must not leave the item busy forever
        log.exception("action %s on item %s: unexpected error", action.value, item.id)
        await _failed(services, row, item, action, PlatformError(f"внутренняя ошибка ({type(exc).__name__})"))
    else:
        try:
            await to_the_end(_record_done(services, row, item, action, params, done_at))
        except DatabaseUnavailable:
            raise  # `started_at` stays: the next claim knows the call was made
        except Exception as exc:
            log.exception("action %s on item %s: done on the network, but recording it failed", action.value,
                          item.id)
            await _failed(services, row, item, action, PlatformError(
                f"выполнено, но результат не записан: внутренняя ошибка ({type(exc).__name__})"))


async def _record_status(conn: asyncpg.Connection, item: Item, action: Action, conversation: bool,
                         actor_name: str, params: dict[str, Any], note: Note | None) -> object | None:
    """The item's new status after a done action; None when the transition table refused it."""
    if action is Action.REPLY:
        note = Note("replied", {"actor": actor_name, "text": params["text"]})
        if item.status is ItemStatus.OPEN:
            return await transitions.move(conn, item.id, "replied", decision=Decision("reply", actor_name), note=note)
        await transitions.release(conn, item.id, note)  # a reply to a decided item keeps the decision on the card
        return True
    if action is Action.UNBAN:
        if item.status is ItemStatus.BANNED:
            to = ItemStatus.APPROVED if conversation else ItemStatus.DELETED
            return await transitions.move(conn, item.id, "unbanned", to, decision=Decision("unban", actor_name),
                                          note=note)
        # only the author is free again; what they wrote stays as it was
        await transitions.release(conn, item.id, Note("unbanned", {"actor": actor_name}))
        return True
    change = {Action.BAN: "banned", Action.DELETE: "deleted", Action.RESTORE: "restored"}[action]
    decision = Decision(action.value, actor_name, params.get("days") if action is Action.BAN else None)
    return await transitions.move(conn, item.id, change, decision=decision, note=note)


def _capability(action: Action) -> Capability:
    return Capability(action.value)


def _conversation(services: Services, item: Item) -> bool:
    platform = services.platforms.get(item.network)
    return platform.kind(item.kind).conversation if platform else False


async def _release_when_back(services: Services, row: asyncpg.Record) -> None:
    """An action claimed just as the database went away, before its call: it is due again the moment the
    database is back, not when its lease runs out minutes later."""
    await asyncio.sleep(0.5)  # it has only just gone away
    try:
        await until_database_answers(
            lambda: services.db.execute("UPDATE actions SET retry_at = now() WHERE id = $1 AND status = 'pending'"
                                        " AND started_at IS NULL", row["id"]),
            patience=RECORD_PATIENCE, what=f"action {row['action']} on item {row['subject_id']} is due again")
    except DatabaseUnavailable:
        log.warning("action %s on item %s waits for its lease: the database stayed away", row["action"],
                    row["subject_id"])
        return
    log.info("action %s on item %s: the database is back; it is due again", row["action"], row["subject_id"])


async def _record_done(services: Services, row: asyncpg.Record, item: Item, action: Action, params: dict[str, Any],
                       done_at: datetime) -> None:
    """Records an action the network has carried out. The database may be away for a moment: the outcome is held
    here and written when it is back, with the time it happened, rather than the action being done a second time
    when its lease runs out."""
    await until_database_answers(lambda: _done(services, row, item, action, params, done_at),
                                 patience=RECORD_PATIENCE,
                                 what=f"action {action.value} on item {item.id} is done on the network")


async def _done(services: Services, row: asyncpg.Record, item: Item, action: Action, params: dict[str, Any],
                done_at: datetime | None = None) -> None:
    actor_name = row["actor_name"]
    raw_note = params.get("note")
    note = Note(raw_note["code"], raw_note.get("params", {})) if raw_note else None
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE actions SET status = 'done', finished_at = coalesce($2, now()), error = NULL,"
                           " started_at = NULL WHERE id = $1", row["id"], done_at)
        conversation = _conversation(services, item)
        moved = await _record_status(conn, item, action, conversation, actor_name, params, note)
        if moved is None:  # the table did not allow it (the item changed meanwhile): free it, say what was done
            log.warning("action %s on item %s done, but its status %s did not allow the change",
                        action.value, item.id, item.status)
            await transitions.release(conn, item.id, note)
        if action is Action.BAN:
            until = datetime.now(UTC) + timedelta(days=params["days"]) if params.get("days") else None
            await conn.execute(
                "INSERT INTO bans (network, account_id, user_id, until, banned_by, reason)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (network, account_id, user_id)"
                " DO UPDATE SET until = $4, banned_by = $5, reason = $6, created_at = now()",
                item.network, item.account_id, item.author.id, until, row["actor"], None)
        elif action is Action.UNBAN:
            await conn.execute("DELETE FROM bans WHERE network = $1 AND account_id = $2 AND user_id = $3",
                               item.network, item.account_id, item.author.id)
        if action in (Action.BAN, Action.UNBAN):  # the author's other cards offer «Бан» or «Разбанить»
            others = await conn.fetch(
                "SELECT id FROM items WHERE network = $1 AND account_id = $2 AND author_id = $3 AND id <> $4"
                " AND NOT busy AND first_seen_at > now() - interval '7 days'"
                " AND status IN ('open', 'approved', 'deleted', 'removed')",
                item.network, item.account_id, item.author.id, item.id)
            from bot.workchat import outbox

            await outbox.touch(conn, SUBJECT, [r["id"] for r in others])
        await audit.record(conn, actor=row["actor"], actor_name=actor_name, action=action.value, result="ok",
                           network=item.network, account_id=item.account_id, item_id=item.id,
                           original_text=item.text, detail={"params": params, "attempts": row["attempts"]},
                           at=done_at)
        if action in (Action.DELETE, Action.BAN, Action.RESTORE):
            await feedback.remember(conn, item, decision=action.value, actor=row["actor"], conversation=conversation)
    metrics.ACTIONS.labels(item.network, action.value, "done", "").inc()
    log.info("action %s on item %s done", action.value, item.id)


async def _failed(services: Services, row: asyncpg.Record, item: Item, action: Action, exc: PlatformError) -> None:
    attempts = row["attempts"]
    metrics.NETWORK_ERRORS.labels(item.network, str(exc.code or ""), str(exc.transient).lower()).inc()
    conversation = _conversation(services, item)
    async with services.db.transaction() as conn:
        waited = datetime.now(UTC) - row["created_at"]
        if exc.transient and not exc.uncertain and waited < services.config.retry_actions_for:
            # A network can be down for an hour; it retries its own callbacks for hours. So do we, as long as the
            # configured window allows, and say on the card when the next try is (with «Отменить»).
            delay = backoff(attempts, cap=RETRY_CAP)
            await executor.ACTIONS.retry_later(conn, row["id"], delay, error_code=_code(exc), error=exc.message_ru,
                                               started_at=None)
            metrics.RETRIES.labels(f"{item.network}:{action.value}").inc()
            at = datetime.now(UTC) + timedelta(seconds=delay)
            await transitions.annotate(conn, [item.id], Note("retrying", {
                "error": exc.for_card(), "delay": delay, "attempt": attempts + 1, "at": at.isoformat()}))
            log.warning("action %s on item %s: transient error %s, retry in %.0fs", action.value, item.id,
                        exc.code, delay)
            return
        await conn.execute(
            "UPDATE actions SET status = 'failed', finished_at = now(), error_code = $2, error = $3, started_at = NULL"
            " WHERE id = $1", row["id"], _code(exc), exc.message_ru)
        if exc.after_delete:
            # Half done: the item is deleted, the author is not banned. Show exactly that.
            await transitions.move(conn, item.id, "ban_half_done", decision=Decision("delete", row["actor_name"]),
                                   note=Note("ban_half_done", {"error": exc.for_card()}))
            await feedback.remember(conn, item, decision="delete", actor=row["actor"], conversation=conversation)
        elif exc.uncertain:
            await transitions.release(conn, item.id, Note("uncertain", {"action": action.value,
                                                                        "error": exc.for_card()}))
        else:
            await transitions.release(conn, item.id, Note("failed", {"action": action.value, "error": exc.for_card()}))
        await audit.record(conn, actor=row["actor"], actor_name=row["actor_name"], action=action.value,
                           result="error", network=item.network, account_id=item.account_id, item_id=item.id,
                           original_text=item.text,
                           detail={"code": exc.code, "error": exc.message_ru, "attempts": attempts})
    metrics.ACTIONS.labels(item.network, action.value, "failed", str(exc.code or "")).inc()
    log.error("action %s on item %s failed: %s", action.value, item.id, exc.for_card())


def _code(exc: PlatformError) -> int | None:
    return exc.code if isinstance(exc.code, int) else None
