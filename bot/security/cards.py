"""Where the security cards are drawn: an alert (what happened, what to do, its buttons while open) and the
`/security` card (the credentials as last checked, each account's checklist and its administrators).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg

from bot.registry.model import RegistryAccount
from bot.security.alerts import Alert, AlertKind
from bot.security.checklist import ITEMS, SHORT, Tick, state
from bot.workchat.model import Button, Card, Lines, Rows, bold, italic, plain

ICON = {AlertKind.CREDENTIAL: "🚨", AlertKind.EXPIRY: "⏳", AlertKind.ROSTER: "🚨"}


def _at(moment: datetime | None, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d.%m %H:%M") if moment else ""


def alert_card(alert: Alert, *, tz: ZoneInfo) -> Card:
    lines = Lines()
    lines.line(bold(f"{ICON[alert.kind]} Безопасность: {alert.title}"))
    lines.line(plain(f"Что случилось: {alert.problem}"))
    if alert.advice:
        lines.line(plain(f"Что сделать: {alert.advice}"))
    lines.line(italic(f"Обнаружено {_at(alert.opened_at, tz)}"))
    if not alert.open:
        how = {"fixed": "исправлено — следующая проверка этого не нашла",
               "accepted": f"добавлен в список доступа ({alert.resolved_by})",
               "accepted_all": f"текущий список принят ({alert.resolved_by})"}.get(alert.resolved_how or "", "закрыто")
        lines.blank().line(plain(f"✅ {how}, {_at(alert.resolved_at, tz)}"))
        return Card(lines.text())
    if alert.acknowledged_by:
        lines.line(plain(f"👀 Принято в работу: {alert.acknowledged_by}"))
    buttons: list[Button] = []
    if alert.key.startswith("roster-empty:"):
        buttons.append(Button("✅ Принять текущий список", "alert_accept_all"))
    elif alert.kind is AlertKind.ROSTER:
        buttons.append(Button("✅ Это наш сотрудник", "alert_ours"))
    else:
        buttons.append(Button("🔄 Проверить снова", "alert_recheck"))
    if not alert.acknowledged_by:
        buttons.append(Button("👀 Принято", "alert_ack"))
    return Card(lines.text(), (tuple(buttons),))


async def credential_lines(conn: asyncpg.Connection, lines: Lines, tz: ZoneInfo) -> None:
    rows = await conn.fetch("SELECT * FROM credential_checks ORDER BY key")
    if not rows:
        lines.line(plain("Доступы ещё не проверялись: нажмите «Проверить сейчас»."))
        return
    checked = max(r["checked_at"] for r in rows)
    lines.line(bold("Доступы"), plain(f" (проверено {_at(checked, tz)})"))
    for row in rows:
        if row["valid"]:
            until = f", действует до {row['expires_at'].astimezone(tz):%d.%m.%Y}" if row["expires_at"] else ""
            lines.line(plain(f"✅ {row['title']}{until}"))
        elif row["unchecked"]:
            lines.line(plain(f"❔ {row['title']}: {row['problem']}"))
        else:
            lines.line(plain(f"⚠️ {row['title']}: {row['problem']}"))


def account_lines(lines: Lines, account: RegistryAccount, ticks: dict[str, Tick], *, today: date,
                  review_every: timedelta, roster: str | None) -> None:
    lines.line(bold(f"№{account.id} {account.network} · {account.kind} «{account.name}»"))
    for item, title in ITEMS.items():
        mark, words = state(item, ticks.get(item), gov_mark=account.gov_mark, today=today, review_every=review_every)
        lines.line(plain(f"  {mark} {title} — {words}"))
    if roster:
        lines.line(plain(f"  {roster}"))


def home_buttons() -> Rows:
    return ((Button("✔️ Отметить сделанное", "sec", {"do": "pick"}),
             Button("🔄 Проверить сейчас", "sec", {"do": "check"})),
            (Button("✖️ Закрыть", "sec", {"do": "close"}),))


def item_buttons() -> Rows:
    return (tuple(Button(SHORT[key], "sec", {"do": "item", "item": key}) for key in ITEMS),
            (Button("↩️ Назад", "sec", {"do": "home"}),))
