"""Where a decision is carried out on the network.

A decision (a press, or the policy) becomes an `actions` row in the same transaction that marks the
item busy; this executor claims rows with SKIP LOCKED, calls the network, and records the outcome:
the item's new status, an audit entry, a labelled example, and a card update. Transient network
errors are retried with backoff; permanent ones are shown on the card in plain Russian.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from bot import audit, feedback, items
from bot.domain import Action, BanReason, Item, ItemStatus
from bot.loops import drain_forever
from bot.networks import NetworkError
from bot.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=2)
WAKE_CHANNEL = "gospablik_actions"

DONE_STATUS = {
    Action.DELETE: ItemStatus.DELETED,
    Action.BAN: ItemStatus.BANNED,
    Action.RESTORE: ItemStatus.APPROVED,
}
IN_PROGRESS_RU = {
    Action.DELETE: "удаляем в VK…",
    Action.BAN: "удаляем и блокируем автора в VK…",
    Action.RESTORE: "восстанавливаем в VK…",
    Action.UNBAN: "снимаем блокировку в VK…",
    Action.REPLY: "отправляем ответ в VK…",
}
FAILED_RU = {
    Action.DELETE: "Не удалось удалить",
    Action.BAN: "Не удалось удалить и заблокировать",
    Action.RESTORE: "Не удалось восстановить",
    Action.UNBAN: "Не удалось снять блокировку",
    Action.REPLY: "Не удалось отправить ответ",
}


def backoff(attempt: int) -> float:
    return min(2.0 ** attempt, 300.0)


async def enqueue(conn: asyncpg.Connection, *, item_id: int, action: Action, actor: str, actor_name: str,
                  params: dict[str, Any] | None = None) -> int:
    """Marks the item busy and queues the action; call inside the transaction that decided it."""
    doing = IN_PROGRESS_RU[action]
    await conn.execute(
        "UPDATE items SET busy = true, menu = NULL, revision = revision + 1,"
        " note = CASE WHEN kind = 'message' THEN $3 ELSE $2 END WHERE id = $1",
        item_id, f"⏳ {actor_name}: {doing}",
        f"⏳ {actor_name}: {'блокируем автора в VK…' if action is Action.BAN else doing}",
    )
    action_id = await conn.fetchval(
        "INSERT INTO actions (item_id, action, actor, actor_name, params) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        item_id, action.value, actor, actor_name, params or {},
    )
    await conn.execute("SELECT pg_notify($1, '')", WAKE_CHANNEL)
    return action_id


async def _claim(services: Services) -> asyncpg.Record | None:
    return await services.db.fetchrow(
        "UPDATE actions SET attempts = attempts + 1, retry_at = now() + $1::interval"
        " WHERE id = (SELECT id FROM actions WHERE status = 'pending' AND retry_at <= now()"
        "             ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)"
        " RETURNING *",
        LEASE,
    )


async def _perform(services: Services, item: Item, action: Action, params: dict[str, Any]) -> None:
    network = services.network(item.network)
    if action is Action.DELETE:
        await network.delete(item)
    elif action is Action.RESTORE:
        await network.restore(item)
    elif action is Action.BAN:
        if item.kind.is_comment:
            await network.delete(item)
        try:
            await network.ban(item.community_id, item.author.id, days=params.get("days"),
                              reason=BanReason(params.get("reason", BanReason.OTHER)),
                              comment=params.get("comment", ""))
        except NetworkError as exc:
            exc.after_delete = item.kind.is_comment  # the comment is gone already; the card must say so
            raise
    elif action is Action.UNBAN:
        await network.unban(item.community_id, item.author.id)
    elif action is Action.REPLY:
        await network.reply(item, params["text"], key=params["key"])
    else:
        raise ValueError(f"{action} is not a network action")


async def run_one(services: Services) -> bool:
    """Carries out one due action; returns False when there was none."""
    row = await _claim(services)
    if row is None:
        return False
    action = Action(row["action"])
    params = row["params"]
    async with services.db.connection() as conn:
        item = await items.load(conn, row["item_id"])
    assert item is not None
    try:
        await _perform(services, item, action, params)
    except NetworkError as exc:
        await _failed(services, row, item, action, exc)
    except Exception as exc:  # a bug must not leave the item busy forever
        log.exception("action %s on item %s: unexpected error", action.value, item.id)
        await _failed(services, row, item, action, NetworkError(f"внутренняя ошибка ({type(exc).__name__})"))
    else:
        await _done(services, row, item, action, params)
    services.cards_ready.set()
    return True


async def _done(services: Services, row: asyncpg.Record, item: Item, action: Action,
                params: dict[str, Any]) -> None:
    decision = action.value
    if action is Action.BAN:
        decision = f"ban:{params['days']}" if params.get("days") else "ban:forever"
    note = params.get("note")
    if action is Action.UNBAN:
        # Only the author is free again; what they wrote stays as it was (a banned comment stays deleted).
        status = item.status
        if item.status is ItemStatus.BANNED:
            status = ItemStatus.DELETED if item.kind.is_comment else ItemStatus.APPROVED
    elif action is Action.REPLY:
        # Answering keeps what the citizen wrote: an open item counts as handled.
        status = ItemStatus.APPROVED if item.status is ItemStatus.OPEN else item.status
        note = f"💬 Ответ сообщества ({row['actor_name']}): «{params['text']}»"
    else:
        status = DONE_STATUS[action]
    # A reply to a decided item, or an unban of an author whose comment was already restored, leaves the
    # earlier decision (and who made it) on the card, with a note of what was done now.
    keep_decision = ((action is Action.REPLY and item.status is not ItemStatus.OPEN)
                     or (action is Action.UNBAN and item.status is not ItemStatus.BANNED))
    if keep_decision and action is Action.UNBAN:
        note = f"🔓 Блокировка автора снята — {row['actor_name']}"
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE actions SET status = 'done', finished_at = now(), error = NULL WHERE id = $1",
                           row["id"])
        await conn.execute(
            "UPDATE items SET status = $2, busy = false, note = $5, decision_seq = decision_seq + 1,"
            " revision = revision + 1,"
            " decision = CASE WHEN $6 THEN decision ELSE $3 END,"
            " decided_by = CASE WHEN $6 THEN decided_by ELSE $4 END,"
            " decided_at = CASE WHEN $6 THEN decided_at ELSE now() END WHERE id = $1",
            item.id, status.value, decision, row["actor_name"], note, keep_decision,
        )
        if action is Action.BAN:
            until = datetime.now(UTC) + timedelta(days=params["days"]) if params.get("days") else None
            await conn.execute(
                "INSERT INTO bans (network, community_id, user_id, until, banned_by, reason)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (network, community_id, user_id)"
                " DO UPDATE SET until = $4, banned_by = $5, reason = $6, created_at = now()",
                item.network, item.community_id, item.author.id, until, row["actor"], params.get("reason", 0),
            )
        elif action is Action.UNBAN:
            await conn.execute("DELETE FROM bans WHERE network = $1 AND community_id = $2 AND user_id = $3",
                               item.network, item.community_id, item.author.id)
        if action in (Action.BAN, Action.UNBAN):  # the author's other cards offer «Бан» or «Разбанить»
            await conn.execute(
                "UPDATE items SET revision = revision + 1 WHERE network = $1 AND community_id = $2"
                " AND author_id = $3 AND id <> $4 AND NOT busy AND first_seen_at > now() - interval '7 days'"
                " AND status IN ('open', 'approved', 'deleted', 'removed')",
                item.network, item.community_id, item.author.id, item.id)
        await audit.record(conn, actor=row["actor"], actor_name=row["actor_name"], action=action.value,
                           result="ok", network=item.network, community_id=item.community_id, item_id=item.id,
                           original_text=item.text, detail={"params": params, "attempts": row["attempts"]})
        if action in (Action.DELETE, Action.BAN, Action.RESTORE):
            await feedback.remember(conn, item, decision=action.value, actor=row["actor"])
    log.info("action %s on item %s done", action.value, item.id)


async def _failed(services: Services, row: asyncpg.Record, item: Item, action: Action, exc: NetworkError) -> None:
    attempts = row["attempts"]
    async with services.db.transaction() as conn:
        if exc.transient and attempts < MAX_ATTEMPTS:
            delay = backoff(attempts)
            await conn.execute(
                "UPDATE actions SET retry_at = now() + $2 * interval '1 second', error_code = $3, error = $4"
                " WHERE id = $1", row["id"], delay, exc.code, exc.message_ru)
            await conn.execute(
                "UPDATE items SET note = $2, revision = revision + 1 WHERE id = $1",
                item.id, f"⏳ {exc.for_card()}. Повторим через {delay:.0f} с (попытка {attempts + 1}).")
            log.warning("action %s on item %s: transient error %s, retry in %.0fs", action.value, item.id,
                        exc.code, delay)
            return
        await conn.execute(
            "UPDATE actions SET status = 'failed', finished_at = now(), error_code = $2, error = $3 WHERE id = $1",
            row["id"], exc.code, exc.message_ru)
        if getattr(exc, "after_delete", False):
            # Half done: the comment is deleted, the author is not banned. Show exactly that.
            await conn.execute(
                "UPDATE items SET status = 'deleted', decision = 'delete', decided_by = $3, decided_at = now(),"
                " busy = false, note = $2, decision_seq = decision_seq + 1, revision = revision + 1 WHERE id = $1",
                item.id, f"⚠️ Комментарий удалён, но заблокировать автора не удалось: {exc.for_card()}",
                row["actor_name"])
            await feedback.remember(conn, item, decision="delete", actor=row["actor"])
        else:
            await conn.execute(
                "UPDATE items SET busy = false, note = $2, decision_seq = decision_seq + 1, revision = revision + 1"
                " WHERE id = $1", item.id, f"⚠️ {FAILED_RU[action]}: {exc.for_card()}")
        await audit.record(conn, actor=row["actor"], actor_name=row["actor_name"], action=action.value,
                           result="error", network=item.network, community_id=item.community_id, item_id=item.id,
                           original_text=item.text,
                           detail={"code": exc.code, "error": exc.message_ru, "attempts": attempts})
    log.error("action %s on item %s failed: %s", action.value, item.id, exc.for_card())


async def executor_loop(services: Services, *, idle: float = 1.0) -> None:
    """Runs due actions as they come; wakes on a new action or every `idle` seconds for retries."""
    await drain_forever("actions", lambda: run_one(services), services.actions_ready, idle=idle)
