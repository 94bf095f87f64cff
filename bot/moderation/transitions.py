"""Where an item's state changes: the table of allowed transitions, and the one function that makes them.

Every change of status goes through `move`, in one UPDATE guarded by the statuses the table allows
(and, for a person's press, by the decision sequence the button was drawn at), so two moderators, a
network event and the action queue can never leave an item in a state the table does not have. Each
change also bumps `decision_seq` (old buttons die) and asks for the card to be drawn again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from bot.domain import ItemStatus, Note
from bot.workchat import outbox

OPEN, APPROVED, DELETED, BANNED, REMOVED = (ItemStatus.OPEN, ItemStatus.APPROVED, ItemStatus.DELETED,
                                           ItemStatus.BANNED, ItemStatus.REMOVED)


@dataclass(frozen=True)
class Transition:
    sources: frozenset[ItemStatus]
    targets: frozenset[ItemStatus]  # more than one where the kind of item decides (see `move`'s `to`)


def _t(sources: set[ItemStatus], *targets: ItemStatus) -> Transition:
    return Transition(frozenset(sources), frozenset(targets))


TRANSITIONS: dict[str, Transition] = {
    # a person's decision that needs no network call
    "approve": _t({OPEN}, APPROVED),
    "handled": _t({OPEN}, APPROVED),
    # an action carried out on the network
    "deleted": _t({OPEN, APPROVED}, DELETED),
    "banned": _t({OPEN, APPROVED, DELETED, REMOVED, BANNED}, BANNED),
    "ban_half_done": _t({OPEN, APPROVED, DELETED, REMOVED, BANNED}, DELETED),  # deleted, but the ban failed
    "restored": _t({DELETED, BANNED}, APPROVED),
    "unbanned": _t({BANNED}, DELETED, APPROVED),  # the item stays deleted; a message is handled
    "replied": _t({OPEN}, APPROVED),
    # what happened on the network by other hands
    "removed": _t({OPEN, APPROVED}, REMOVED),
    "reopened": _t({DELETED, BANNED, REMOVED}, OPEN),  # restored on the network
    "edited": _t({APPROVED}, OPEN),  # the author changed a kept text: a person looks again
}

KEEP: Any = object()  # leave a column as it is


@dataclass(frozen=True)
class Decision:
    """Who decided what, as columns: never a string to parse back."""

    what: str | None  # an Action's value, "handled" or "removed"; None clears the decision
    by: str | None = None
    ban_days: int | None = None
    removed_by: int | None = None


class IllegalTransition(Exception):
    pass


def _note_columns(note: Note | None) -> tuple[str | None, dict[str, Any]]:
    return (note.code, dict(note.params)) if note else (None, {})


async def move(conn: asyncpg.Connection, item_id: int, change: str, to: ItemStatus | None = None, *,
               decision: Decision | None = KEEP, note: Note | None = KEEP, seq: int | None = None,
               busy: bool | None = False, extra: dict[str, Any] | None = None) -> asyncpg.Record | None:
    """Applies `change` if the item's status allows it; returns the new row, or None when it does not
    (or, with `seq`, when someone else changed the item first, or it is busy).

    `to` picks the target where the table allows several. `decision` None clears it, KEEP leaves it.
    `extra` sets other columns in the same statement (the text of an edit).
    """
    transition = TRANSITIONS[change]
    target = to if to is not None else next(iter(transition.targets))
    if target not in transition.targets or (to is None and len(transition.targets) > 1):
        raise IllegalTransition(f"{change} cannot lead to {target}")
    sets = ["status = $2", "decision_seq = decision_seq + 1"]
    args: list[Any] = [item_id, target.value, [s.value for s in transition.sources]]
    guard = "status = ANY($3)"

    def put(column: str, value: Any, cast: str = "") -> None:
        args.append(value)
        sets.append(f"{column} = ${len(args)}{cast}")

    if decision is not KEEP:
        if decision is None:
            for column in ("decision", "decided_by", "decided_at", "ban_days", "removed_by"):
                sets.append(f"{column} = NULL")
        else:
            put("decision", decision.what)
            put("decided_by", decision.by)
            sets.append("decided_at = now()")
            put("ban_days", decision.ban_days, "::int")
            put("removed_by", decision.removed_by, "::bigint")
    if note is not KEEP:
        code, params = _note_columns(note)
        put("note_code", code)
        put("note_params", params)
    if busy is not None:
        put("busy", busy)
    sets.append("menu = NULL")
    for column, value in (extra or {}).items():
        put(column, value)
    if seq is not None:
        args.append(seq)
        guard += f" AND decision_seq = ${len(args)} AND NOT busy"
    row = await conn.fetchrow(f"UPDATE items SET {', '.join(sets)} WHERE id = $1 AND {guard} RETURNING *", *args)
    if row is not None:
        await outbox.touch(conn, "item", [item_id])
    return row


async def claim(conn: asyncpg.Connection, item_id: int, seq: int, *, menu: str | None = KEEP,
                busy_note: Note | None = None) -> asyncpg.Record | None:
    """A press wins the item without changing its status: a menu opened or closed, or an action queued
    (the item turns busy with a note until the network answers). None when someone else was first."""
    sets = ["decision_seq = decision_seq + 1"]
    args: list[Any] = [item_id, seq]
    if menu is not KEEP:
        args.append(menu)
        sets.append(f"menu = ${len(args)}")
    if busy_note is not None:
        code, params = _note_columns(busy_note)
        args += [code, params]
        sets += ["busy = true", "menu = NULL", f"note_code = ${len(args) - 1}", f"note_params = ${len(args)}"]
    row = await conn.fetchrow(
        f"UPDATE items SET {', '.join(sets)} WHERE id = $1 AND decision_seq = $2 AND NOT busy RETURNING *", *args)
    if row is not None:
        await outbox.touch(conn, "item", [item_id])
    return row


async def mark_busy(conn: asyncpg.Connection, item_id: int, note: Note) -> None:
    """An automatic action queued by the policy: the item is busy until the network answers."""
    code, params = _note_columns(note)
    await conn.execute("UPDATE items SET busy = true, menu = NULL, note_code = $2, note_params = $3 WHERE id = $1",
                       item_id, code, params)
    await outbox.touch(conn, "item", [item_id])


async def release(conn: asyncpg.Connection, item_id: int, note: Note | None) -> None:
    """An action failed for good: the item is free again, its status unchanged, the note says why."""
    code, params = _note_columns(note)
    await conn.execute("UPDATE items SET busy = false, note_code = $2, note_params = $3,"
                       " decision_seq = decision_seq + 1 WHERE id = $1", item_id, code, params)
    await outbox.touch(conn, "item", [item_id])


async def annotate(conn: asyncpg.Connection, item_ids: list[int], note: Note | None) -> None:
    """A line on cards whose status does not change (a retry under way, an author blocked elsewhere)."""
    if not item_ids:
        return
    code, params = _note_columns(note)
    await conn.execute("UPDATE items SET note_code = $2, note_params = $3 WHERE id = ANY($1)", item_ids, code, params)
    await outbox.touch(conn, "item", item_ids)


async def edit_text(conn: asyncpg.Connection, item_id: int, fields: dict[str, Any], *, reopen: bool,
                    note: Note) -> None:
    """The author changed the text on the network: a kept item opens again; otherwise only the text and
    the note change (and old buttons die, since they were drawn for the old text)."""
    if reopen and await move(conn, item_id, "edited", decision=None, note=note, extra=fields) is not None:
        return
    code, params = _note_columns(note)
    sets = ", ".join(f"{column} = ${i}" for i, column in enumerate(fields, start=4))
    await conn.execute(f"UPDATE items SET {sets}, note_code = $2, note_params = $3, decision_seq = decision_seq + 1"
                       " WHERE id = $1", item_id, code, params, *fields.values())
    await outbox.touch(conn, "item", [item_id])
