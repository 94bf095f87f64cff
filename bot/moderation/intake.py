"""The event worker: stored events become moderation items, judged, with their cards queued.

Claims come from the durable queue (`bot.queue`), so several replicas share the inbox and an event
whose worker died is taken again after its lease. Applying an event is idempotent (items are keyed by
the network's own ids), so a second run of the same event changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import asyncpg

from bot import audit, metrics
from bot.config import Account
from bot.db import DatabaseUnavailable
from bot.db.statistics import Growth
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
from bot.moderation import actions, context, fresh, items, transitions
from bot.moderation.decisions import ban_reason
from bot.moderation.inbox import EVENTS
from bot.moderation.judge import Judgement, decide_policy
from bot.moderation.transitions import Decision
from bot.queue import Cursor
from bot.workchat import outbox

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
REPEAT_WINDOW = timedelta(hours=24)
REPEAT_SAMPLE = 200  # the most recent copies of a text looked at to count the accounts that sent it
SYSTEM_NAME = "Автомодерация"
# Events one batch claims when that many wait. A batch asks the network for its new authors' names in one call per
# page (or as few as the network's limit per call allows), and a page's token may make some 20 calls a second: at
# 50 a spam wave from new accounts drained at under 1,000 events/s whatever the machine; at 200, about twice that
# (bench_ingest's wave). A quiet inbox's batches hold the one or two events waiting: no card waits for a batch to fill.
BATCH = 200
# Batches in flight in one process. One: a batch sees every earlier batch's items, so copies of a text arriving
# together are counted by the spam-wave check (concurrent batches would not see each other's uncommitted copies);
# a single worker keeps up because a run of new comments costs a few statements, not a few per comment.
WORKERS = 1
# What a flood grows, with the columns the intake's lookups filter on (their statistics choose the index).
GROWING = ("events (status, id)", "items (network, account_id, kind, ext_id, fingerprint, author_id)",
           "cards (subject_kind, subject_id)")


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


async def process_batch(services: Services, limit: int = BATCH, cursor: Cursor | None = None,
                        growth: Growth | None = None) -> int:
    """Handles up to `limit` stored events in one transaction; returns how many.

    One commit for the batch instead of one per event, and the batch's bookkeeping (events marked done, their
    audit) in two statements: under a flood the inbox drains at the speed of the database's round trips, not of
    its disk flushes. The batch first runs without savepoints (two round trips an event fewer); if any event
    fails, that attempt is rolled back and the batch runs again with a savepoint each, so one bad event does not
    spoil the others.
    """
    async with services.db.connection() as conn:
        if cursor is None:
            rows = await EVENTS.claim(conn, limit)
        else:
            rows = await EVENTS.claim(conn, limit, where="id >= $2", args=(cursor.start(),), walk=True)
            cursor.claimed(rows, limit)
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
    try:
        done = await _apply_batch(services, parsed, names, savepoints=False)
    except _Replay as replay:
        log.info("intake batch of %d events runs again with savepoints: %r", len(rows), replay.__cause__)
        done = await _apply_batch(services, parsed, names, savepoints=True)
    for _, outcome in done:
        metrics.PROCESSED.labels(outcome.split(":", 1)[0].split(";", 1)[0].split(" (", 1)[0]).inc()
    services.cards_ready.set()
    if any("auto:" in outcome for _, outcome in done):
        services.actions_ready.set()
    if growth is not None:
        await growth.grew(services.db, len(rows))
    return len(rows)


class _Replay(Exception):
    """An event failed in a batch run without savepoints: run the batch again with them."""


async def _apply_batch(services: Services, parsed: list[tuple[asyncpg.Record, Any]],
                       names: dict[tuple[str, int], str], *, savepoints: bool) -> list[tuple[asyncpg.Record, str]]:
    failures: list[tuple[asyncpg.Record, Exception]] = []
    done: list[tuple[asyncpg.Record, str]] = []
    counts = Counter(_key(r[1]) for _, r in parsed if isinstance(r, tuple))
    run: list[tuple[asyncpg.Record, Account, ItemSeen]] = []  # new comments in a row: stored set-wise
    async with services.db.transaction() as conn:
        for row, result in parsed:
            if isinstance(result, Exception):
                failures.append((row, result))
                continue
            account, event = result
            if not savepoints:
                if _fresh_candidate(event, counts):
                    run.append((row, account, event))
                    continue
                try:
                    done += await _new_items(services, conn, run, names)
                    run = []
                    done.append((row, await apply(services, conn, account, event, names, event_row=row["id"])))
                except DatabaseUnavailable:
                    raise
                except Exception as exc:
                    raise _Replay from exc
                continue
            try:
                async with conn.transaction():  # a savepoint: one bad event does not spoil the batch
                    outcome = await apply(services, conn, account, event, names, event_row=row["id"])
                done.append((row, outcome))
            except DatabaseUnavailable:
                raise
            except Exception as exc:
                failures.append((row, exc))
        if run:
            try:
                done += await _new_items(services, conn, run, names)
            except DatabaseUnavailable:
                raise
            except Exception as exc:
                raise _Replay from exc
        await _finish(conn, done)
        for row, error in failures:
            await _failed(conn, row, error)
    return done


def _key(event: NetworkEvent) -> tuple[Any, ...] | None:
    if isinstance(event, ItemSeen):
        d = event.draft
        return d.network, d.account_id, d.kind, d.ext_id
    if isinstance(event, ItemGone):
        return event.network, event.account_id, event.kind, event.ext_id
    return None


def _fresh_candidate(event: NetworkEvent, counts: Counter[tuple[Any, ...] | None]) -> bool:
    """A comment that may well be new, the only event of its item in the batch, that answers no other comment
    (what it answers may be in the same batch: that one is looked up one at a time, by `context.placed`)."""
    if not isinstance(event, ItemSeen) or counts[_key(event)] != 1:
        return False
    return not event.draft.ref.get("reply_to_ext_id")


def _needs_post_words(ref: dict[str, Any]) -> bool:
    post = ref.get("parent_post_id")
    return isinstance(post, str) and bool(post) and not ref.get("parent_words")


async def _new_items(services: Services, conn: asyncpg.Connection,
                     run: list[tuple[asyncpg.Record, Account, ItemSeen]],
                     names: dict[tuple[str, int], str]) -> list[tuple[asyncpg.Record, str]]:
    """A run of comments that may be new: those that are, stored in a few statements for the whole run; the others
    (an item or a tombstone already there) one at a time, as `apply` does."""
    if not run:
        return []
    keys = [(e.draft.network, e.draft.account_id, e.draft.kind, e.draft.ext_id) for _, _, e in run]
    await fresh.lock(conn, keys)
    already = await fresh.known(conn, keys)
    outcomes: list[tuple[asyncpg.Record, str]] = []
    new = [(row, account, event) for (row, account, event), key in zip(run, keys, strict=True) if key not in already]
    posts = await fresh.post_words(conn, sorted({(e.draft.network, e.draft.account_id, e.draft.ref["parent_post_id"])
                                                 for _, _, e in new if _needs_post_words(e.draft.ref)}))
    prints = [_print(event.draft.text) for _, _, event in new]
    stored = await fresh.recent_authors(
        conn, sorted({(e.draft.network, e.draft.account_id, p) for (_, _, e), p in zip(new, prints, strict=True) if p}),
        window=REPEAT_WINDOW, sample=REPEAT_SAMPLE)
    earlier: dict[fresh.Print, list[int]] = {}
    rows, judgements = [], []
    for (row, account, event), print_ in zip(new, prints, strict=True):
        draft = event.draft
        answered = draft.ref.get("reply_to_user")
        if isinstance(answered, int) and (draft.network, answered) in names:
            draft = replace(draft, ref={**draft.ref, "reply_to_name": names[(draft.network, answered)]})
        post = (draft.network, draft.account_id, draft.ref.get("parent_post_id"))
        if _needs_post_words(draft.ref) and post in posts and posts[post].strip():
            draft = replace(draft, ref={**draft.ref, "parent_words": context.first_words(posts[post])})
        quoted = draft.ref["quoted"] if isinstance(draft.ref.get("quoted"), str) else ""
        repeats = 0
        if print_:
            copies = earlier.setdefault((draft.network, draft.account_id, print_), [])
            repeats = fresh.repeated_by(copies, stored.get((draft.network, draft.account_id, print_), []),
                                        draft.author.id, REPEAT_SAMPLE)
            copies.append(draft.author.id)
        judgement = _decide(services, account, draft.kind, draft.text, repeats, quoted=quoted)
        judgements.append(judgement)
        await asyncio.sleep(0)  # the classifier is the batch's CPU: let the webhooks answer between comments
        rows.append({"network": draft.network, "account_id": draft.account_id, "kind": draft.kind,
                     "ext_id": draft.ext_id, "author_id": draft.author.id,
                     "author_name": draft.author.name or names.get((draft.network, draft.author.id)),
                     "text": draft.text, "attachments": list(draft.attachments), "created_at": draft.created_at,
                     "url": draft.url, "ref": dict(draft.ref), "fingerprint": print_, "verdict": judgement.verdict,
                     "edited": event.change == "edit", "last_event_id": row["id"]})
    if rows:
        ids = await fresh.insert(conn, rows)
        item_ids = [ids[(r["network"], r["account_id"], r["kind"], r["ext_id"])] for r in rows]
        await outbox.open_cards(conn, "item", item_ids, chat_id=services.workchat.chat_id,
                                digest_keys=[f"{r['network']}:{r['account_id']}" for r in rows])
        for (row, _, _), item_id, judgement in zip(new, item_ids, judgements, strict=True):
            outcomes.append((row, await _auto(services, conn, item_id, judgement)))
    for (row, account, event), key in zip(run, keys, strict=True):
        if key in already:
            outcomes.append((row, await apply(services, conn, account, event, names, event_row=row["id"])))
    return outcomes


async def _finish(conn: asyncpg.Connection, done: list[tuple[asyncpg.Record, str]]) -> None:
    """Marks the batch's handled events done and audits them, two statements for the whole batch: each event's
    receipt (at the time it was stored; the webhook writes nothing but the event, so that its commit stays
    small) and its outcome."""
    if not done:
        return
    rows = [row for row, _ in done]
    await conn.execute("UPDATE events SET status = 'done', processed_at = now(), error = NULL WHERE id = ANY($1)",
                       [row["id"] for row in rows])
    entries = [(row, "event_received", "stored", row["received_at"]) for row in rows]
    entries += [(row, "event_processed", outcome, None) for row, outcome in done]
    await audit.record_many(conn, [
        audit.Entry(actor=f"{row['network']}:inbound", action=action, result=result, network=row["network"],
                    account_id=row["account_id"], event_id=row["event_id"], detail={"type": row["type"]}, at=at)
        for row, action, result, at in entries])


async def _failed(conn: asyncpg.Connection, row: asyncpg.Record, error: Exception) -> None:
    if isinstance(error, NotYet):
        await conn.execute("UPDATE events SET attempts = attempts - 1, retry_at = now() + interval '3 seconds'"
                           " WHERE id = $1", row["id"])
        return
    log.error("event %s (%s) failed: %s: %s", row["event_id"], row["type"], type(error).__name__, error)
    final = row["attempts"] >= MAX_ATTEMPTS or isinstance(error, (ValueError, LookupError))
    if final:  # its receipt is audited like any handled event's
        await audit.record(conn, actor=f"{row['network']}:inbound", action="event_received", result="stored",
                           network=row["network"], account_id=row["account_id"], event_id=row["event_id"],
                           detail={"type": row["type"]}, at=row["received_at"])
        metrics.PROCESSED.labels("failed").inc()
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
    print_ = _print(text)
    repeated_by = 0
    if print_:
        # Among the most recent copies only: a wave of tens of thousands must not make each new copy read them all
        # (the classifier's threshold is a handful of accounts, far below the sample).
        repeated_by = await conn.fetchval(
            "SELECT count(DISTINCT author_id) FROM (SELECT author_id FROM items WHERE network = $1 AND account_id = $2"
            " AND fingerprint = $3 AND first_seen_at > now() - $5::interval ORDER BY first_seen_at DESC LIMIT $6)"
            " AS recent WHERE author_id <> $4",
            account.network, account.id, print_, author_id, REPEAT_WINDOW, REPEAT_SAMPLE)
    return _decide(services, account, kind, text, repeated_by, gone=gone, quoted=quoted), print_


def _print(text: str) -> str:
    from bot.classifier import fingerprint

    return fingerprint(text) if text.strip() else ""


def _decide(services: Services, account: Account, kind: str, text: str, repeated_by: int, *, gone: bool = False,
            quoted: str = "") -> Judgement:
    spec = services.platform(account.network).kind(kind)
    verdict = services.classifier.classify(text, own_domains=account.own_domains, repeated_by=repeated_by).to_dict()
    if quoted.strip():  # forwarded, quoted or reposted text is the author's message too
        inside = services.classifier.classify(quoted, own_domains=account.own_domains).to_dict()
        verdict = with_quoted(verdict, inside)
    for label in verdict.get("labels") or ["clean"]:
        metrics.VERDICTS.labels(label).inc()
    return decide_policy(verdict, account, can_delete=spec.allows(Capability.DELETE) and not gone,
                         can_ban=spec.allows(Capability.BAN))


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
                                                                      "action": judgement.action.value,
                                                                      "trigger": judgement.trigger}))
        await audit.record(conn, actor=audit.SYSTEM, actor_name=SYSTEM_NAME, action=judgement.action.value,
                           result="dry_run", item_id=item_id, detail={"label": judgement.because})
        return f"dry_run:{judgement.action.value}"
    params: dict[str, Any] = {"note": {"code": "auto", "params": {"label": judgement.because,
                                                                  "trigger": judgement.trigger}},
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


async def worker_loop(services: Services, *, idle: float = 1.0, workers: int = WORKERS) -> None:
    """Drains the inbox with `workers` batches in flight (each on its own connection, as replicas would: claims
    skip each other's rows, an item's events are serialised by its lock); wakes on a new event (in-process or
    NOTIFY) or every `idle` seconds."""
    async with asyncio.TaskGroup() as group:
        for _ in range(workers):
            group.create_task(drain_forever("intake", partial(process_batch, services, cursor=Cursor(),
                                                              growth=Growth(GROWING)),
                                            services.events_ready, idle=idle))
