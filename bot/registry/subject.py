"""The registry's subjects of cards: a report to the committee (its card, its letter, «Отправлено») and the
registry form that `/registry` opens in the work chat.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TYPE_CHECKING

import asyncpg

from bot import audit
from bot.config import StaffMember
from bot.domain import Permission
from bot.registry import desk, form, reports, store
from bot.registry.cards import report_card
from bot.registry.reports import ReportStatus
from bot.registry.values import BadValue, parse_date
from bot.workchat.chat import WorkChatError
from bot.workchat.subjects import Answer, Drawing, PressContext, StandaloneCards

if TYPE_CHECKING:
    from bot.services import Services

NOT_ALLOWED = Answer("Извините, реестр аккаунтов ведут администраторы и координаторы Госпаблика. Если вам нужен "
                     "доступ, обратитесь к администратору.", alert=True)
LOST = Answer("Карточка уже изменилась. Пожалуйста, посмотрите её новое состояние и нажмите ещё раз.", alert=True)
_DATE = re.compile(r"\b(\d{1,2}\.\d{1,2}\.\d{2,4}|\d{4}-\d{2}-\d{2})\b")


def allowed(staff: StaffMember | None) -> Answer | None:
    return None if staff is not None and staff.can(Permission.REGISTRY) else NOT_ALLOWED


def parse_sent(text: str, *, today: date) -> tuple[date, str | None]:
    """"01.12.2026 № 01-15/342" → the date and the number; no date means today."""
    found = _DATE.search(text)
    day = parse_date(found.group(1), today=today) if found else today
    if day > today:
        raise BadValue("Дата отправки не может быть в будущем.")
    rest = (text[:found.start()] + " " + text[found.end():]) if found else text
    rest = re.sub(r"\b(от|исх\.?|исходящий|номер)\b", " ", rest, flags=re.IGNORECASE)
    number = " ".join(rest.replace("№", " ").split()).strip(" ,.;")
    if number.lower() in ("", "без номера"):
        return day, None
    if len(number) > 60:
        raise BadValue("Исходящий номер слишком длинный. Напишите, например: «01.12.2026 № 01-15/342».")
    return day, number


class ReportSubjects(StandaloneCards):
    kind = reports.KIND

    def __init__(self, services: Services) -> None:
        self.services = services

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        report = await reports.load(conn, subject_id)
        assert report is not None
        return Drawing(report_card(report, today=desk.today(self.services.config)), {report.id: report.decision_seq})

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        return allowed(staff)

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer:
        button = press.button
        report = await reports.load(conn, button["subject_id"], lock=True)
        if report is None or report.decision_seq != button["decision_seq"] or report.status is not ReportStatus.OPEN:
            return LOST
        action = button["action"]
        if action == "report_letter":
            name, data = desk.letter_file([report], self.services.config, dated=desk.today(self.services.config))
            await audit.record(conn, actor=press.actor, actor_name=press.staff.name, action="registry_letter",
                               result="ok", detail={"report_id": report.id, "file": name})
            services, chat_id, message_id = self.services, press.chat_id, press.message_id

            async def send() -> None:
                try:
                    await services.workchat.send_file(
                        name, data, chat_id=chat_id, reply_to=message_id,
                        caption="Сообщение в комитет: проверьте, подпишите и отправьте. Затем нажмите «Отправлено» "
                                "на карточке и укажите дату и исходящий номер.")
                except WorkChatError as exc:
                    await services.workchat.say(f"Не удалось прислать файл письма: {exc}. Его можно получить "
                                                "командой `gospablik registry report`.", chat_id=chat_id)

            press.later.append(send)
            return Answer("Готовлю файл письма…")
        if action == "report_sent":
            await reports.set_menu(conn, report, "sent")
            return Answer("Ответьте на карточку датой и исходящим номером.")
        if action == "report_menu_close":
            await reports.set_menu(conn, report, None)
            return Answer("Хорошо.")
        return LOST

    async def reply(self, subject_id: int, *, card: asyncpg.Record, staff: StaffMember | None, actor: str,
                    user_name: str, text: str, later: list[Callable[[], Awaitable[object]]]) -> str | None:
        if staff is None or not staff.can(Permission.REGISTRY):
            return None
        config = self.services.config
        async with self.services.db.transaction() as conn:
            report = await reports.load(conn, subject_id, lock=True)
            if report is None or report.status is not ReportStatus.OPEN or report.menu != "sent":
                return ("Чтобы отметить отправку, нажмите на карточке «Отправлено», а затем ответьте на неё датой и "
                        "исходящим номером.")
            try:
                day, number = parse_sent(text, today=desk.today(config))
            except BadValue as exc:
                return str(exc)
            await reports.mark_sent(conn, report, on=day, number=number, by=staff.name)
            account = report.account
            if account.reported_on is None or account.reported_on < day:
                await store.edit(conn, account.id, {"reported_on": day}, actor=store.Actor(actor, staff.name),
                                 clock=desk.clock(config))
            await audit.record(conn, actor=actor, actor_name=staff.name, action="registry_report_sent", result="ok",
                               detail={"report_id": report.id, "sent_on": day.isoformat(), "number": number})
        return None


class FormSubjects(StandaloneCards):
    kind = form.KIND

    def __init__(self, services: Services) -> None:
        self.services = services

    def networks(self) -> tuple[str, ...]:
        """The served networks by their own names, then the others the administration listed."""
        served = [p.words.name_ru for p in self.services.platforms.values()]
        return tuple(dict.fromkeys([*served, *self.services.config.registry.other_networks]))

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        state = await form.load(conn, subject_id)
        assert state is not None
        card = await form.draw(conn, state, config=self.services.config, networks=self.networks(), limit=limit)
        return Drawing(card, {state.id: state.decision_seq})

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        return allowed(staff)

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer:
        return await form.press(conn, press, config=self.services.config)

    async def reply(self, subject_id: int, *, card: asyncpg.Record, staff: StaffMember | None, actor: str,
                    user_name: str, text: str, later: list[Callable[[], Awaitable[object]]]) -> str | None:
        if staff is None or not staff.can(Permission.REGISTRY):
            return None
        async with self.services.db.transaction() as conn:
            return await form.typed(conn, subject_id, text, staff=staff, actor=actor, config=self.services.config,
                                    networks=self.networks())
