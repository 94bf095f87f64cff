"""The report to the regional committee: an account created or deleted must be reported within 10 days.

The seed's clock is 10 **calendar** days from the event (`registry.md` §5.2: the ordinance says «в течение 10
дней» without «рабочих»); where the account belongs to a regional body, the regional procedure's 3 working
days are shown beside it, counted on the production calendar. Each open report has a card in the work chat,
and reminders come at 3 days and 1 day before, on the day, and once when it is overdue.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from bot.registry.model import RegistryAccount, from_row
from bot.workchat.outbox import open_card, touch
from bot.workdays import ProductionCalendar

KIND = "registry_report"  # the subject kind of a report's card
REPORT_DAYS = 10
REGIONAL_WORKING_DAYS = 3
REMINDERS = (3, 1, 0, -1)  # days left when a reminder is due; -1: once, when overdue


class ReportStatus(enum.StrEnum):
    OPEN = "open"
    SENT = "sent"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Clock:
    """What a deadline is counted with: today, the production calendar, and the chat a new report's card goes to."""

    today: date
    calendar: ProductionCalendar
    chat_id: int | None = None


@dataclass(frozen=True)
class Report:
    id: int
    account: RegistryAccount
    event: str  # "created" | "deleted"
    event_on: date
    due_on: date
    regional_due_on: date | None
    status: ReportStatus
    sent_on: date | None
    outgoing_number: str | None
    decided_by: str | None
    reminded_days: int | None
    menu: str | None
    decision_seq: int

    def days_left(self, today: date) -> int:
        return (self.due_on - today).days

    @property
    def event_ru(self) -> str:
        return "создан" if self.event == "created" else "удалён"


def due_dates(event_on: date, *, regional: bool, calendar: ProductionCalendar) -> tuple[date, date | None]:
    return (event_on + timedelta(days=REPORT_DAYS),
            calendar.add_working_days(event_on, REGIONAL_WORKING_DAYS) if regional else None)


def reminder_stage(days_left: int) -> int | None:
    """The most urgent reminder reached with `days_left` (3, 1, 0 or -1), or None if none is due yet."""
    reached = [stage for stage in REMINDERS if days_left <= stage]
    return reached[-1] if reached else None


async def open_report(conn: asyncpg.Connection, account: RegistryAccount, event: str, event_on: date, *,
                      clock: Clock) -> int | None:
    """Starts the clock for an event (once per account, event and date) and gives it a card; None if it existed."""
    due_on, regional_due_on = due_dates(event_on, regional=account.regional, calendar=clock.calendar)
    # A report that starts already inside a reminder window does not remind at once: its card is the news.
    stage = reminder_stage((due_on - clock.today).days)
    report_id = await conn.fetchval(
        "INSERT INTO registry_reports (account_id, event, event_on, due_on, regional_due_on, reminded_days)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, event, event_on) DO NOTHING RETURNING id",
        account.id, event, event_on, due_on, regional_due_on, stage)
    if report_id is not None and clock.chat_id is not None:
        await open_card(conn, KIND, report_id, chat_id=clock.chat_id)
    return report_id


def _report(row: asyncpg.Record, account: RegistryAccount) -> Report:
    return Report(id=row["id"], account=account, event=row["event"], event_on=row["event_on"], due_on=row["due_on"],
                  regional_due_on=row["regional_due_on"], status=ReportStatus(row["status"]), sent_on=row["sent_on"],
                  outgoing_number=row["outgoing_number"], decided_by=row["decided_by"],
                  reminded_days=row["reminded_days"], menu=row["menu"], decision_seq=row["decision_seq"])


async def load(conn: asyncpg.Connection, report_id: int, *, lock: bool = False) -> Report | None:
    row = await conn.fetchrow("SELECT * FROM registry_reports WHERE id = $1" + (" FOR UPDATE" if lock else ""),
                              report_id)
    if row is None:
        return None
    account = await conn.fetchrow("SELECT * FROM registry_accounts WHERE id = $1", row["account_id"])
    return _report(row, from_row(account))


async def open_reports(conn: asyncpg.Connection) -> list[Report]:
    rows = await conn.fetch("SELECT id FROM registry_reports WHERE status = 'open' ORDER BY due_on, id")
    found = [await load(conn, row["id"]) for row in rows]
    return [r for r in found if r is not None]


async def since(conn: asyncpg.Connection, day: date) -> list[Report]:
    """Every report of an event on or after `day`, sent or not: what `registry report --since` lists."""
    ids = await conn.fetch("SELECT id FROM registry_reports WHERE event_on >= $1 AND status <> 'cancelled'"
                           " ORDER BY event_on, id", day)
    found = [await load(conn, row["id"]) for row in ids]
    return [r for r in found if r is not None]


async def overdue_ids(conn: asyncpg.Connection, today: date) -> dict[int, date]:
    """Accounts with a report past its due date: registry id → the due date."""
    rows = await conn.fetch("SELECT account_id, min(due_on) AS due FROM registry_reports WHERE status = 'open'"
                            " AND due_on < $1 GROUP BY account_id", today)
    return {row["account_id"]: row["due"] for row in rows}


async def mark_sent(conn: asyncpg.Connection, report: Report, *, on: date, number: str | None, by: str) -> None:
    await conn.execute(
        "UPDATE registry_reports SET status = 'sent', sent_on = $2, outgoing_number = $3, decided_by = $4,"
        " menu = NULL, decision_seq = decision_seq + 1 WHERE id = $1", report.id, on, number, by)
    await touch(conn, KIND, [report.id])


async def set_menu(conn: asyncpg.Connection, report: Report, menu: str | None) -> None:
    await conn.execute("UPDATE registry_reports SET menu = $2, decision_seq = decision_seq + 1 WHERE id = $1",
                       report.id, menu)
    await touch(conn, KIND, [report.id])


async def due_reminders(conn: asyncpg.Connection, today: date) -> list[Report]:
    """Open reports whose next reminder is due; each is marked as reminded in the caller's transaction."""
    due = []
    for report in await open_reports(conn):
        stage = reminder_stage(report.days_left(today))
        if stage is None or (report.reminded_days is not None and stage >= report.reminded_days):
            continue
        await conn.execute("UPDATE registry_reports SET reminded_days = $2 WHERE id = $1", report.id, stage)
        due.append(report)
    return due
