"""The registry's work in the running service: the configuration's pages, the clock, the letter, the reminders."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.db import DatabaseUnavailable
from bot.registry import letter, reports, store
from bot.registry.reports import Clock, Report
from bot.registry.settings import RegistrySettings
from bot.workchat.chat import WorkChatError
from bot.workchat.outbox import touch
from bot.workdays import ProductionCalendar

if TYPE_CHECKING:
    from bot.config import Config
    from bot.services import Services

log = logging.getLogger(__name__)


def today(config: Config) -> date:
    return datetime.now(config.tz).date()


def clock(config: Config) -> Clock:
    return Clock(today(config), ProductionCalendar(config.registry.region), config.telegram.work_chat_id)


def registry_url(config: Config) -> str:
    base = config.registry.site_url or config.public_url or ""
    return f"{base}/registry" if base else "/registry"


async def sync_configuration(services: Services) -> int:
    """The pages this service serves enter the registry once; later the staff keep their rows."""
    pages = []
    for account in services.config.accounts:
        platform = services.platforms.get(account.network)
        if platform is None:
            continue
        pages.append(store.FoundPage(platform=account.network, account_id=account.id, network=platform.words.name_ru,
                                     kind=platform.words.page_kind_ru, name=account.name,
                                     url=platform.page_url(account), identifier=str(account.id)))
    async with services.db.transaction() as conn:
        added = await store.sync_found(conn, pages, unit=services.config.registry.organisation)
    if added:
        log.info("registry: %d page(s) of the configuration added", len(added))
    return len(added)


def compose(found: list[Report], settings: RegistrySettings, *, url: str, dated: date, number: str = ""
            ) -> letter.Letter:
    lines = tuple(letter.LetterLine(network=r.account.network, kind=r.account.kind, name=r.account.name,
                                    url=r.account.url, event=r.event_ru, event_on=r.event_on, unit=r.account.unit)
                  for r in found)
    return letter.Letter(organisation=settings.organisation, addressee=settings.addressee,
                         addressee_head=settings.addressee_head, signer_position=settings.signer_position,
                         signer_name=settings.signer_name, executor=settings.executor, registry_url=url, dated=dated,
                         number=number, lines=lines)


def letter_file(found: list[Report], config: Config, *, dated: date) -> tuple[str, bytes]:
    """The DOCX and its file name, from the administration's template if it set one."""
    data = letter.render(compose(found, config.registry, url=registry_url(config), dated=dated),
                         config.registry.letter_template)
    first = found[0]
    name = (f"soobshchenie-{first.account.id}-{first.event}-{first.event_on:%Y%m%d}.docx" if len(found) == 1
            else f"soobshchenie-{dated:%Y%m%d}.docx")
    return name, data


async def remind(services: Services) -> int:
    """Redraws the open reports' cards (their days left changed) and gives the reminders that are due."""
    now = today(services.config)
    try:
        async with services.db.transaction() as conn:
            open_ids = [r.id for r in await reports.open_reports(conn)]
            if open_ids:
                await touch(conn, reports.KIND, open_ids)
            due = await reports.due_reminders(conn, now)
            cards = {row["subject_id"]: row["message_id"] for row in await conn.fetch(
                "SELECT subject_id, message_id FROM cards WHERE subject_kind = $1 AND subject_id = ANY($2)",
                reports.KIND, [r.id for r in due])}
    except DatabaseUnavailable as exc:
        log.warning("registry reminders: %s", exc)
        return 0
    services.cards_ready.set()
    for report in due:
        text = reminder_text(report, now)
        try:
            await services.workchat.say(text, chat_id=services.workchat.chat_id, reply_to=cards.get(report.id))
        except WorkChatError as exc:
            log.error("registry reminder for report %s not delivered: %s", report.id, exc)
    return len(due)


def reminder_text(report: Report, now: date) -> str:
    from bot.registry.cards import when_due

    event = "о создании" if report.event == "created" else "об удалении"
    return (f"⏰ Напоминание: сообщение в комитет {event} аккаунта «{report.account.name}» нужно направить до "
            f"{report.due_on:%d.%m.%Y} ({when_due(report, now)}).")
