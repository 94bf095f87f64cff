"""The security subjects of cards: an alert (its buttons: check again, acknowledge, "this is ours") and the
`/security` card (the checklist, ticked step by step, and «Проверить сейчас»).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import asyncpg

from bot import audit
from bot.config import StaffMember
from bot.domain import Permission
from bot.registry import desk, store
from bot.registry.cards import account_line
from bot.registry.model import Admin
from bot.registry.values import BadValue, parse_date
from bot.security import alerts, cards, checklist
from bot.security.alerts import AlertKind
from bot.security.check import CARD_KIND, run
from bot.workchat.model import Button, Card, Lines, bold, italic, plain
from bot.workchat.outbox import open_card, touch
from bot.workchat.subjects import Answer, Drawing, PressContext, StandaloneCards

if TYPE_CHECKING:
    from bot.services import Services

log = logging.getLogger(__name__)
NOT_ALLOWED = Answer("Извините, безопасностью аккаунтов занимаются администраторы и координаторы Госпаблика.",
                     alert=True)
LOST = Answer("Карточка уже изменилась. Пожалуйста, посмотрите её новое состояние и нажмите ещё раз.", alert=True)
PICK_LIMIT = 24


def allowed(staff: StaffMember | None) -> Answer | None:
    return None if staff is not None and staff.can(Permission.REGISTRY) else NOT_ALLOWED


RUNNING: set[asyncio.Task] = set()


def check_later(services: Services) -> Callable[[], Awaitable[object]]:
    async def check() -> None:
        task = asyncio.create_task(run(services))  # a check takes seconds: the press is answered at once
        RUNNING.add(task)
        task.add_done_callback(_done)

    return check


def _done(task: asyncio.Task) -> None:
    RUNNING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("security check failed: %s", task.exception())


class AlertSubjects(StandaloneCards):
    kind = alerts.KIND

    def __init__(self, services: Services) -> None:
        self.services = services

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        alert = await alerts.load(conn, subject_id)
        assert alert is not None
        return Drawing(cards.alert_card(alert, tz=self.services.config.tz), {alert.id: alert.decision_seq})

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        return allowed(staff)

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer:
        button = press.button
        alert = await alerts.load(conn, button["subject_id"], lock=True)
        if alert is None or not alert.open or alert.decision_seq != button["decision_seq"]:
            return LOST
        action, who = button["action"], press.staff.name
        if action == "alert_ack":
            await alerts.acknowledge(conn, alert, by=who)
            answer = "Отмечено: вы этим занимаетесь."
        elif action == "alert_recheck":
            press.later.append(check_later(self.services))
            answer = "Проверяю ещё раз — карточка обновится."
        elif action in ("alert_ours", "alert_accept_all") and alert.kind is AlertKind.ROSTER:
            answer = await self._accept(conn, alert, press, everyone=action == "alert_accept_all")
        else:
            return LOST
        await audit.record(conn, actor=press.actor, actor_name=who, action=f"security_{action}", result="ok",
                           detail={"alert_id": alert.id, "key": alert.key})
        return Answer(answer)

    async def _accept(self, conn: asyncpg.Connection, alert: alerts.Alert, press: PressContext, *,
                      everyone: bool) -> str:
        details = alert.details
        entry = await store.get(conn, int(details["registry_id"]), lock=True)
        if entry is None:
            return "Этой страницы больше нет в реестре."
        if everyone:
            admins = [Admin(str(m["user_id"]), str(m.get("role") or ""), str(m.get("name") or ""))
                      for m in details.get("managers", [])]
        else:
            admins = [a for a in entry.admins if a.user_id != str(details["user_id"])]
            admins.append(Admin(str(details["user_id"]), str(details.get("role") or ""),
                                str(details.get("name") or "")))
        await store.edit(conn, entry.id, {"admins": [a.as_json() for a in admins]},
                         actor=store.Actor(press.actor, press.staff.name), clock=desk.clock(self.services.config))
        await alerts.resolve(conn, alert.id, how="accepted_all" if everyone else "accepted", by=press.staff.name)
        return "Список доступа в реестре обновлён."

class SecurityCardSubjects(StandaloneCards):
    """The `/security` card: home (what was checked, what was done), pick an account, pick an item."""

    kind = CARD_KIND

    def __init__(self, services: Services) -> None:
        self.services = services

    async def draw(self, conn: asyncpg.Connection, subject_id: int, *, limit: int) -> Drawing:
        row = await conn.fetchrow("SELECT * FROM security_cards WHERE id = $1", subject_id)
        assert row is not None
        return Drawing(await self._card(conn, row), {row["id"]: row["decision_seq"]})

    async def _card(self, conn: asyncpg.Connection, row: asyncpg.Record) -> Card:
        config = self.services.config
        lines = Lines()
        lines.line(bold("🔐 Безопасность аккаунтов"))
        if row["note"]:
            lines.line(italic(row["note"]))
        if row["step"] == "closed":
            lines.line(plain("Открыть снова: /security"))
            return Card(lines.text())
        accounts = [a for a in await store.everything(conn) if not a.deleted]
        if row["step"] == "pick":
            lines.line(plain("Для какого аккаунта отметить? Нажмите его номер."))
            shown = accounts[:PICK_LIMIT]
            for account in shown:
                lines.line(plain(f"№{account.id} "), *account_line(account))
            buttons = [Button(f"№{a.id}", "sec", {"do": "account", "id": a.id}) for a in shown]
            rows = tuple(tuple(buttons[i:i + 4]) for i in range(0, len(buttons), 4))
            return Card(lines.text(), (*rows, (Button("↩️ Назад", "sec", {"do": "home"}),)))
        if row["step"] == "item":
            chosen = next((a for a in accounts if a.id == row["account_id"]), None)
            lines.line(plain(f"№{row['account_id']} "), *(account_line(chosen) if chosen else []))
            lines.line(plain("Что сделано? Нажмите — отметим сегодняшним числом."))
            return Card(lines.text(), cards.item_buttons())
        await cards.credential_lines(conn, lines, config.tz)
        open_alerts = await alerts.open_alerts(conn)
        today = desk.today(config)
        ticks = await checklist.ticks(conn)
        lines.blank().line(bold("Что сделано по каждому аккаунту"))
        for account in accounts:
            roster = None
            if account.served:
                scope = f"{account.platform}:{account.account_id}"
                mine = [a for a in open_alerts if a.kind is AlertKind.ROSTER and scope in a.key]
                roster = (f"⚠️ Администраторы: есть вопросы ({len(mine)}), см. тревоги выше" if mine
                          else "✅ Администраторы: посторонних нет")
            cards.account_lines(lines, account, ticks.get(account.id, {}), today=today,
                                review_every=config.security.review_every, roster=roster)
        if open_alerts:
            lines.blank().line(plain(f"Открытых тревог: {len(open_alerts)}"))
        return Card(lines.text(), cards.home_buttons())

    def refusal(self, staff: StaffMember | None, action: str) -> Answer | None:
        return allowed(staff)

    async def press(self, conn: asyncpg.Connection, press: PressContext) -> Answer:
        button = press.button
        row = await conn.fetchrow("SELECT * FROM security_cards WHERE id = $1 FOR UPDATE", button["subject_id"])
        if row is None or row["decision_seq"] != button["decision_seq"] or row["step"] == "closed":
            return LOST
        params = button["params"]
        do = params.get("do")
        step, account_id, item, note, answer = "home", row["account_id"], row["item"], None, "Готово."
        if do == "pick":
            step = "pick"
        elif do == "account":
            step, account_id = "item", int(params["id"])
        elif do == "item" and row["account_id"] is not None and params.get("item") in checklist.ITEMS:
            item = str(params["item"])
            today = desk.today(self.services.config)
            await checklist.tick(conn, row["account_id"], item, on=today, by=press.staff.name, actor=press.actor,
                                 config=self.services.config)
            note = (f"Отмечено: {checklist.ITEMS[item]} (№{row['account_id']}) — {today:%d.%m.%Y}. Если это было "
                    "раньше, ответьте на карточку датой.")
            answer = "Отмечено."
        elif do == "check":
            press.later.append(check_later(self.services))
            note, answer = "Проверяю доступы и администраторов…", "Проверяю."
        elif do == "close":
            step = "closed"
        elif do != "home":
            return LOST
        await conn.execute("UPDATE security_cards SET step = $2, account_id = $3, item = $4, note = $5,"
                           " decision_seq = decision_seq + 1 WHERE id = $1", row["id"], step, account_id, item, note)
        await touch(conn, CARD_KIND, [row["id"]])
        return Answer(answer)

    async def reply(self, subject_id: int, *, card: asyncpg.Record, staff: StaffMember | None, actor: str,
                    user_name: str, text: str, later: list[Callable[[], Awaitable[object]]]) -> str | None:
        """A date in answer to the card corrects the date of what was just ticked."""
        if staff is None or not staff.can(Permission.REGISTRY):
            return None
        config = self.services.config
        async with self.services.db.transaction() as conn:
            row = await conn.fetchrow("SELECT * FROM security_cards WHERE id = $1 FOR UPDATE", subject_id)
            if row is None or row["item"] is None or row["account_id"] is None:
                return "Сначала отметьте сделанное кнопкой «Отметить сделанное», потом можно ответить датой."
            try:
                day = parse_date(text, today=desk.today(config))
            except BadValue as exc:
                return str(exc)
            if day > desk.today(config):
                return "Дата не может быть в будущем."
            await checklist.tick(conn, row["account_id"], row["item"], on=day, by=staff.name, actor=actor,
                                 config=config)
            await conn.execute("UPDATE security_cards SET note = $2, decision_seq = decision_seq + 1 WHERE id = $1",
                               subject_id, f"Дата исправлена: {checklist.ITEMS[row['item']]} — {day:%d.%m.%Y}.")
            await touch(conn, CARD_KIND, [subject_id])
        return None


async def open_security_card(conn: asyncpg.Connection, *, user_id: int, chat_id: int) -> int:
    card_id = await conn.fetchval("INSERT INTO security_cards (started_by) VALUES ($1) RETURNING id", user_id)
    await open_card(conn, CARD_KIND, card_id, chat_id=chat_id)
    return int(card_id)

