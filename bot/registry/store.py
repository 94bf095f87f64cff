"""Where the registry changes: add, edit, mark deleted, and the pages found in the configuration.

Every change writes the account's new version, a history row with the record before and after, and an audit
entry, in the caller's transaction; creating or deleting an account opens its report to the committee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg

from bot import audit
from bot.registry import reports
from bot.registry.model import FIELDS, REQUIRED, RegistryAccount, Status, as_record, from_row
from bot.registry.public import Snapshot
from bot.registry.reports import Clock
from bot.registry.values import BadValue, parse_field


@dataclass(frozen=True)
class Actor:
    ref: str  # the audit's name: "tg:111", "cli:operator"
    name: str | None = None


@dataclass(frozen=True)
class FoundPage:
    """A page of the configuration, as a platform names it."""

    platform: str
    account_id: int
    network: str  # the network's name as the public reads it
    kind: str
    name: str
    url: str
    identifier: str


async def everything(conn: asyncpg.Connection) -> list[RegistryAccount]:
    return [from_row(r) for r in await conn.fetch("SELECT * FROM registry_accounts ORDER BY id")]


async def get(conn: asyncpg.Connection, account_id: int, *, lock: bool = False) -> RegistryAccount | None:
    row = await conn.fetchrow("SELECT * FROM registry_accounts WHERE id = $1" + (" FOR UPDATE" if lock else ""),
                              account_id)
    return from_row(row) if row else None


async def version(conn: Any) -> int:
    """The registry's version (its last history row): what a cached page is checked against, in one index probe."""
    return await conn.fetchval("SELECT coalesce(max(id), 0) FROM registry_history") or 0


async def snapshot(conn: Any) -> Snapshot:
    """The registry as published, read in one transaction so that its version matches its rows."""
    if conn.is_in_transaction():
        return await _read_snapshot(conn)
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await _read_snapshot(conn)


async def _read_snapshot(conn: Any) -> Snapshot:
    accounts = await everything(conn)
    row = await conn.fetchrow("SELECT coalesce(max(id), 0) AS version, max(at) AS modified, min(at) AS first"
                              " FROM registry_history")
    return Snapshot(accounts, row["version"], row["modified"], row["first"])


def _stored(key: str, value: Any) -> Any:
    return value  # jsonb columns take Python values: the connection encodes them


async def _history(conn: asyncpg.Connection, account: RegistryAccount, change: str, before: RegistryAccount | None,
                   actor: Actor) -> None:
    await conn.execute(
        "INSERT INTO registry_history (account_id, version, change, before, after, actor, actor_name)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)", account.id, account.version, change,
        as_record(before) if before else None, as_record(account), actor.ref, actor.name)
    await audit.record(conn, actor=actor.ref, actor_name=actor.name, action=f"registry_{change}", result="ok",
                       detail={"registry_id": account.id, "name": account.name, "version": account.version})


async def add(conn: asyncpg.Connection, values: dict[str, Any], *, actor: Actor,
              clock: Clock) -> RegistryAccount:
    """Adds an account kept by hand; `values` are stored values (see `values.parse_field`)."""
    lacking = [FIELDS[k] for k in REQUIRED if not values.get(k)]
    if lacking:
        raise BadValue("Не хватает полей: " + ", ".join(lacking) + ".")
    unknown = set(values) - set(FIELDS)
    if unknown:
        raise BadValue(f"Нет таких полей: {', '.join(sorted(unknown))}.")
    keys = list(values)
    row = await conn.fetchrow(
        f"INSERT INTO registry_accounts ({', '.join(keys)}) VALUES ({', '.join(f'${i + 1}' for i in range(len(keys)))})"
        " RETURNING *", *(_stored(k, values[k]) for k in keys))
    account = from_row(row)
    await _history(conn, account, "added", None, actor)
    await _open_reports(conn, account, None, clock=clock)
    return account


async def edit(conn: asyncpg.Connection, account_id: int, changes: dict[str, Any], *, actor: Actor,
               clock: Clock) -> RegistryAccount:
    """Changes fields of an account; a status set to «удалён» is a deletion (with today's date if none given)."""
    before = await get(conn, account_id, lock=True)
    if before is None:
        raise BadValue(f"В реестре нет записи №{account_id}.")
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise BadValue(f"Нет таких полей: {', '.join(sorted(unknown))}.")
    changes = dict(changes)
    if changes.get("status") == Status.DELETED.value and not (changes.get("deleted_on") or before.deleted_on):
        changes["deleted_on"] = clock.today
    if changes.get("deleted_on") and "status" not in changes:
        changes["status"] = Status.DELETED.value
    if changes.get("status") == Status.ACTIVE.value and "deleted_on" not in changes:
        changes["deleted_on"] = None
    for key in REQUIRED:
        if key in changes and not changes[key]:
            raise BadValue(f"Поле «{FIELDS[key]}» не может быть пустым.")
    if not changes:
        return before
    keys = list(changes)
    sets = ", ".join(f"{k} = ${i + 2}" for i, k in enumerate(keys))
    row = await conn.fetchrow(
        f"UPDATE registry_accounts SET {sets}, version = version + 1, updated_at = now() WHERE id = $1 RETURNING *",
        account_id, *(_stored(k, changes[k]) for k in keys))
    account = from_row(row)
    change = ("deleted" if account.deleted and not before.deleted
              else "restored" if before.deleted and not account.deleted else "edited")
    await _history(conn, account, change, before, actor)
    await _open_reports(conn, account, before, clock=clock)
    return account


async def mark_deleted(conn: asyncpg.Connection, account_id: int, *, on: date, actor: Actor,
                       clock: Clock) -> RegistryAccount:
    return await edit(conn, account_id, {"status": Status.DELETED.value, "deleted_on": on}, actor=actor,
                      clock=clock)


async def _open_reports(conn: asyncpg.Connection, account: RegistryAccount, before: RegistryAccount | None, *,
                        clock: Clock) -> None:
    """A creation or deletion date that is new starts the 10-day clock, unless the committee was already told."""
    if account.created_on and (before is None or before.created_on != account.created_on):
        told = account.reported_on is not None and account.reported_on >= account.created_on
        if not told:
            await reports.open_report(conn, account, "created", account.created_on, clock=clock)
    if account.deleted_on and (before is None or before.deleted_on != account.deleted_on):
        await reports.open_report(conn, account, "deleted", account.deleted_on, clock=clock)


async def sync_found(conn: asyncpg.Connection, pages: list[FoundPage], *, unit: str) -> list[RegistryAccount]:
    """Adds the configuration's pages that the registry does not hold yet (once: later edits are the staff's).

    No report is opened: a page found in the configuration is not new, only newly known to the registry.
    """
    added = []
    for page in pages:
        row = await conn.fetchrow(
            "INSERT INTO registry_accounts (unit, network, platform, account_id, kind, name, url, identifier)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (platform, account_id) DO NOTHING RETURNING *",
            unit, page.network, page.platform, page.account_id, page.kind, page.name, page.url, page.identifier)
        if row is not None:
            account = from_row(row)
            await _history(conn, account, "found", None, Actor(audit.SYSTEM, "конфигурация"))
            added.append(account)
    return added


async def history(conn: asyncpg.Connection, account_id: int) -> list[asyncpg.Record]:
    return await conn.fetch("SELECT * FROM registry_history WHERE account_id = $1 ORDER BY id", account_id)


def parse_changes(raw: dict[str, str], *, today: date) -> dict[str, Any]:
    """Typed words by field name → stored values; every field's problem is collected into one message."""
    values: dict[str, Any] = {}
    problems = []
    for key, text in raw.items():
        try:
            values[key] = parse_field(key, text, today=today)
        except BadValue as exc:
            problems.append(f"{FIELDS.get(key, key)}: {exc}")
    if problems:
        raise BadValue("\n".join(problems))
    return values
