"""The event worker: stored events become moderation items, judged, with their cards queued.

Claims come from the durable queue (`bot.queue`), so several replicas share the inbox and an event
whose worker died is taken again after its lease. Applying an event is idempotent (items are keyed by
the network's own ids), so a second run of the same event changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import asyncpg

from bot import audit, metrics
from bot.config import Account
from bot.db import DatabaseUnavailable
from bot.domain import (
    Action,
    AuthorBlocked,
    AuthorUnblocked,
    Capability,
    Ignored,
    ItemGone,
    ItemSeen,
    ItemStatus,
    NetworkEvent,
    Note,
)
from bot.loops import drain_forever
from bot.moderation import actions, context, items, transitions
from bot.moderation.decisions import ban_reason
from bot.moderation.inbox import EVENTS
from bot.moderation.judge import Judgement, decide_policy
from bot.moderation.transitions import Decision
from bot.workchat import outbox

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
REPEAT_WINDOW = timedelta(hours=24)
SYSTEM_NAME = "Автомодерация"
BATCH = 50


def _parse(services: Services, row: asyncpg.Record) -> tuple[Account, NetworkEvent]:
    account = services.account(row["network"], row["account_id"])
    if account is None:
        raise LookupError(f"{row['network']} page {row['account_id']} is no longer configured")
    return account, services.platform(row["network"]).parse(row["type"], row["payload"], row["account_id"])


async def _names(services: Services, parsed: list[tuple[asyncpg.Record, Any]]) -> dict[tuple[str, int], str]:
    """Authors' names for the whole batch that the events did not carry, one network call per page."""
    wanted: dict[tuple[str, int], set[int]] = {}
    for row, result in parsed:
        if isinstance(result, tuple) and isinstance(result[1], ItemGone) and (result[1].deleter_id or 0) > 0:
            wanted.setdefault((row["network"], row["account_id"]), set()).add(result[1].deleter_id)  # type: ignore[arg-type]
        if isinstance(result, tuple) and isinstance(result[1], ItemSeen):
            draft = result[1].draft
            page = wanted.setdefault((row["network"], row["account_id"]), set())
            if not draft.author.name and draft.author.id > 0:
                page.add(draft.author.id)
            answered = draft.ref.get("reply_to_user")
            if isinstance(answered, int) and answered > 0:
                page.add(answered)  # whom it answers: named on the card
    names: dict[tuple[str, int], str] = {}
    for (network, account_id), ids in wanted.items():
        if not ids:
            continue
        found = await services.platform(network).names(account_id, sorted(ids))
        names |= {(network, user_id): name for user_id, name in found.items()}
    return names


async def _post_words(services: Services, parsed: list[tuple[asyncpg.Record, Any]]) -> None:
    """The first words of the posts new comments are under, one network call per page, written into the drafts'
    `ref` before the transaction (no network call is made inside it)."""
    wanted: dict[tuple[str, int], list[ItemSeen]] = {}
    for row, result in parsed:
        if isinstance(result, tuple) and isinstance(result[1], ItemSeen) and result[1].change == "new":
            post = result[1].draft.ref.get("parent_post_id")
            if isinstance(post, str) and post:
                wanted.setdefault((row["network"], row["account_id"]), []).append(result[1])
    for (network, account_id), seen in wanted.items():
        try:
            texts = await services.platform(network).post_texts(
                account_id, [s.draft.ref["parent_post_id"] for s in seen])
        except Exception as exc:  # the words are a nicety: never let them hold an event up
            log.warning("%s: the posts' words for page %s are not known: %s", network, account_id, exc)
            continue
        for event in seen:
            text = texts.get(event.draft.ref["parent_post_id"], "")
            if text.strip():
                event.draft.ref["parent_words"] = context.first_words(text)


async def process_batch(services: Services, limit: int = BATCH) -> int:
    """Handles up to `limit` stored events in one transaction (a savepoint each); returns how many.

    One commit for the batch instead of one per event: under a flood the inbox drains at the speed
    of the database's round trips, not of its disk flushes.
    """
    async with services.db.connection() as conn:
        rows = await EVENTS.claim(conn, limit)
    if not rows:
        return 0
    parsed: list[tuple[asyncpg.Record, Any]] = []
    for row in rows:
        try:
            parsed.append((row, _parse(services, row)))
        except Exception as exc:
            parsed.append((row, exc))
    names = await _names(services, parsed)
    await _post_words(services, parsed)
    failures: list[tuple[asyncpg.Record, Exception]] = []
    auto = False
    async with services.db.transaction() as conn:
        for row, result in parsed:
            if isinstance(result, Exception):
                failures.append((row, result))
                continue
            account, event = result
            try:
                async with conn.transaction():  # a savepoint: one bad event does not spoil the batch
                    outcome = await apply(services, conn, account, event, names, event_row=row["id"])
                    await conn.execute(
                        "UPDATE events SET status = 'done', processed_at = now(), error = NULL WHERE id = $1",
                        row["id"])
                    await audit.record(conn, actor=f"{row['network']}:inbound", action="event_processed",
                                       result=outcome, network=row["network"], account_id=row["account_id"],
                                       event_id=row["event_id"], detail={"type": row["type"]})
                auto = auto or "auto:" in outcome
            except DatabaseUnavailable:
                raise
            except Exception as exc:
                failures.append((row, exc))
        for row, error in failures:
            await _failed(conn, row, error)
    services.cards_ready.set()
    if auto:
        services.actions_ready.set()
    return len(rows)


async def _failed(conn: asyncpg.Connection, row: asyncpg.Record, error: Exception) -> None:
    if isinstance(error, NotYet):
        await conn.execute("UPDATE events SET attempts = attempts - 1, retry_at = now() + interval '3 seconds'"
                           " WHERE id = $1", row["id"])
        return
    log.error("event %s (%s) failed: %s: %s", row["event_id"], row["type"], type(error).__name__, error)
    final = row["attempts"] >= MAX_ATTEMPTS or isinstance(error, (ValueError, LookupError))
    await conn.execute(
        "UPDATE events SET status = $2, error = $3,"
        " retry_at = now() + least(power(2, attempts), 600) * interval '1 second' WHERE id = $1",
        row["id"], "failed" if final else "new", f"{type(error).__name__}: {error}")


async def apply(services: Services, conn: asyncpg.Connection, account: Account, event: NetworkEvent,
                names: dict[tuple[str, int], str], *, event_row: int) -> str:
    """Changes items for one event inside the caller's transaction; returns a word for the audit.

    `event_row` is the inbox row id: the order in which events first reached us.
    """
    if isinstance(event, Ignored):
        return f"ignored: {event.why}"
    if isinstance(event, ItemSeen):
        return await _seen(services, conn, account, event, names, event_row)
    if isinstance(event, ItemGone):
        return await _gone(conn, event, event_row, names.get((event.network, event.deleter_id or 0)))
    if isinstance(event, AuthorBlocked):
        return await _blocked(conn, event)
    if isinstance(event, AuthorUnblocked):
        return await _unblocked(conn, event)
    raise TypeError(f"unknown network event {event!r}")


async def _judge(services: Services, conn: asyncpg.Connection, account: Account, kind: str, text: str,
                 author_id: int, *, gone: bool = False, quoted: str = "") -> tuple[Judgement, str]:
    from bot.classifier import fingerprint

    spec = services.platform(account.network).kind(kind)
    print_ = fingerprint(text) if text.strip() else ""
    repeated_by = 0
    if print_:
        repeated_by = await conn.fetchval(
            "SELECT count(DISTINCT author_id) FROM items WHERE network = $1 AND account_id = $2 AND fingerprint = $3"
            " AND author_id <> $4 AND first_seen_at > now() - $5::interval",
            account.network, account.id, print_, author_id, REPEAT_WINDOW)
    verdict = services.classifier.classify(text, own_domains=account.own_domains, repeated_by=repeated_by).to_dict()
    if quoted.strip():  # forwarded, quoted or reposted text is the author's message too
        inside = services.classifier.classify(quoted, own_domains=account.own_domains).to_dict()
        verdict = with_quoted(verdict, inside)
    for label in verdict.get("labels") or ["clean"]:
        metrics.VERDICTS.labels(label).inc()
    return decide_policy(verdict, account, can_delete=spec.allows(Capability.DELETE) and not gone,
                         can_ban=spec.allows(Capability.BAN)), print_


def with_quoted(own: dict[str, Any], inside: dict[str, Any]) -> dict[str, Any]:
    """The verdict on a text with what the classifier found in the text it forwards or quotes: labels joined, the
    quoted reasons kept without spans (they are not in the text the card marks) and said to be from the quote."""
    labels = list(own.get("labels", []))
    labels += [label for label in inside.get("labels", []) if label not in labels]
    scores = {k: max(v, inside.get("scores", {}).get(k, 0.0)) for k, v in own.get("scores", {}).items()}
    quoted = [{**r, "start": -1, "end": -1, "note_ru": f"{r.get('note_ru') or r.get('rule')} (в пересланном или"
               " процитированном тексте)"} for r in inside.get("reasons", [])]
    return {**own, "labels": labels, "scores": scores, "reasons": [*own.get("reasons", []), *quoted]}


async def _auto(services: Services, conn: asyncpg.Connection, item_id: int, judgement: Judgement) -> str:
    """Applies the policy's automatic action, or notes what it would have done in dry-run mode."""
    if judgement.action is None:
        return "carded"
    if services.config.dry_run:
        await transitions.annotate(conn, [item_id], Note("dry_run", {"label": judgement.because,
                                                                      "action": judgement.action.value}))
        await audit.record(conn, actor=audit.SYSTEM, actor_name=SYSTEM_NAME, action=judgement.action.value,
                           result="dry_run", item_id=item_id, detail={"label": judgement.because})
        return f"dry_run:{judgement.action.value}"
    params: dict[str, Any] = {"note": {"code": "auto", "params": {"label": judgement.because}},
                              "reason": ban_reason(judgement.labels) or judgement.because}
    if judgement.action is Action.BAN:
        params["days"] = judgement.ban_days
    await actions.enqueue(conn, item_id=item_id, action=judgement.action, actor=audit.SYSTEM,
                          actor_name=SYSTEM_NAME, params=params)
    return f"auto:{judgement.action.value}"


class NotYet(Exception):
    """The event must wait: the item is in the middle of an action of ours. Retried soon, not counted."""


def _item_lock(conn: asyncpg.Connection, key: tuple[str, int, str, str]) -> Any:
    """Serialises events for one item across replicas (a tombstone and its late comment, two edits)."""
    return conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", "|".join(map(str, key)))


def _remover(deleter_id: int | None) -> int | None:
    return deleter_id if deleter_id and deleter_id > 0 else None


async def _seen(services: Services, conn: asyncpg.Connection, account: Account, event: ItemSeen,
                names: dict[tuple[str, int], str], event_row: int) -> str:
    draft = event.draft
    key = (draft.network, draft.account_id, draft.kind, draft.ext_id)
    await _item_lock(conn, key)
    existing = await conn.fetchrow(
        "SELECT * FROM items WHERE network = $1 AND account_id = $2 AND kind = $3 AND ext_id = $4 FOR UPDATE", *key)
    author_name = draft.author.name or names.get((draft.network, draft.author.id))
    answered = draft.ref.get("reply_to_user")
    if isinstance(answered, int) and (draft.network, answered) in names:
        draft = replace(draft, ref={**draft.ref, "reply_to_name": names[(draft.network, answered)]})
    quoted = draft.ref["quoted"] if isinstance(draft.ref.get("quoted"), str) else ""
    if existing is None:
        draft = replace(draft, ref=await context.placed(conn, draft))
        tomb = await conn.fetchrow(
            "DELETE FROM tombstones WHERE network = $1 AND account_id = $2 AND kind = $3 AND ext_id = $4"
            " RETURNING deleter_id, event_id", *key)
        gone = tomb is not None and (event.change != "restore" or tomb["event_id"] > event_row)
        remover_name = None
        if gone and tomb and _remover(tomb["deleter_id"]):  # rare: a deletion that overtook its comment
            remover_name = (await services.platform(draft.network).names(draft.account_id, [tomb["deleter_id"]])
                            ).get(tomb["deleter_id"])
        judgement, print_ = await _judge(services, conn, account, draft.kind, draft.text, draft.author.id, gone=gone,
                                         quoted=quoted)
        item_id = await conn.fetchval(
            "INSERT INTO items (network, account_id, kind, ext_id, author_id, author_name, text, original_text,"
            " attachments, created_at, url, ref, fingerprint, verdict, edited, last_event_id, status, decision,"
            " decided_at, removed_by, removed_by_name)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,"
            " CASE WHEN $17::text IS NULL THEN NULL ELSE now() END, $18, $19) RETURNING id",
            *key, draft.author.id, author_name, draft.text, list(draft.attachments), draft.created_at, draft.url,
            draft.ref, print_, judgement.verdict, event.change == "edit", event_row,
            "removed" if gone else "open", "removed" if gone else None,
            _remover(tomb["deleter_id"]) if gone and tomb else None, remover_name)
        await outbox.open_card(conn, "item", item_id, chat_id=services.workchat.chat_id,
                               digest_key=f"{draft.network}:{draft.account_id}")
        return "arrived already deleted" if gone else await _auto(services, conn, item_id, judgement)

    item = items.item_from_row(existing)
    if event_row < existing["last_event_id"]:
        return "stale"  # a newer event already changed this item
    if event.change == "edit":
        if draft.text == item.text and draft.attachments == item.attachments:
            return "unchanged"
        judgement, print_ = await _judge(services, conn, account, draft.kind, draft.text, draft.author.id,
                                         quoted=quoted)
        reopen = item.status is ItemStatus.APPROVED and not item.busy
        await transitions.edit_text(
            conn, item.id, {"text": draft.text, "attachments": list(draft.attachments), "verdict": judgement.verdict,
                            "fingerprint": print_, "edited": True, "last_event_id": event_row},
            reopen=reopen, note=Note("edited", {"reopened": reopen}))
        if item.status in (ItemStatus.OPEN, ItemStatus.APPROVED) and not item.busy:
            return "edited;" + await _auto(services, conn, item.id, judgement)
        return "edited"
    if event.change == "restore":
        if item.busy or item.status not in (ItemStatus.DELETED, ItemStatus.BANNED, ItemStatus.REMOVED):
            return "restore echo"
        await transitions.move(conn, item.id, "reopened", decision=None, note=Note("restored"),
                               extra={"last_event_id": event_row})
        return "reopened"
    return "duplicate"


async def _gone(conn: asyncpg.Connection, event: ItemGone, event_row: int, deleter_name: str | None = None) -> str:
    key = (event.network, event.account_id, event.kind, event.ext_id)
    await _item_lock(conn, key)
    row = await conn.fetchrow(
        "SELECT id, status, busy, author_id, last_event_id FROM items"
        " WHERE network = $1 AND account_id = $2 AND kind = $3 AND ext_id = $4 FOR UPDATE", *key)
    if row is None:
        # Deleted before we saw it (its "new" event is late, or was lost): remember, so that it arrives deleted.
        await conn.execute(
            "INSERT INTO tombstones (network, account_id, kind, ext_id, deleter_id, event_id)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING", *key, event.deleter_id, event_row)
        return "unknown item: tombstone"
    if event_row < row["last_event_id"]:
        return "stale"
    if row["busy"]:
        pending = await conn.fetchval(
            "SELECT action FROM actions WHERE subject_kind = 'item' AND subject_id = $1 AND status = 'pending'"
            " ORDER BY id DESC LIMIT 1", row["id"])
        if pending in (Action.DELETE, Action.BAN):
            return "delete echo"  # our own deletion coming back
        raise NotYet(f"item {row['id']} is busy with {pending}")
    if row["status"] not in (ItemStatus.OPEN, ItemStatus.APPROVED):
        return "delete echo"
    await transitions.move(conn, row["id"], "removed", decision=Decision("removed", removed_by=_remover(
        event.deleter_id)), note=None, extra={"last_event_id": event_row, "removed_by_name": deleter_name})
    return "removed on network"


async def _author_cards(conn: asyncpg.Connection, network: str, account_id: int, user_id: int,
                        statuses: tuple[str, ...]) -> list[int]:
    rows = await conn.fetch(
        "SELECT id FROM items WHERE network = $1 AND account_id = $2 AND author_id = $3 AND status = ANY($4)"
        " AND NOT busy", network, account_id, user_id, list(statuses))
    return [r["id"] for r in rows]


async def _blocked(conn: asyncpg.Connection, event: AuthorBlocked) -> str:
    known = await conn.fetchval(
        "SELECT banned_by FROM bans WHERE network = $1 AND account_id = $2 AND user_id = $3",
        event.network, event.account_id, event.user_id)
    if known is not None and not known.startswith(f"{event.network}:"):
        return "ban echo"  # our own ban coming back: the cards already say it
    await conn.execute(
        "INSERT INTO bans (network, account_id, user_id, until, banned_by, reason) VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (network, account_id, user_id) DO UPDATE SET until = $4, reason = $6",
        event.network, event.account_id, event.user_id, event.until,
        f"{event.network}:{event.admin_id}" if event.admin_id else None, event.reason)
    ids = await _author_cards(conn, event.network, event.account_id, event.user_id, ("open", "approved", "removed"))
    await transitions.annotate(conn, ids, Note("author_blocked", {
        "until": event.until.isoformat() if event.until else None, "admin_id": event.admin_id}))
    return f"author blocked ({len(ids)} cards)"


async def _unblocked(conn: asyncpg.Connection, event: AuthorUnblocked) -> str:
    removed = await conn.execute("DELETE FROM bans WHERE network = $1 AND account_id = $2 AND user_id = $3",
                                 event.network, event.account_id, event.user_id)
    if removed == "DELETE 0":
        return "unban echo"  # our own unban coming back, or a ban we never knew of
    ids = await _author_cards(conn, event.network, event.account_id, event.user_id,
                              ("open", "approved", "removed", "banned"))
    await transitions.annotate(conn, ids, Note("author_unblocked", {"expired": event.expired}))
    return f"author unblocked ({len(ids)} cards)"


async def worker_loop(services: Services, *, idle: float = 1.0) -> None:
    """Drains the inbox; wakes on a new event (in-process or NOTIFY) or every `idle` seconds."""
    await drain_forever("intake", lambda: process_batch(services), services.events_ready, idle=idle)
