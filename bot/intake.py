"""The event worker: stored events become moderation items, judged, with their cards queued.

Claims run with SKIP LOCKED and a lease, so several replicas share the inbox and an event whose
worker died is picked up again after the lease. Applying an event is idempotent (items are keyed by
the network's own ids), so a second run of the same event changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import asyncpg

from bot import actions, audit, items
from bot.cards import LABEL_RU
from bot.config import Community
from bot.db import DatabaseUnavailable
from bot.domain import (
    Action,
    AuthorBlocked,
    AuthorUnblocked,
    Ignored,
    ItemGone,
    ItemSeen,
    ItemStatus,
    NetworkEvent,
)
from bot.judge import Judgement, decide_policy
from bot.loops import drain_forever
from bot.services import Services

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=1)
MAX_ATTEMPTS = 5
REPEAT_WINDOW = timedelta(hours=24)
SYSTEM_NAME = "Автомодерация"


BATCH = 50


async def _claim(services: Services, limit: int) -> list[asyncpg.Record]:
    rows = await services.db.fetch(
        "UPDATE events SET attempts = attempts + 1, retry_at = now() + $1::interval"
        " WHERE id IN (SELECT id FROM events WHERE status = 'new' AND retry_at <= now()"
        "              ORDER BY id FOR UPDATE SKIP LOCKED LIMIT $2)"
        " RETURNING id, network, community_id, event_id, type, payload, attempts",
        LEASE, limit,
    )
    return sorted(rows, key=lambda r: r["id"])  # RETURNING keeps no order; events apply in arrival order


def _parse(services: Services, row: asyncpg.Record) -> tuple[Community, NetworkEvent]:
    community = services.config.community(row["community_id"])
    if community is None:
        raise LookupError(f"community {row['community_id']} is no longer configured")
    event = services.network(row["network"]).parse(row["type"], row["payload"].get("object"), row["community_id"])
    return community, event


async def _names(services: Services, parsed: list[tuple[asyncpg.Record, Any]]) -> dict[int, str]:
    """Authors' names for the whole batch, one network call per community."""
    wanted: dict[tuple[str, int], set[int]] = {}
    for row, result in parsed:
        if isinstance(result, tuple) and isinstance(result[1], ItemSeen) and result[1].draft.author.id > 0:
            wanted.setdefault((row["network"], row["community_id"]), set()).add(result[1].draft.author.id)
    names: dict[int, str] = {}
    for (network, community_id), ids in wanted.items():
        names |= await services.network(network).names(community_id, sorted(ids))
    return names


async def process_batch(services: Services, limit: int = BATCH) -> int:
    """Handles up to `limit` stored events in one transaction (a savepoint each); returns how many.

    One commit for the batch instead of one per event: under a flood the inbox drains at the speed
    of the database's round trips, not of its disk flushes.
    """
    rows = await _claim(services, limit)
    if not rows:
        return 0
    parsed: list[tuple[asyncpg.Record, Any]] = []
    for row in rows:
        try:
            parsed.append((row, _parse(services, row)))
        except Exception as exc:
            parsed.append((row, exc))
    names = await _names(services, parsed)
    failures: list[tuple[asyncpg.Record, Exception]] = []
    auto = False
    async with services.db.transaction() as conn:
        for row, result in parsed:
            if isinstance(result, Exception):
                failures.append((row, result))
                continue
            community, event = result
            try:
                async with conn.transaction():  # a savepoint: one bad event does not spoil the batch
                    outcome = await apply(services, conn, community, event, names, event_row=row["id"])
                    await conn.execute(
                        "UPDATE events SET status = 'done', processed_at = now(), error = NULL WHERE id = $1",
                        row["id"])
                    await audit.record(conn, actor=f"{row['network']}:callback", action="event_processed",
                                       result=outcome, network=row["network"], community_id=row["community_id"],
                                       event_id=row["event_id"], detail={"type": row["type"]})
                auto = auto or "auto:" in outcome
            except DatabaseUnavailable:
                raise
            except Exception as exc:
                failures.append((row, exc))
        for row, exc in failures:
            if isinstance(exc, NotYet):
                await conn.execute("UPDATE events SET attempts = attempts - 1, retry_at = now() + interval '3 seconds'"
                                   " WHERE id = $1", row["id"])
                continue
            log.error("event %s (%s) failed: %s: %s", row["event_id"], row["type"], type(exc).__name__, exc)
            final = row["attempts"] >= MAX_ATTEMPTS or isinstance(exc, (ValueError, LookupError))
            await conn.execute(
                "UPDATE events SET status = $2, error = $3,"
                " retry_at = now() + least(power(2, attempts), 600) * interval '1 second' WHERE id = $1",
                row["id"], "failed" if final else "new", f"{type(exc).__name__}: {exc}")
    services.cards_ready.set()
    if auto:
        services.actions_ready.set()
    return len(rows)


async def apply(services: Services, conn: asyncpg.Connection, community: Community, event: NetworkEvent,
                names: dict[int, str], *, event_row: int) -> str:
    """Changes items for one event inside the caller's transaction; returns a word for the audit.

    `event_row` is the inbox row id: the order in which events first reached us.
    """
    if isinstance(event, Ignored):
        return f"ignored: {event.why}"
    if isinstance(event, ItemSeen):
        return await _seen(services, conn, community, event, names, event_row)
    if isinstance(event, ItemGone):
        return await _gone(conn, event, event_row)
    if isinstance(event, AuthorBlocked):
        return await _blocked(conn, event)
    if isinstance(event, AuthorUnblocked):
        return await _unblocked(conn, event)
    raise TypeError(f"unknown network event {event!r}")


async def _judge(services: Services, conn: asyncpg.Connection, community: Community, text: str,
                 author_id: int, can_delete: bool) -> tuple[Judgement, str]:
    from bot.classifier import fingerprint

    print_ = fingerprint(text) if text.strip() else ""
    repeated_by = 0
    if print_:
        repeated_by = await conn.fetchval(
            "SELECT count(DISTINCT author_id) FROM items WHERE community_id = $1 AND fingerprint = $2"
            " AND author_id <> $3 AND first_seen_at > now() - $4::interval",
            community.group_id, print_, author_id, REPEAT_WINDOW)
    verdict = services.classifier.classify(text, own_domains=community.own_domains, repeated_by=repeated_by)
    return decide_policy(verdict.to_dict(), community, can_delete=can_delete), print_


async def _auto(services: Services, conn: asyncpg.Connection, item_id: int, judgement: Judgement) -> str:
    """Applies the policy's automatic action, or notes what it would have done in dry-run mode."""
    if judgement.action is None:
        return "carded"
    if services.config.dry_run:
        what = "удалить и заблокировать автора" if judgement.action is Action.BAN else "удалить"
        rule = LABEL_RU.get(judgement.because or "", judgement.because)
        await conn.execute("UPDATE items SET note = $2 WHERE id = $1", item_id,
                           f"🧪 Режим проверки: правило «{rule}» велело бы {what}; ничего не сделано.")
        await audit.record(conn, actor=audit.SYSTEM, actor_name=SYSTEM_NAME, action=judgement.action.value,
                           result="dry_run", item_id=item_id, detail={"label": judgement.because})
        return f"dry_run:{judgement.action.value}"
    rule = LABEL_RU.get(judgement.because or "", judgement.because)
    params: dict[str, Any] = {"note": f"🤖 Удалено автоматически по правилу «{rule}»"}
    if judgement.action is Action.BAN:
        params |= {"days": judgement.ban_days, "reason": int(judgement.ban_reason),
                   "comment": "Нарушение правил сообщества"}
    await actions.enqueue(conn, item_id=item_id, action=judgement.action, actor=audit.SYSTEM,
                          actor_name=SYSTEM_NAME, params=params)
    return f"auto:{judgement.action.value}"


class NotYet(Exception):
    """The event must wait: the item is in the middle of an action of ours. Retried soon, not counted."""


def _item_lock(conn: asyncpg.Connection, key: tuple[str, int, str, str]) -> Any:
    """Serialises events for one item across replicas (a tombstone and its late comment, two edits)."""
    return conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", "|".join(map(str, key)))


def _restored_note(kind: str) -> str:
    what = {"message": "Сообщение восстановлено", "board_comment": "Сообщение в обсуждении восстановлено"}.get(
        kind, "Комментарий восстановлен")
    return f"♻️ {what} в VK — карточка снова открыта"


async def _seen(services: Services, conn: asyncpg.Connection, community: Community, event: ItemSeen,
                names: dict[int, str], event_row: int) -> str:
    draft = event.draft
    key = (draft.network, draft.community_id, draft.kind.value, draft.ext_id)
    await _item_lock(conn, key)
    existing = await conn.fetchrow(
        "SELECT * FROM items WHERE network = $1 AND community_id = $2 AND kind = $3 AND ext_id = $4 FOR UPDATE", *key)
    author_name = names.get(draft.author.id)
    if existing is None:
        tomb = await conn.fetchrow(
            "DELETE FROM tombstones WHERE network = $1 AND community_id = $2 AND kind = $3 AND ext_id = $4"
            " RETURNING deleter_id, event_id", *key)
        gone = tomb is not None and (event.change != "restore" or tomb["event_id"] > event_row)
        judgement, print_ = await _judge(services, conn, community, draft.text, draft.author.id,
                                         can_delete=draft.kind.is_comment and not gone)
        item_id = await conn.fetchval(
            "INSERT INTO items (network, community_id, kind, ext_id, author_id, author_name, text, original_text,"
            " attachments, created_at, url, ref, fingerprint, verdict, edited, last_event_id, status, decision)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
            *key, draft.author.id, author_name, draft.text, list(draft.attachments), draft.created_at, draft.url,
            draft.ref, print_, judgement.verdict, event.change == "edit", event_row,
            "removed" if gone else "open",
            _removal(draft.author.id, tomb["deleter_id"]) if gone else None)
        await conn.execute("INSERT INTO cards (item_id) VALUES ($1)", item_id)
        return "arrived already deleted" if gone else await _auto(services, conn, item_id, judgement)

    item = items.item_from_row(existing)
    if event_row < existing["last_event_id"]:
        return "stale"  # a newer event already changed this item
    if event.change == "edit":
        if draft.text == item.text and draft.attachments == item.attachments:
            return "unchanged"
        judgement, print_ = await _judge(services, conn, community, draft.text, draft.author.id,
                                         can_delete=draft.kind.is_comment)
        reopen = item.status is ItemStatus.APPROVED and not existing["busy"]
        await conn.execute(
            "UPDATE items SET text = $2, attachments = $3, verdict = $4, fingerprint = $5, edited = true,"
            " status = CASE WHEN $6 THEN 'open' ELSE status END,"
            " decided_by = CASE WHEN $6 THEN NULL ELSE decided_by END,"
            " decision = CASE WHEN $6 THEN NULL ELSE decision END,"
            " note = $7, last_event_id = $8, decision_seq = decision_seq + 1, revision = revision + 1 WHERE id = $1",
            item.id, draft.text, list(draft.attachments), judgement.verdict, print_, reopen,
            "✏️ Автор изменил текст в VK" + (" — карточка снова открыта" if reopen else ""), event_row)
        if item.status in (ItemStatus.OPEN, ItemStatus.APPROVED) and not existing["busy"]:
            return "edited;" + await _auto(services, conn, item.id, judgement)
        return "edited"
    if event.change == "restore":
        if existing["busy"] or item.status not in (ItemStatus.DELETED, ItemStatus.BANNED, ItemStatus.REMOVED):
            return "restore echo"
        await conn.execute(
            "UPDATE items SET status = 'open', decided_by = NULL, decision = NULL, note = $2, last_event_id = $3,"
            " decision_seq = decision_seq + 1, revision = revision + 1 WHERE id = $1",
            item.id, _restored_note(item.kind.value), event_row)
        return "reopened"
    return "duplicate"


def _removal(author_id: int, deleter_id: int | None) -> str:
    """The decision recorded for an item deleted on the network; `bot.cards` words it."""
    if deleter_id is not None and deleter_id == author_id:
        return "removed:author"
    if deleter_id and deleter_id > 0:
        return f"removed:{deleter_id}"
    return "removed"


async def _gone(conn: asyncpg.Connection, event: ItemGone, event_row: int) -> str:
    key = (event.network, event.community_id, event.kind.value, event.ext_id)
    await _item_lock(conn, key)
    row = await conn.fetchrow(
        "SELECT id, status, busy, author_id, last_event_id FROM items"
        " WHERE network = $1 AND community_id = $2 AND kind = $3 AND ext_id = $4 FOR UPDATE", *key)
    if row is None:
        # Deleted before we saw it (its "new" event is late, or was lost): remember, so that it arrives deleted.
        await conn.execute(
            "INSERT INTO tombstones (network, community_id, kind, ext_id, deleter_id, event_id)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", *key, event.deleter_id, event_row)
        return "unknown item: tombstone"
    if event_row < row["last_event_id"]:
        return "stale"
    if row["busy"]:
        pending = await conn.fetchval(
            "SELECT action FROM actions WHERE item_id = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1", row["id"])
        if pending in (Action.DELETE, Action.BAN):
            return "delete echo"  # our own deletion coming back
        raise NotYet(f"item {row['id']} is busy with {pending}")
    if row["status"] not in (ItemStatus.OPEN, ItemStatus.APPROVED):
        return "delete echo"
    await conn.execute(
        "UPDATE items SET status = 'removed', decision = $2, decided_by = NULL, decided_at = now(), note = NULL,"
        " last_event_id = $3, decision_seq = decision_seq + 1, revision = revision + 1 WHERE id = $1",
        row["id"], _removal(row["author_id"], event.deleter_id), event_row)
    return "removed on network"


async def _blocked(conn: asyncpg.Connection, event: AuthorBlocked) -> str:
    known = await conn.fetchval(
        "SELECT banned_by FROM bans WHERE network = $1 AND community_id = $2 AND user_id = $3",
        event.network, event.community_id, event.user_id)
    if known is not None and not known.startswith(f"{event.network}:"):
        return "ban echo"  # our own ban coming back: the cards already say it
    await conn.execute(
        "INSERT INTO bans (network, community_id, user_id, until, banned_by, reason) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (network, community_id, user_id) DO UPDATE SET until = $4, reason = $6",
        event.network, event.community_id, event.user_id, event.until,
        f"{event.network}:{event.admin_id}" if event.admin_id else None, event.reason)
    until = f" до {event.until:%d.%m.%Y}" if event.until else " навсегда"
    updated = await conn.execute(
        "UPDATE items SET note = $4, revision = revision + 1 WHERE network = $1 AND community_id = $2"
        " AND author_id = $3 AND status IN ('open', 'approved', 'removed') AND NOT busy",
        event.network, event.community_id, event.user_id,
        f"⛔ Автор заблокирован в VK{until}" + (f" администратором id{event.admin_id}" if event.admin_id else ""))
    return f"author blocked ({updated.split()[-1]} cards)"


async def _unblocked(conn: asyncpg.Connection, event: AuthorUnblocked) -> str:
    removed = await conn.execute("DELETE FROM bans WHERE network = $1 AND community_id = $2 AND user_id = $3",
                                 event.network, event.community_id, event.user_id)
    if removed == "DELETE 0":
        return "unban echo"  # our own unban coming back, or a ban we never knew of
    updated = await conn.execute(
        "UPDATE items SET note = $4, revision = revision + 1 WHERE network = $1 AND community_id = $2"
        " AND author_id = $3 AND status IN ('open', 'approved', 'removed', 'banned') AND NOT busy",
        event.network, event.community_id, event.user_id,
        "✅ Срок блокировки автора истёк" if event.expired else "✅ Автор разблокирован в VK")
    return f"author unblocked ({updated.split()[-1]} cards)"


async def worker_loop(services: Services, *, idle: float = 1.0) -> None:
    """Drains the inbox; wakes on a new event (in-process or NOTIFY) or every `idle` seconds."""
    await drain_forever("intake", lambda: process_batch(services), services.events_ready, idle=idle)
