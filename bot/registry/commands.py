"""`gospablik registry …`: the registry from the command line — the same store, history, audit and reports as the
work chat, for an operator who prefers a terminal or a script.
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.db import Database
from bot.registry import desk, letter, reports, store
from bot.registry.model import FIELDS, RegistryAccount
from bot.registry.values import BadValue

if TYPE_CHECKING:
    from bot.config import Config

# option → field; every field can be set from the command line
OPTIONS = {"unit": "unit", "network": "network", "kind": "kind", "name": "name", "url": "url",
           "identifier": "identifier", "gov_mark": "gov_mark", "created": "created_on", "deleted": "deleted_on",
           "status": "status", "responsible": "responsible", "reported": "reported_on", "rkn": "rkn_number",
           "regional": "regional", "admins": "admins"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    for option, key in OPTIONS.items():
        parser.add_argument(f"--{option.replace('_', '-')}", dest=option, metavar="TEXT", help=FIELDS[key])


def _actor() -> store.Actor:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "operator"
    return store.Actor(f"cli:{user}", user)


def _changes(args: argparse.Namespace, config: Config) -> dict:
    raw = {key: getattr(args, option) for option, key in OPTIONS.items() if getattr(args, option, None) is not None}
    return store.parse_changes(raw, today=desk.today(config))


def describe(account: RegistryAccount) -> str:
    status = f"удалён {account.deleted_on:%d.%m.%Y}" if account.deleted and account.deleted_on else \
        account.status.title_ru
    created = f", создан {account.created_on:%d.%m.%Y}" if account.created_on else ""
    return f"№{account.id}  {account.network} · {account.kind} «{account.name}»  {account.url}  — {status}{created}"


async def run(db: Database, config: Config, args: argparse.Namespace) -> int:
    """One registry command; prints its result and returns the exit status."""
    what = args.registry_command
    try:
        if what == "list":
            async with db.connection() as conn:
                accounts = await store.everything(conn)
                overdue = await reports.overdue_ids(conn, desk.today(config))
            if args.json:
                from bot.registry.public import Snapshot, as_json

                print(json.dumps(as_json(Snapshot(accounts, 0, None, None), config.registry), ensure_ascii=False,
                                 indent=1))
                return 0
            for account in accounts:
                late = f"  ⚠ сообщение в комитет просрочено (срок {overdue[account.id]:%d.%m.%Y})" \
                    if account.id in overdue else ""
                print(describe(account) + late)
            print(f"всего: {len(accounts)}")
            return 0
        if what == "history":
            async with db.connection() as conn:
                for row in await store.history(conn, args.id):
                    print(f"{row['at']:%Y-%m-%d %H:%M}  v{row['version']}  {row['change']}  "
                          f"{row['actor_name'] or row['actor']}")
            return 0
        if what == "report":
            return await _report(db, config, args)
        async with db.transaction() as conn:
            clock = desk.clock(config)
            if what == "add":
                account = await store.add(conn, _changes(args, config), actor=_actor(), clock=clock)
                print("добавлено: " + describe(account))
            elif what == "edit":
                account = await store.edit(conn, args.id, _changes(args, config), actor=_actor(), clock=clock)
                print("изменено: " + describe(account))
            elif what == "delete":
                on = date.fromisoformat(args.date) if args.date else clock.today
                account = await store.mark_deleted(conn, args.id, on=on, actor=_actor(), clock=clock)
                print("отмечено удалённым: " + describe(account))
            else:
                raise SystemExit(f"unknown registry command {what}")
    except BadValue as exc:
        print(f"Не сохранено: {exc}")
        return 1
    return 0


async def _report(db: Database, config: Config, args: argparse.Namespace) -> int:
    since = date.fromisoformat(args.since)
    async with db.connection() as conn:
        found = await reports.since(conn, since)
    if not found:
        print(f"с {since:%d.%m.%Y} аккаунты не создавались и не удалялись: сообщать не о чем")
        return 0
    name, data = desk.letter_file(found, config, dated=desk.today(config))
    path = Path(args.output or name)
    path.write_bytes(data)
    print(f"письмо: {path} ({len(found)} аккаунт(ов)): " + "; ".join(
        f"«{r.account.name}» {r.event_ru} {r.event_on:%d.%m.%Y}" for r in found))
    return 0


def write_template(path: str) -> int:
    Path(path).write_bytes(letter.template_bytes())
    print(f"шаблон письма: {path}. Отредактируйте его в Word (слова в двойных фигурных скобках — поля) и укажите "
          "путь в [registry] letter_template.")
    return 0
