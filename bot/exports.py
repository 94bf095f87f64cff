"""`gospablik audit export` and `gospablik feedback export`: records read from the database, for people and for
scripts. They need only the database — no Telegram or network secrets — so a head of department's assistant can
run them with `DATABASE_URL` alone, or with `--data-dir var/demo` against the demo's embedded database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import dotenv
from bot.config import DEFAULT_CONFIG_PATH


@dataclass(frozen=True)
class Storage:
    url: str | None
    data_dir: Path
    tz: ZoneInfo


def storage(config: str | None, data_dir: str | None) -> Storage:
    """Where the database is and the service's time zone, from the environment (and `.env`) and the TOML file's
    `[service]` alone: the rest of the configuration, and its secrets, may be absent."""
    env = {**dotenv.read(Path(os.environ.get("GOSPABLIK_ENV_FILE", ".env"))), **os.environ}
    path = Path(config or env.get("GOSPABLIK_CONFIG") or DEFAULT_CONFIG_PATH)
    service: dict[str, Any] = {}
    with contextlib.suppress(OSError, tomllib.TOMLDecodeError):
        service = tomllib.loads(path.read_text(encoding="utf-8")).get("service", {})
    try:
        tz = ZoneInfo(str(service.get("timezone", "Europe/Moscow")))
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("Europe/Moscow")
    return Storage(env.get("DATABASE_URL") or None, Path(data_dir or service.get("data_dir", "var")), tz)


def _day(value: str | None, what: str, tz: ZoneInfo) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tz).astimezone(UTC)
    except ValueError:
        raise SystemExit(f"{what}: expected a date like 2026-11-01, got {value!r}") from None


@contextlib.contextmanager
def _binary(path: str | None) -> Iterator[Any]:
    if not path or path == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
    else:
        with open(path, "wb") as out:
            yield out


def cmd_audit_export(args: argparse.Namespace) -> int:
    from bot import audit, audit_export
    from bot.db import open_database

    where = storage(args.config, args.data_dir)
    since = _day(args.since, "--since", where.tz)
    until = _day(args.until, "--until", where.tz)
    network, account = None, None
    if args.page:
        network, _, raw = args.page.partition(":") if ":" in args.page else ("", "", args.page)
        try:
            account = int(raw)
        except ValueError:
            raise SystemExit(f"--page: a page id, or network:id (network:229000001), got {args.page!r}") from None
    filters = audit_export.Filters(since=since, until=until + timedelta(days=1) if until else None,
                                   network=network or None, account_id=account, staff=args.staff, action=args.action)
    if args.format == "xlsx" and (not args.output or args.output == "-") and sys.stdout.isatty():
        raise SystemExit("--format xlsx: give a file with -o (a workbook is not for a terminal)")

    async def work() -> int:
        async with open_database(where.url, where.data_dir) as db:
            with _binary(args.output) as out:
                if args.format == "raw":
                    text = _text(out)
                    count = await audit.export_csv(db, text, since)
                    text.flush()
                    text.detach()
                elif args.format == "xlsx":
                    count = await audit_export.write_xlsx(db, out, filters, where.tz)
                else:
                    count = await audit_export.write_csv(db, out, filters, where.tz)
        print(f"exported {count} audit entries", file=sys.stderr)
        return 0

    return asyncio.run(work())


def _text(out: Any) -> Any:
    import io

    return io.TextIOWrapper(out, encoding="utf-8", newline="")


def cmd_feedback_export(args: argparse.Namespace) -> int:
    from bot.db import open_database
    from bot.moderation.feedback import export_jsonl

    where = storage(args.config, args.data_dir)
    since = _day(args.since, "--since", where.tz)

    async def work() -> int:
        async with open_database(where.url, where.data_dir) as db:
            with _binary(args.output) as out:
                text = _text(out)
                count = await export_jsonl(db, text, since)
                text.flush()
                text.detach()
        print(f"exported {count} labelled examples", file=sys.stderr)
        return 0

    return asyncio.run(work())


def add_parsers(sub: Any) -> None:
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(dest="audit_command", required=True)
    export = audit.add_parser("export", help="write the audit trail out (needs only the database)")
    export.add_argument("--since", help="first day, YYYY-MM-DD")
    export.add_argument("--until", help="last day, YYYY-MM-DD")
    export.add_argument("--page", help="one page: its id, or network:id (network:229000001)")
    export.add_argument("--staff", help="one person: a part of their name, or their id")
    export.add_argument("--action", help="one kind of action as the raw export names it (delete, ban, press…)")
    export.add_argument("--format", choices=("csv", "xlsx", "raw"), default="csv",
                        help="csv: Russian columns for Excel (UTF-8 with BOM, «;»); xlsx: a workbook; raw: the "
                             "machine-readable form (English columns, ISO times)")
    export.add_argument("--output", "-o", help="file (default: standard output)")
    export.add_argument("--data-dir", help="the embedded database's folder when DATABASE_URL is unset "
                                           "(e.g. var/demo for the demo)")
    export.set_defaults(func=cmd_audit_export)

    feedback = sub.add_parser("feedback", help="the specialist's decisions as labelled examples").add_subparsers(
        dest="feedback_command", required=True)
    fexport = feedback.add_parser("export", help="write labelled examples as JSON lines (needs only the database)")
    fexport.add_argument("--since", help="first day, YYYY-MM-DD")
    fexport.add_argument("--output", "-o")
    fexport.add_argument("--data-dir")
    fexport.set_defaults(func=cmd_feedback_export)
